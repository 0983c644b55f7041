// Records a risk assessment with the recipients it approves.
"use strict";

async function showRecipients(personId) {
  const list = document.getElementById("recipient-list");
  list.replaceChildren();
  document.getElementById("recipients-empty").hidden = Boolean(personId);
  if (!personId) return;
  const result = await admin.api("GET", "/api/detained-individuals/" + encodeURIComponent(personId));
  for (const r of result.data.recipients || []) {
    const row = document.createElement("div");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = "approve-" + r.id;
    box.dataset.recipientId = r.id;
    box.checked = r.review_status === "approved";
    const label = document.createElement("label");
    label.htmlFor = box.id;
    label.className = "inline";
    label.textContent = " " + r.full_name + " (" + (r.kind === "legal" ? "legal adviser" : r.relationship) + ", " + admin.stateLabel(r.review_status) + ")";
    const restrictionsLabel = document.createElement("label");
    restrictionsLabel.htmlFor = "restrictions-" + r.id;
    restrictionsLabel.textContent = "Restrictions for " + r.full_name;
    const restrictions = document.createElement("input");
    restrictions.id = "restrictions-" + r.id;
    restrictions.value = r.restrictions || "";
    restrictions.placeholder = "for example: no contact with children";
    row.append(box, label, restrictionsLabel, restrictions);
    list.append(row);
  }
}

async function refreshPending() {
  const result = await admin.api("GET", "/api/recipient-reviews");
  admin.fillTable(document.getElementById("pending"), result.data.pending_reviews || [],
    (r) => [r.full_name, r.kind === "legal" ? "legal adviser" : "caller", r.centre_reference]);
}

document.addEventListener("DOMContentLoaded", async () => {
  const form = document.getElementById("risk");
  await admin.loadPeople(form.elements.person);
  form.elements.person.addEventListener("change", () => showRecipients(form.elements.person.value));
  refreshPending();
  admin.handleForm(form, (f) => {
    const approved = [];
    for (const box of document.querySelectorAll("#recipient-list input[type=checkbox]")) {
      if (!box.checked) continue;
      const id = Number(box.dataset.recipientId);
      approved.push({ recipient_id: id, restrictions: document.getElementById("restrictions-" + id).value.trim() });
    }
    return {
      path: "/api/detained-individuals/" + encodeURIComponent(f.elements.person.value) + "/risk-assessment",
      body: { review_date: f.elements.review_date.value, approved_recipients: approved },
    };
  }, (result, f) => {
    admin.showStatus(f, "Risk assessment recorded; " + result.data.approved_recipients.length + " recipient(s) approved.");
    showRecipients(f.elements.person.value);
    refreshPending();
  });
});

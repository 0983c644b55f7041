// Requests a booking and shows the join links or the recorded refusal.
"use strict";

async function loadRecipients(select, personId) {
  select.replaceChildren(new Option("Choose a recipient", ""));
  if (!personId) return;
  const result = await admin.api("GET", "/api/detained-individuals/" + encodeURIComponent(personId));
  for (const r of result.data.recipients || []) {
    const kind = r.kind === "legal" ? "legal adviser" : r.relationship;
    select.append(new Option(r.full_name + " (" + kind + ", " + r.review_status + ")", r.id));
  }
}

async function refreshBookings() {
  const result = await admin.api("GET", "/api/bookings");
  admin.fillTable(document.getElementById("bookings"), result.data.bookings || [],
    (b) => [b.slot_local.replace("T", " "), b.detained_individual_id, b.recipient_id, b.kind, b.state, b.refusal_reason]);
}

function showLinks(links) {
  const list = document.getElementById("links");
  list.replaceChildren();
  for (const link of links) {
    const item = document.createElement("li");
    item.textContent = link.role.replace("_", " ") + ": ";
    const code = document.createElement("code");
    code.textContent = new URL(link.url, window.location.origin).href;
    item.append(code);
    list.append(item);
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  const form = document.getElementById("booking");
  await admin.loadPeople(form.elements.detained_individual_id);
  form.elements.detained_individual_id.addEventListener("change",
    () => loadRecipients(form.elements.recipient_id, form.elements.detained_individual_id.value));
  refreshBookings();
  admin.handleForm(form, (f) => ({
    path: "/api/bookings",
    body: {
      detained_individual_id: f.elements.detained_individual_id.value,
      recipient_id: f.elements.recipient_id.value,
      slot_local: f.elements.slot_local.value.slice(0, 16),
      terminal: f.elements.terminal.value.trim(),
      urgent_reason: f.elements.urgent_reason.value.trim(),
    },
  }), (result, f) => {
    const booking = result.data.booking;
    const message = booking.state === "confirmed"
      ? "Booking " + booking.id + " confirmed for " + booking.slot_local.replace("T", " ") + "."
      : "Booking " + booking.id + " is held until a risk assessment review approves the recipient.";
    admin.showStatus(f, message);
    showLinks(result.data.join_links || []);
    refreshBookings();
  });
});

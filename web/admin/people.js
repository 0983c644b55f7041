// Adds detained individuals and their recipients, and lists the centre's people.
"use strict";

async function refreshPeople() {
  const result = await admin.api("GET", "/api/detained-individuals");
  admin.fillTable(document.getElementById("people"), result.data.detained_individuals || [],
    (p) => [p.centre_reference, p.recorded_name, p.log_name]);
  await admin.loadPeople(document.getElementById("person"));
}

// Shows the fields of the chosen kind of recipient: a relationship for a
// caller, the section 84 details (firm, qualification) for a legal adviser.
function showRecipientFields(form) {
  const legal = form.elements.kind.value === "legal";
  for (const [name, forLegal] of [["relationship", false], ["firm", true], ["qualification", true]]) {
    const input = form.elements[name];
    const shown = forLegal === legal;
    input.parentElement.hidden = !shown;
    input.required = shown;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  refreshPeople();
  const recipientForm = document.getElementById("add-recipient");
  recipientForm.elements.kind.addEventListener("change", () => showRecipientFields(recipientForm));
  showRecipientFields(recipientForm);
  admin.handleForm(document.getElementById("add-person"), (f) => ({
    path: "/api/detained-individuals",
    body: {
      centre_reference: f.elements.centre_reference.value.trim(),
      recorded_name: f.elements.recorded_name.value.trim(),
      log_name: f.elements.log_name.value.trim(),
    },
  }), (result, f) => {
    admin.showStatus(f, "Added detained individual " + result.data.id + ".");
    f.reset();
    refreshPeople();
  });

  admin.handleForm(document.getElementById("add-recipient"), (f) => ({
    path: "/api/detained-individuals/" + encodeURIComponent(f.elements.person.value) + "/recipients",
    body: {
      kind: f.elements.kind.value,
      full_name: f.elements.full_name.value.trim(),
      relationship: f.elements.relationship.value.trim(),
      contact: f.elements.contact.value.trim(),
      firm: f.elements.firm.value.trim(),
      qualification: f.elements.qualification.value.trim(),
    },
  }), (result, f) => {
    admin.showStatus(f, "Added recipient " + result.data.id + ". A risk assessment review must approve them before calls.");
    for (const name of ["full_name", "relationship", "contact", "firm", "qualification"]) f.elements[name].value = "";
  });
});

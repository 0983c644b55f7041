// Adds detained individuals and their recipients, and lists the centre's people.
"use strict";

// The centre chosen by a compliance or admin account; empty for the others,
// whose centre the server takes from the account.
function chosenCentre() {
  const field = document.getElementById("centre-field");
  return field.hidden ? "" : document.getElementById("centre_id").value;
}

async function refreshPeople() {
  const centre = chosenCentre();
  const query = centre ? "?centre_id=" + encodeURIComponent(centre) : "";
  const result = await admin.api("GET", "/api/detained-individuals" + query);
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

// Compliance and admin accounts choose the centre; the form cannot be sent
// without one, and with no centre at all the page says where to add one.
async function showCentreChooser() {
  const me = await admin.showAccount();
  if (!admin.seesAllCentres(me.role)) return;
  const field = document.getElementById("centre-field");
  const select = document.getElementById("centre_id");
  field.hidden = false;
  select.required = true;
  document.getElementById("people-heading").textContent = "Detained individuals of the chosen centre";
  const centres = await admin.loadCentres(select, "Choose a centre");
  if (centres.length === 1) select.value = String(centres[0].id);
  if (centres.length === 0) {
    const form = document.getElementById("add-person");
    const hint = me.role === "admin" ? " Add one on the Centres page first." : " An admin adds centres.";
    admin.showStatus(form, "There is no centre yet." + hint, true);
  }
  select.addEventListener("change", refreshPeople);
}

document.addEventListener("DOMContentLoaded", async () => {
  await showCentreChooser();
  refreshPeople();
  const recipientForm = document.getElementById("add-recipient");
  recipientForm.elements.kind.addEventListener("change", () => showRecipientFields(recipientForm));
  showRecipientFields(recipientForm);
  admin.handleForm(document.getElementById("add-person"), (f) => ({
    path: "/api/detained-individuals",
    body: {
      ...(chosenCentre() ? { centre_id: Number(chosenCentre()) } : {}),
      centre_reference: f.elements.centre_reference.value.trim(),
      recorded_name: f.elements.recorded_name.value.trim(),
      log_name: f.elements.log_name.value.trim(),
    },
  }), (result, f) => {
    admin.showStatus(f, "Added detained individual " + result.data.id + ".");
    // Keep the chosen centre for the next person.
    const centre = chosenCentre();
    f.reset();
    f.elements.centre_id.value = centre;
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

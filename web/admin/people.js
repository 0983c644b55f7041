// Adds detained individuals and their recipients, and lists the centre's people.
"use strict";

async function refreshPeople() {
  const result = await admin.api("GET", "/api/detained-individuals");
  admin.fillTable(document.getElementById("people"), result.data.detained_individuals || [],
    (p) => [p.centre_reference, p.recorded_name, p.log_name]);
  await admin.loadPeople(document.getElementById("person"));
}

document.addEventListener("DOMContentLoaded", () => {
  refreshPeople();
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
    f.elements.full_name.value = "";
    f.elements.contact.value = "";
  });
});

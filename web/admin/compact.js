// Records a signed compact.
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  const form = document.getElementById("compact");
  await admin.loadPeople(form.elements.person);
  const me = await admin.showAccount();
  if (me.username && !form.elements.witnessing_officer.value) form.elements.witnessing_officer.value = me.username;
  admin.handleForm(form, (f) => ({
    path: "/api/detained-individuals/" + encodeURIComponent(f.elements.person.value) + "/compact",
    body: {
      signed_on: f.elements.signed_on.value,
      language: f.elements.language.value.trim(),
      interpreted: f.elements.interpreted.checked,
      witnessing_officer: f.elements.witnessing_officer.value.trim(),
    },
  }), (result, f) => admin.showStatus(f, "Compact recorded (record " + result.data.id + ")."));
});

// The sign-in page: on success, go to the detained individuals page.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("sign-in");
  admin.handleForm(form, (f) => ({
    path: "/api/session",
    body: { username: f.elements.username.value, password: f.elements.password.value },
  }), () => { window.location.href = "/admin/people.html"; });
});

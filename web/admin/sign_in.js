// The sign-in page: on success, go to the detained individuals page. An admin
// of a service with no centre yet goes to the Centres page instead, because
// every other page needs a centre.
"use strict";

async function firstPage(role) {
  if (role !== "admin") return "/admin/people.html";
  const centres = await admin.api("GET", "/api/centres");
  return centres.ok && (centres.data.centres || []).length === 0 ? "/admin/centres.html" : "/admin/people.html";
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("sign-in");
  admin.handleForm(form, (f) => ({
    path: "/api/session",
    body: { username: f.elements.username.value, password: f.elements.password.value },
  }), async (result) => { window.location.href = await firstPage(result.data.role); });
});

// Shared code of the admin pages: calls to /api/ with JSON, the signed-in
// header, and showing errors next to the field the server names.
"use strict";

const admin = (() => {
  async function api(method, path, body) {
    const options = { method, headers: {}, credentials: "same-origin" };
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(path, options);
    let data = null;
    const type = response.headers.get("Content-Type") || "";
    // A 204 response (sign-out) has the JSON type but no body.
    if (type.startsWith("application/json") && response.status !== 204) data = await response.json();
    if (response.status === 401 && path !== "/api/session") {
      window.location.href = "/admin/index.html";
    }
    return { ok: response.ok, status: response.status, data: data || {} };
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach((element) => { element.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((element) => element.removeAttribute("aria-invalid"));
    const status = form.querySelector(".status");
    if (status) { status.textContent = ""; status.classList.remove("error"); }
  }

  // Shows the server's message next to the named field, or in the form's
  // status box when no field is named, and moves focus there.
  function showError(form, result) {
    const message = result.data.error || "The request failed (HTTP " + result.status + ").";
    const field = result.data.field && form.elements.namedItem(result.data.field);
    const slot = field && document.getElementById(field.id + "-error");
    if (field && slot) {
      slot.textContent = message;
      field.setAttribute("aria-invalid", "true");
      field.focus();
      return;
    }
    showStatus(form, message, true);
  }

  function showStatus(form, message, isError) {
    const status = form.querySelector(".status");
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
    status.focus();
  }

  // Checks the browser's own constraints (required, pattern) and shows the
  // first problem next to its field before anything is sent.
  function checkLocally(form) {
    for (const element of form.elements) {
      if (!element.willValidate || element.checkValidity()) continue;
      const slot = document.getElementById(element.id + "-error");
      if (slot) slot.textContent = element.validationMessage;
      element.setAttribute("aria-invalid", "true");
      element.focus();
      return false;
    }
    return true;
  }

  // Wires a form: on submit, validate, build the body, send it, report.
  // onFailure, when given, runs after a refusal is shown.
  function handleForm(form, build, onSuccess, onFailure) {
    form.setAttribute("novalidate", "");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      if (!checkLocally(form)) return;
      const request = build(form);
      const result = await admin.api(request.method || "POST", request.path, request.body);
      if (!result.ok) {
        showError(form, result);
        if (onFailure) onFailure(result, form);
        return;
      }
      onSuccess(result, form);
    });
  }

  function text(value) { return value === null || value === undefined ? "" : String(value); }

  // Fills a table body with rows of cells; every value goes in as text.
  function fillTable(tbody, rows, cells) {
    tbody.replaceChildren();
    for (const row of rows) {
      const tr = document.createElement("tr");
      for (const cell of cells(row)) {
        const td = document.createElement("td");
        if (cell instanceof Node) td.append(cell); else td.textContent = text(cell);
        tr.append(td);
      }
      tbody.append(tr);
    }
  }

  // Fills a select with the signed-in account's detained individuals.
  async function loadPeople(select) {
    const result = await api("GET", "/api/detained-individuals");
    select.replaceChildren(new Option("Choose a detained individual", ""));
    for (const person of result.data.detained_individuals || []) {
      select.append(new Option(person.centre_reference + " - " + person.recorded_name, person.id));
    }
  }

  // Fills a select with the centres the signed-in account may access, and returns them.
  async function loadCentres(select, firstLabel) {
    const result = await api("GET", "/api/centres");
    const centres = result.data.centres || [];
    select.replaceChildren(new Option(firstLabel, ""));
    for (const centre of centres) select.append(new Option(centre.name + " (" + centre.time_zone + ")", centre.id));
    return centres;
  }

  // Compliance and admin accounts belong to no centre and see every centre.
  function seesAllCentres(role) { return role === "compliance" || role === "admin"; }

  // Shows the navigation links whose data-roles list the account's role.
  function showLinksForRole(role) {
    for (const link of document.querySelectorAll("header nav a[data-roles]")) {
      link.hidden = !link.dataset.roles.split(" ").includes(role);
    }
  }

  // Fetches the signed-in account once per page; every caller shares the result.
  let account = null;
  function showAccount() {
    if (!account) {
      account = api("GET", "/api/me").then((result) => {
        const who = document.getElementById("who");
        if (result.ok && who) who.textContent = result.data.username + " (" + result.data.role + ")";
        if (result.ok) showLinksForRole(result.data.role);
        return result.data;
      });
    }
    return account;
  }

  // Words the pages show for the API's review and booking states.
  const STATE_LABELS = {
    not_reviewed: "not reviewed",
    pending_review: "waiting for review",
    approved: "approved",
    rejected: "rejected",
    confirmed: "confirmed",
    refused: "refused",
    call_ended: "call ended by an officer",
    id_check_refused: "ID check rejected",
  };

  function stateLabel(state) { return STATE_LABELS[state] || text(state).replace(/_/g, " "); }

  // The admin pages in navigation order. A link with roles is shown only to
  // those roles once the account is known; the server checks every route
  // whatever the navigation shows.
  const NAVIGATION = [
    { href: "people.html", label: "Detained individuals" },
    { href: "compact.html", label: "Compact" },
    { href: "risk.html", label: "Risk assessment" },
    { href: "booking.html", label: "Booking" },
    { href: "suspensions.html", label: "Suspensions and appeals" },
    { href: "incidents.html", label: "Incident reports" },
    { href: "welfare.html", label: "Welfare checks" },
    { href: "audit.html", label: "Audit log", roles: "manager compliance admin" },
    { href: "centres.html", label: "Centres", roles: "admin" },
    { href: "/console/", label: "Officer's console", roles: "dco manager admin" },
  ];

  // Fills the page's empty <header data-admin-header> with the title, the
  // navigation (the current page marked for sighted and screen-reader
  // users), the account name and the sign-out button.
  function buildHeader() {
    const header = document.querySelector("header[data-admin-header]");
    if (!header) return;
    const title = document.createElement("strong");
    title.textContent = "Sightline admin";

    const nav = document.createElement("nav");
    nav.setAttribute("aria-label", "Admin pages");
    const currentFile = window.location.pathname.split("/").pop();
    for (const page of NAVIGATION) {
      const link = document.createElement("a");
      link.href = page.href;
      link.textContent = page.label;
      if (page.roles) {
        link.dataset.roles = page.roles;
        link.hidden = true;
      }
      if (page.href === currentFile) link.setAttribute("aria-current", "page");
      nav.append(link);
    }

    const who = document.createElement("span");
    who.className = "who";
    who.id = "who";
    who.setAttribute("aria-live", "polite");
    const signOut = document.createElement("button");
    signOut.type = "button";
    signOut.id = "sign-out";
    signOut.className = "secondary";
    signOut.textContent = "Sign out";
    header.replaceChildren(title, nav, who, signOut);
  }

  function wireSignOut() {
    const button = document.getElementById("sign-out");
    if (!button) return;
    button.addEventListener("click", async () => {
      await api("DELETE", "/api/session");
      window.location.href = "/admin/index.html";
    });
  }

  // Deferred scripts run after parsing, so the header exists for the page's
  // own script, which runs after this one.
  buildHeader();
  document.addEventListener("DOMContentLoaded", () => {
    wireSignOut();
    if (document.body.dataset.signedIn === "required") showAccount();
  });

  return {
    api, handleForm, showStatus, fillTable, loadPeople, loadCentres, seesAllCentres, showAccount, stateLabel, text,
  };
})();

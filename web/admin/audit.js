// Lists the staff audit log, newest first, filtered by action and call.
"use strict";

// Centre names by id, for the Centre column.
const centreNames = new Map();

// "2026-03-04T10:00:00Z" as "2026-03-04 10:00:00 UTC".
function formatUtc(instant) {
  const text = admin.text(instant);
  return text.length >= 19 ? text.slice(0, 10) + " " + text.slice(11, 19) + " UTC" : text;
}

function centreName(id) {
  if (id === null || id === undefined) return "";
  return centreNames.get(id) || "Centre " + id;
}

// Offers the actions already listed as suggestions for the action filter.
function suggestActions(entries) {
  const list = document.getElementById("known-actions");
  const known = new Set(Array.from(list.options, (option) => option.value));
  for (const entry of entries) {
    if (known.has(entry.action)) continue;
    known.add(entry.action);
    list.append(new Option(entry.action));
  }
}

function entriesPath(form) {
  const query = new URLSearchParams();
  for (const name of ["action", "call_id"]) {
    const value = form.elements[name].value.trim();
    if (value !== "") query.set(name, value);
  }
  const text = query.toString();
  return "/api/audit-log" + (text ? "?" + text : "");
}

function showEntries(result, form) {
  if (!result.ok) {
    admin.showStatus(form, result.data.error || "The audit log could not be loaded (HTTP " + result.status + ").", true);
    return;
  }
  const entries = result.data.entries || [];
  suggestActions(entries);
  admin.fillTable(document.getElementById("entries"), entries,
    (e) => [formatUtc(e.created_at), e.username, e.role, centreName(e.centre_id), e.action, e.target, e.call_id, e.detail]);
  document.getElementById("entries-table").hidden = entries.length === 0;
  const count = entries.length === 1 ? "1 entry" : entries.length + " entries";
  admin.showStatus(form, entries.length === 0 ? "No entry matches." : count + ", newest first.");
}

document.addEventListener("DOMContentLoaded", async () => {
  const centres = await admin.api("GET", "/api/centres");
  for (const centre of centres.data.centres || []) centreNames.set(centre.id, centre.name);
  const form = document.getElementById("audit-filter");
  admin.handleForm(form, (f) => ({ method: "GET", path: entriesPath(f) }), showEntries);
  showEntries(await admin.api("GET", "/api/audit-log"), form);
});

// Lists the centres and adds one with its time zone and weekly opening
// windows (admins only; the server checks the role and every window).
"use strict";

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

// "Monday 08:00-20:00; Tuesday ..." in weekday order.
function windowsText(windows) {
  return (windows || []).map((w) => WEEKDAYS[w.weekday] + " " + w.start + "-" + w.end).join("; ");
}

async function refreshCentres() {
  const result = await admin.api("GET", "/api/centres");
  const status = document.getElementById("centres-status");
  if (!result.ok) {
    status.textContent = result.data.error || "The centres could not be loaded.";
    status.classList.add("error");
    return;
  }
  const centres = result.data.centres || [];
  status.classList.remove("error");
  status.textContent = centres.length === 0 ? "There is no centre yet. Add the first one below." : "";
  document.getElementById("centres-table").hidden = centres.length === 0;
  admin.fillTable(document.getElementById("centres"), centres, (c) => [c.id, c.name, c.time_zone, windowsText(c.windows)]);
}

// One window per day with both times given. A day with only one time given
// is sent as it is, so that the server names the missing time.
function windowsFrom(form) {
  const windows = [];
  WEEKDAYS.forEach((_, weekday) => {
    const start = form.elements["start-" + weekday].value.trim();
    const end = form.elements["end-" + weekday].value.trim();
    if (start !== "" || end !== "") windows.push({ weekday, start, end });
  });
  return windows;
}

document.addEventListener("DOMContentLoaded", () => {
  refreshCentres();
  admin.handleForm(document.getElementById("add-centre"), (f) => ({
    path: "/api/centres",
    body: { name: f.elements.name.value.trim(), time_zone: f.elements.time_zone.value.trim(), windows: windowsFrom(f) },
  }), (result, f) => {
    admin.showStatus(f, "Added centre " + result.data.id + ".");
    f.elements.name.value = "";
    refreshCentres();
  });
});

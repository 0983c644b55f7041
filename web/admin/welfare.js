// Lists welfare checks, open ones first. A DCO or manager marks one complete.
"use strict";

// Only DCOs and managers may mark a check complete, so other roles see "Open".
let canComplete = false;

// "2026-03-04T10:00:00Z" as "2026-03-04 10:00 UTC".
function formatUtc(instant) {
  const text = admin.text(instant);
  return text.length >= 16 ? text.slice(0, 10) + " " + text.slice(11, 16) + " UTC" : text;
}

function showStatus(message, isError) {
  const status = document.getElementById("welfare-status");
  status.textContent = message;
  status.classList.toggle("error", Boolean(isError));
}

function completeButton(check) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Mark check " + check.id + " complete";
  button.addEventListener("click", async () => {
    button.disabled = true;
    const result = await admin.api("POST", "/api/welfare-checks/" + encodeURIComponent(check.id) + "/complete", {});
    showStatus(result.ok ? "Welfare check " + check.id + " marked complete." : (result.data.error || "Marking failed."), !result.ok);
    await refreshChecks();
    document.getElementById("welfare-status").focus();
  });
  return button;
}

async function refreshChecks() {
  const showCompleted = document.getElementById("show-completed").checked;
  const result = await admin.api("GET", "/api/welfare-checks" + (showCompleted ? "" : "?open=1"));
  if (!result.ok) { showStatus(result.data.error || "Welfare checks could not be loaded.", true); return; }
  const checks = result.data.welfare_checks || [];
  const open = checks.filter((c) => !c.completed_at).length;
  const status = document.getElementById("welfare-status");
  if (!status.classList.contains("error") && status.textContent === "") {
    showStatus(open === 0 ? "No welfare check is open." : open + (open === 1 ? " welfare check is open." : " welfare checks are open."));
  }
  admin.fillTable(document.getElementById("checks"), checks, (c) => {
    let completed = c.completed_at ? c.completed_by + " at " + formatUtc(c.completed_at) : null;
    if (!completed) completed = canComplete ? completeButton(c) : "Open";
    const person = c.detained_individual_name || "Detained individual " + c.detained_individual_id;
    return [c.id, formatUtc(c.requested_at), person, c.call_id, c.note, c.requested_by, completed];
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  const me = await admin.showAccount();
  canComplete = me.role === "dco" || me.role === "manager";
  document.getElementById("show-completed").addEventListener("change", () => {
    showStatus("");
    refreshChecks();
  });
  refreshChecks();
});

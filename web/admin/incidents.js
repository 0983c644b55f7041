// Lists incident reports; the security team marks them reviewed.
"use strict";

// Only the security team may mark a report reviewed; others see it is waiting.
let canReview = false;

// "2026-03-04T10:00:00Z" as "2026-03-04 10:00 UTC".
function formatUtc(instant) {
  const text = admin.text(instant);
  return text.length >= 16 ? text.slice(0, 10) + " " + text.slice(11, 16) + " UTC" : text;
}

async function refreshReports() {
  const result = await admin.api("GET", "/api/incident-reports");
  const status = document.getElementById("incident-status");
  if (!result.ok) { status.textContent = result.data.error || "Incident reports could not be loaded."; status.classList.add("error"); return; }
  admin.fillTable(document.getElementById("reports"), result.data.incident_reports || [], (r) => {
    let reviewed = r.reviewed_by ? r.reviewed_by + " at " + formatUtc(r.reviewed_at) : null;
    if (!reviewed && !canReview) reviewed = "Waiting for the security team";
    if (!reviewed) {
      reviewed = document.createElement("button");
      reviewed.type = "button";
      reviewed.textContent = "Mark report " + r.id + " reviewed";
      reviewed.addEventListener("click", async () => {
        const marked = await admin.api("POST", "/api/incident-reports/" + encodeURIComponent(r.id) + "/review", {});
        status.textContent = marked.ok ? "Report " + r.id + " marked reviewed." : (marked.data.error || "Marking failed.");
        status.classList.toggle("error", !marked.ok);
        refreshReports();
      });
    }
    return [r.id, formatUtc(r.created_at), admin.stateLabel(r.kind), r.reason, r.booking_id, reviewed];
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  const me = await admin.showAccount();
  canReview = me.role === "security";
  refreshReports();
});

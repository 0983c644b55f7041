// Lists incident reports; the security team marks them reviewed.
"use strict";

async function refreshReports() {
  const result = await admin.api("GET", "/api/incident-reports");
  const status = document.getElementById("incident-status");
  if (!result.ok) { status.textContent = result.data.error || "Incident reports could not be loaded."; status.classList.add("error"); return; }
  admin.fillTable(document.getElementById("reports"), result.data.incident_reports || [], (r) => {
    let reviewed = r.reviewed_by ? r.reviewed_by + " at " + r.reviewed_at : null;
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
    return [r.id, r.created_at, r.kind, r.reason, r.booking_id, reviewed];
  });
}

document.addEventListener("DOMContentLoaded", refreshReports);

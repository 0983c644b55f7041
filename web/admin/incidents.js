// Lists incident reports, which the security team marks reviewed, and the
// officers' alert decisions per kind for managers, compliance and admins.
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
    return [r.id, formatUtc(r.created_at), admin.stateLabel(r.kind), reasonText(r), r.booking_id, r.call_id, r.officer,
            alertList(r.alerts || []), reviewed];
  });
}

// The descriptions of the reasons an officer gives for ending a call
// (describe() in policy/supervision.cpp).
const END_REASONS = {
  recording: "Recording the call",
  dress: "Inappropriate dress",
  abusive: "Abusive language or behaviour",
  recipient_safety: "Safety of the recipient",
  centre_security: "Security of the centre",
  other: "Other reason",
};

// The reason code's description, then the officer's words when they differ.
function reasonText(report) {
  if (!report.reason_code) return report.reason;
  const described = END_REASONS[report.reason_code] || admin.stateLabel(report.reason_code);
  return report.reason && report.reason !== described ? described + ": " + report.reason : described;
}

// One line per alert: "Alert 12: recording device, score 0.74, 2026-03-04 10:00 UTC".
function alertList(alerts) {
  if (alerts.length === 0) return "";
  const list = document.createElement("ul");
  for (const a of alerts) {
    const item = document.createElement("li");
    item.textContent = "Alert " + a.alert_id + ": " + admin.stateLabel(a.kind) + ", score " + Number(a.score).toFixed(2) +
      ", " + formatUtc(a.raised_at);
    list.append(item);
  }
  return list;
}

async function refreshDecisions() {
  const section = document.getElementById("alert-decisions");
  section.hidden = false;
  const result = await admin.api("GET", "/api/alert-decisions");
  const status = document.getElementById("decision-status");
  if (!result.ok) { status.textContent = result.data.error || "Alert decisions could not be loaded."; status.classList.add("error"); return; }
  const counts = result.data.alert_decisions || [];
  status.textContent = counts.length === 0 ? "No alert has been acknowledged or dismissed yet." : "";
  // An empty table would show only its header under that sentence.
  document.getElementById("decisions-table").hidden = counts.length === 0;
  admin.fillTable(document.getElementById("decisions"), counts, (c) => {
    const total = c.acknowledged + c.dismissed;
    const share = total > 0 ? Math.round((100 * c.dismissed) / total) + "%" : "";
    return [admin.stateLabel(c.kind), c.acknowledged, c.dismissed, share];
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  const me = await admin.showAccount();
  canReview = me.role === "security";
  refreshReports();
  // The counts are for tuning the detectors: managers, compliance and admins.
  if (["manager", "compliance", "admin"].includes(me.role)) refreshDecisions();
});

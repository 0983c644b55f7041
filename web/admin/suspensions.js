// Lists suspensions, appeals and what is overdue.
"use strict";

function noticeLink(id) {
  const link = document.createElement("a");
  link.href = "/api/suspensions/" + encodeURIComponent(id) + "/notice";
  link.textContent = "Written notice";
  return link;
}

document.addEventListener("DOMContentLoaded", async () => {
  const [suspensions, appeals, overdue] = await Promise.all([
    admin.api("GET", "/api/suspensions"), admin.api("GET", "/api/appeals"), admin.api("GET", "/api/overdue")]);

  admin.fillTable(document.getElementById("suspensions"), suspensions.data.suspensions || [],
    (s) => [s.id, s.detained_individual_id, s.category, s.starts_at, s.ends_at, s.decided_by, s.authorised_by, noticeLink(s.id)]);
  admin.fillTable(document.getElementById("appeals"), appeals.data.appeals || [], (a) => {
    const due = document.createElement("span");
    due.textContent = a.due_at + (a.overdue ? " (overdue)" : "");
    if (a.overdue) due.className = "overdue";
    return [a.id, a.suspension_id, a.lodged_at, due, a.decided_by, a.outcome];
  });

  const box = document.getElementById("overdue");
  const lines = [];
  for (const a of overdue.data.appeals || []) lines.push("Appeal " + a.id + " was due at " + a.due_at + ".");
  for (const r of overdue.data.suspension_reviews || []) {
    lines.push("The weekly review of suspension " + r.suspension_id + " was due at " + r.due_at + ".");
  }
  const paragraph = document.createElement("p");
  paragraph.className = lines.length ? "status error" : "status";
  paragraph.textContent = lines.length ? lines.join(" ") : "Nothing is overdue.";
  box.replaceChildren(paragraph);
});

// Suspensions, weekly reviews and appeals: the forms, the lists and what is overdue.
// The API takes and returns UTC instants, so the page converts to and from the centre's local time.
"use strict";

const SUSPENSION_DAYS_WITHOUT_AUTHORISATION = 7;
const DAY_MS = 24 * 3600_000;

const CATEGORY_LABELS = {
  recording_call: "recording a call",
  inappropriate_dress: "inappropriate dress",
  abusive_behaviour_on_call: "abusive behaviour on a call",
  misuse_of_service: "misuse of the service",
};

const page = { zone: "UTC", people: new Map() };

// Wall-clock fields of `date` in the page's zone.
function zoneParts(date) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: page.zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(date);
  return Object.fromEntries(parts.map((part) => [part.type, part.value]));
}

// Shows a UTC instant from the API as "2026-03-04 10:00" in the centre's zone.
function localTime(utc) {
  if (!utc) return "";
  const parts = zoneParts(new Date(utc));
  return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
}

// Converts a datetime-local value read as the centre's wall-clock time to a
// UTC instant like 2026-03-04T10:00:00Z. The zone's offset is looked up at a
// first guess and again at the result, so a time after a clock change gets
// the offset in force then. A time skipped by the spring change comes out
// one hour later.
function utcFromLocal(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!match) return value;
  const wall = Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5]);
  const offsetAt = (instant) => {
    const parts = zoneParts(new Date(instant));
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute) - instant;
  };
  let instant = wall - offsetAt(wall);
  instant = wall - offsetAt(instant);
  return new Date(instant).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function personLabel(id) { return page.people.get(id) || "record " + id; }

function noticeLink(id) {
  const link = document.createElement("a");
  link.href = "/api/suspensions/" + encodeURIComponent(id) + "/notice";
  link.textContent = "Written notice";
  return link;
}

function overdueSpan(textValue, overdue) {
  const span = document.createElement("span");
  span.textContent = textValue + (overdue ? " (overdue)" : "");
  if (overdue) span.className = "overdue";
  return span;
}

function fillSelect(select, placeholder, items, label) {
  const chosen = select.value;
  select.replaceChildren(new Option(placeholder, ""));
  for (const item of items) select.append(new Option(label(item), item.id));
  select.value = chosen;
}

function showOverdue(overdue) {
  const box = document.getElementById("overdue");
  const items = [];
  for (const a of overdue.appeals || []) {
    items.push("Appeal " + a.id + " against suspension " + a.suspension_id + " was due for a decision at " + localTime(a.due_at) + ".");
  }
  for (const r of overdue.suspension_reviews || []) {
    items.push("The weekly review of suspension " + r.suspension_id + " was due at " + localTime(r.due_at) + ".");
  }
  if (items.length === 0) {
    const paragraph = document.createElement("p");
    paragraph.className = "status";
    paragraph.textContent = "Nothing is overdue.";
    box.replaceChildren(paragraph);
    return;
  }
  const list = document.createElement("ul");
  list.className = "status error overdue-list";
  for (const item of items) {
    const entry = document.createElement("li");
    entry.textContent = item;
    list.append(entry);
  }
  box.replaceChildren(list);
}

async function refresh() {
  const [people, suspensions, appeals, overdue] = await Promise.all([
    admin.api("GET", "/api/detained-individuals"), admin.api("GET", "/api/suspensions"),
    admin.api("GET", "/api/appeals"), admin.api("GET", "/api/overdue")]);
  for (const person of people.data.detained_individuals || []) {
    page.people.set(person.id, person.centre_reference + " - " + person.recorded_name);
  }
  const now = Date.now();
  const suspensionList = suspensions.data.suspensions || [];
  admin.fillTable(document.getElementById("suspensions"), suspensionList, (s) => {
    const nextReview = (s.reviews_due || []).find((due) => new Date(due).getTime() > now);
    return [s.id, personLabel(s.detained_individual_id), CATEGORY_LABELS[s.category] || s.category,
      localTime(s.starts_at), localTime(s.ends_at), s.decided_by, s.authorised_by,
      nextReview ? localTime(nextReview) : "none", noticeLink(s.id)];
  });

  const appealList = appeals.data.appeals || [];
  admin.fillTable(document.getElementById("appeals"), appealList, (a) => [
    a.id, a.suspension_id, localTime(a.lodged_at), overdueSpan(localTime(a.due_at), a.overdue),
    a.imminent_removal ? "yes" : "no", a.decided_by, a.outcome]);
  showOverdue(overdue.data);

  const suspensionLabel = (s) => "Suspension " + s.id + ": " + personLabel(s.detained_individual_id) +
    ", until " + localTime(s.ends_at);
  fillSelect(document.getElementById("review_suspension_id"), "Choose a suspension", suspensionList, suspensionLabel);
  fillSelect(document.getElementById("lodge_suspension_id"), "Choose a suspension", suspensionList, suspensionLabel);
  fillSelect(document.getElementById("appeal_id"), "Choose an appeal waiting for a decision",
    appealList.filter((a) => !a.decided_at),
    (a) => "Appeal " + a.id + " against suspension " + a.suspension_id + ", due " + localTime(a.due_at));
}

// Requires the authoriser's username once the chosen period exceeds 7 days,
// so the form shows the requirement before the server rejects the request.
function checkAuthorisation(form) {
  const starts = form.elements.starts_at.value;
  const ends = form.elements.ends_at.value;
  const input = form.elements.authorised_by;
  const days = starts && ends ? (new Date(utcFromLocal(ends)) - new Date(utcFromLocal(starts))) / DAY_MS : 0;
  const needed = days > SUSPENSION_DAYS_WITHOUT_AUTHORISATION;
  input.required = needed;
  input.setCustomValidity(needed && !input.value.trim()
    ? "This suspension lasts more than 7 days: enter the username of the compliance manager who authorised it." : "");
}

// Shows only the forms the signed-in role may use. The server checks the role again.
async function showFormsForRole() {
  const me = await admin.api("GET", "/api/me");
  for (const section of document.querySelectorAll("section[data-roles]")) {
    section.hidden = !section.dataset.roles.split(" ").includes(me.data.role);
  }
}

async function loadZone() {
  const centres = await admin.api("GET", "/api/centres");
  const list = centres.data.centres || [];
  if (list.length === 1) page.zone = list[0].time_zone;
  document.getElementById("zone-note").textContent = "Times on this page are in " + page.zone +
    (list.length === 1 ? ", the time zone of " + list[0].name + "." : ".");
}

function wireForms() {
  const suspend = document.getElementById("suspend");
  for (const name of ["starts_at", "ends_at", "authorised_by"]) {
    suspend.elements[name].addEventListener("input", () => checkAuthorisation(suspend));
    suspend.elements[name].addEventListener("change", () => checkAuthorisation(suspend));
  }
  admin.handleForm(suspend, (f) => ({
    path: "/api/suspensions",
    body: {
      detained_individual_id: f.elements.detained_individual_id.value,
      category: f.elements.category.value,
      reasons: f.elements.reasons.value.trim(),
      starts_at: utcFromLocal(f.elements.starts_at.value),
      ends_at: utcFromLocal(f.elements.ends_at.value),
      authorised_by: f.elements.authorised_by.value.trim(),
      legal_access: f.elements.legal_access.value.trim(),
    },
  }), (result, f) => {
    admin.showStatus(f, "Suspension " + result.data.id + " recorded until " + localTime(result.data.ends_at) +
      ". Print the written notice from the list below and give it to the detained individual.");
    f.reset();
    checkAuthorisation(f);
    refresh();
  });

  admin.handleForm(document.getElementById("review"), (f) => ({
    path: "/api/suspensions/" + encodeURIComponent(f.elements.suspension_id.value) + "/reviews",
    body: { outcome: f.elements.outcome.value.trim() },
  }), (result, f) => {
    admin.showStatus(f, "Review recorded (record " + result.data.id + ").");
    f.reset();
    refresh();
  });

  admin.handleForm(document.getElementById("lodge"), (f) => ({
    path: "/api/appeals",
    body: {
      suspension_id: f.elements.suspension_id.value,
      reasons: f.elements.reasons.value.trim(),
      imminent_removal: f.elements.imminent_removal.value === "yes",
    },
  }), (result, f) => {
    admin.showStatus(f, "Appeal " + result.data.id + " lodged; a decision is due by " + localTime(result.data.due_at) + ".");
    f.reset();
    refresh();
  });

  admin.handleForm(document.getElementById("decide"), (f) => ({
    path: "/api/appeals/" + encodeURIComponent(f.elements.appeal_id.value) + "/decision",
    body: { outcome: f.elements.outcome.value.trim() },
  }), (result, f) => {
    admin.showStatus(f, "Appeal " + result.data.id + " decided.");
    f.reset();
    refresh();
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  wireForms();
  await Promise.all([loadZone(), showFormsForRole(), admin.loadPeople(document.getElementById("detained_individual_id"))]);
  await refresh();
});

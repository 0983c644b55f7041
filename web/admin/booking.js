// Requests a booking and shows the join links or the recorded refusal.
"use strict";

async function loadRecipients(select, personId) {
  select.replaceChildren(new Option("Choose a recipient", ""));
  if (!personId) return;
  const result = await admin.api("GET", "/api/detained-individuals/" + encodeURIComponent(personId));
  for (const r of result.data.recipients || []) {
    const kind = r.kind === "legal" ? "legal adviser" : r.relationship;
    select.append(new Option(r.full_name + " (" + kind + ", " + admin.stateLabel(r.review_status) + ")", r.id));
  }
}

// Names of the bookings' people and recipients, so that staff read names, not record ids.
async function bookingNames(bookings) {
  const people = new Map();
  const recipients = new Map();
  const listed = await admin.api("GET", "/api/detained-individuals");
  for (const person of listed.data.detained_individuals || []) {
    people.set(person.id, person.centre_reference + " - " + person.recorded_name);
  }
  const personIds = [...new Set(bookings.map((b) => b.detained_individual_id))];
  const details = await Promise.all(personIds.map((id) => admin.api("GET", "/api/detained-individuals/" + encodeURIComponent(id))));
  for (const detail of details) {
    for (const r of detail.data.recipients || []) recipients.set(r.id, r.full_name);
  }
  return { people, recipients };
}

async function refreshBookings() {
  const result = await admin.api("GET", "/api/bookings");
  const bookings = result.data.bookings || [];
  const { people, recipients } = await bookingNames(bookings);
  admin.fillTable(document.getElementById("bookings"), bookings, (b) => [
    b.slot_local.replace("T", " "),
    people.get(b.detained_individual_id) || "record " + b.detained_individual_id,
    recipients.get(b.recipient_id) || "record " + b.recipient_id,
    b.kind === "legal" ? "legal" : "social",
    admin.stateLabel(b.state),
    b.refusal_reason,
  ]);
}

// Labels of the join links' holders, by the API's participant role.
const LINK_HOLDERS = {
  detained_individual: "Detained individual (terminal or tablet)",
  recipient: "Recipient",
  interpreter: "Interpreter",
};

function showLinks(links) {
  const list = document.getElementById("links");
  list.replaceChildren();
  for (const link of links) {
    const item = document.createElement("li");
    item.textContent = (LINK_HOLDERS[link.role] || link.role) + ": ";
    const code = document.createElement("code");
    code.textContent = new URL(link.url, window.location.origin).href;
    item.append(code);
    list.append(item);
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  const form = document.getElementById("booking");
  await admin.loadPeople(form.elements.detained_individual_id);
  form.elements.detained_individual_id.addEventListener("change",
    () => loadRecipients(form.elements.recipient_id, form.elements.detained_individual_id.value));
  refreshBookings();
  admin.handleForm(form, (f) => ({
    path: "/api/bookings",
    body: {
      detained_individual_id: f.elements.detained_individual_id.value,
      recipient_id: f.elements.recipient_id.value,
      slot_local: f.elements.slot_local.value.slice(0, 16),
      terminal: f.elements.terminal.value.trim(),
      urgent_reason: f.elements.urgent_reason.value.trim(),
    },
  }), (result, f) => {
    const booking = result.data.booking;
    const message = booking.state === "confirmed"
      ? "Booking " + booking.id + " confirmed for " + booking.slot_local.replace("T", " ") + "."
      : "Booking " + booking.id + " is held until a risk assessment review approves the recipient.";
    admin.showStatus(f, message);
    showLinks(result.data.join_links || []);
    refreshBookings();
  }, () => {
    // A refused request is recorded with its reason, so the list shows it.
    // The links of an earlier booking are cleared so that nobody takes them for this request's.
    showLinks([]);
    refreshBookings();
  });
});

// Booking rules.
#include "policy/bookings.h"

#include "policy/compact.h"
#include "policy/incident_report.h"
#include "policy/risk_assessment.h"
#include "policy/suspensions.h"
#include "relay/base/log.h"

namespace sightline::policy {
namespace {

BookingState state_from(const std::string& text) {
  if (text == "confirmed") return BookingState::confirmed;
  if (text == "pending_review") return BookingState::pending_review;
  return BookingState::refused;
}

std::string kind_text(RecipientKind kind) { return kind == RecipientKind::legal ? "legal" : "social"; }

std::string duration_text(std::chrono::seconds d) {
  const auto h = std::chrono::duration_cast<hours>(d);
  const auto m = std::chrono::duration_cast<minutes>(d - h);
  return std::to_string(h.count()) + "h" + (m.count() < 10 ? "0" : "") + std::to_string(m.count()) + "m";
}

}  // namespace

std::string_view to_string(BookingState state) {
  switch (state) {
    case BookingState::confirmed: return "confirmed";
    case BookingState::pending_review: return "pending_review";
    case BookingState::refused: return "refused";
  }
  return "unknown";
}

Refusal Bookings::refuse(const Refusal& refusal, std::optional<int64_t> centre_id, std::optional<int64_t> booking_id,
                         const BookingRequest& request) {
  std::optional<int64_t> person;
  if (records_.detained_individual(request.detained_individual_id)) person = request.detained_individual_id;
  report_refusal(store_, refusal, centre_id, person, booking_id, clock_.now());
  return refusal;
}

int64_t Bookings::insert(const BookingRequest& request, int64_t centre_id, RecipientKind kind, BookingState state,
                         const std::string& refusal_reason) {
  const bool urgent = request.urgent.has_value();
  return store_.insert(
      "INSERT INTO bookings (centre_id, detained_individual_id, recipient_id, kind, terminal, slot_start, requested_at, "
      "state, urgent_approved_by, urgent_reason, refusal_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {centre_id, request.detained_individual_id, request.recipient_id, kind_text(kind), request.terminal,
       format_utc(request.slot_start), format_utc(clock_.now()), std::string(to_string(state)),
       urgent ? Value{request.urgent->officer} : Value{}, urgent ? Value{request.urgent->reason} : Value{},
       refusal_reason.empty() ? Value{} : Value{refusal_reason}});
}

std::optional<Refusal> Bookings::check_rules(const BookingRequest& request, const Centre& centre,
                                             const Recipient& recipient) {
  const UtcTime now = clock_.now();
  const std::string person = std::to_string(request.detained_individual_id);
  if (!has_signed_compact(store_, request.detained_individual_id)) {
    return Refusal{RefusalCode::no_compact, "detained individual " + person + " has not signed the compact"};
  }
  RiskAssessments risk(store_, clock_);
  if (!risk.has_assessment(request.detained_individual_id)) {
    return Refusal{RefusalCode::no_risk_assessment, "detained individual " + person + " has no risk assessment"};
  }
  if (risk.review(recipient.id).status == RecipientStatus::rejected) {
    return Refusal{RefusalCode::recipient_rejected,
                   "recipient " + std::to_string(recipient.id) + " was rejected at risk assessment review"};
  }
  if (request.slot_start <= now) {
    return Refusal{RefusalCode::slot_in_past, "slot " + format_utc(request.slot_start) + " has already started"};
  }
  if (!is_bookable_slot(centre.zone, centre.windows, request.slot_start)) {
    return Refusal{RefusalCode::slot_off_grid, "slot " + format_utc(request.slot_start) +
                                                   " is not a 30-minute slot inside the centre's opening windows"};
  }
  const auto notice = request.slot_start - now;
  if (notice < kMinimumNotice) {
    if (!request.urgent) {
      return Refusal{RefusalCode::short_notice, "requested " + duration_text(notice) +
                                                    " before the slot; 24 hours are required unless an officer approves an urgent request"};
    }
    if (request.urgent->officer.empty() || request.urgent->reason.empty()) {
      return Refusal{RefusalCode::urgent_reason_missing,
                     "an urgent request inside 24 hours needs the approving officer and a reason"};
    }
  }
  if (recipient.kind == RecipientKind::social && is_suspended(store_, request.detained_individual_id, request.slot_start)) {
    return Refusal{RefusalCode::suspended, "detained individual " + person +
                                               " is suspended from social video calls at " + format_utc(request.slot_start)};
  }
  return std::nullopt;
}

std::optional<Refusal> Bookings::resolve_conflicts(const BookingRequest& request, const Centre& centre,
                                                   RecipientKind kind, int64_t new_booking_id) {
  auto rows = store_.query(
      "SELECT id, kind, detained_individual_id FROM bookings WHERE centre_id = ? AND slot_start = ? AND id <> ? "
      "AND state IN ('confirmed', 'pending_review') AND (detained_individual_id = ? OR terminal = ?)",
      {centre.id, format_utc(request.slot_start), new_booking_id, request.detained_individual_id, request.terminal});
  if (rows.empty()) return std::nullopt;

  const bool any_legal = std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.text(1) == "legal"; });
  if (kind == RecipientKind::social || any_legal) {
    return Refusal{RefusalCode::slot_taken, "slot " + format_utc(request.slot_start) + " is already booked for booking " +
                                                std::to_string(rows[0].integer(0)) + " of this person or terminal"};
  }

  // A legal call displaces the social calls in its slot (DSO 01/2020 paragraph 12).
  for (const Row& row : rows) {
    const Refusal displaced{RefusalCode::displaced_by_legal_call,
                            "displaced by legal call booking " + std::to_string(new_booking_id) + " in the same slot"};
    store_.execute("UPDATE bookings SET state = 'refused', refusal_reason = ? WHERE id = ?", {displaced.reason, row.integer(0)});
    report_refusal(store_, displaced, centre.id, row.integer(2), row.integer(0), clock_.now());
  }
  return std::nullopt;
}

Result<Booking> Bookings::request(const BookingRequest& request) {
  Transaction transaction(store_);
  auto person = records_.detained_individual(request.detained_individual_id);
  auto recipient = records_.recipient(request.recipient_id);
  if (!person || !recipient || recipient->detained_individual_id != person->id) {
    Refusal refusal{RefusalCode::not_found, "recipient " + std::to_string(request.recipient_id) +
                                                " is not recorded for detained individual " +
                                                std::to_string(request.detained_individual_id)};
    refuse(refusal, person ? std::optional(person->centre_id) : std::nullopt, std::nullopt, request);
    transaction.commit();
    return refusal;
  }
  auto centre = records_.centre(person->centre_id);
  if (!centre) throw StoreError("detained individual " + std::to_string(person->id) + " names a missing centre");

  auto refusal = check_rules(request, *centre, *recipient);
  const bool held = !refusal && RiskAssessments(store_, clock_).review(recipient->id).status != RecipientStatus::approved;
  const BookingState state = held ? BookingState::pending_review : BookingState::confirmed;
  const int64_t id = insert(request, centre->id, recipient->kind, refusal ? BookingState::refused : state,
                            refusal ? refusal->reason : "");
  if (!refusal) refusal = resolve_conflicts(request, *centre, recipient->kind, id);
  if (refusal) {
    store_.execute("UPDATE bookings SET state = 'refused', refusal_reason = ? WHERE id = ?", {refusal->reason, id});
    refuse(*refusal, centre->id, id, request);
    transaction.commit();
    return *refusal;
  }
  if (held) RiskAssessments(store_, clock_).hold_for_review(recipient->id);
  transaction.commit();

  log::info("policy", "booking_created", {{"booking_id", id}, {"state", to_string(state)}});
  return *booking(id);
}

Result<int64_t> Bookings::add_interpreter(int64_t booking_id, int64_t interpreter_id, const std::string& adjustment) {
  auto existing = booking(booking_id);
  if (!existing) return Refusal{RefusalCode::not_found, "booking " + std::to_string(booking_id) + " not found"};
  if (existing->state == BookingState::refused) {
    return Refusal{RefusalCode::invalid_input, "booking " + std::to_string(booking_id) + " was refused"};
  }
  if (!records_.interpreter(interpreter_id)) {
    return Refusal{RefusalCode::not_found, "interpreter " + std::to_string(interpreter_id) + " not found"};
  }
  if (adjustment.empty()) return Refusal{RefusalCode::invalid_input, "the reasonable adjustment is missing"};
  if (!store_.query("SELECT 1 FROM booking_interpreters WHERE booking_id = ? AND interpreter_id = ?", {booking_id, interpreter_id}).empty()) {
    return Refusal{RefusalCode::invalid_input, "interpreter " + std::to_string(interpreter_id) + " is already on this booking"};
  }
  store_.execute("INSERT INTO booking_interpreters (booking_id, interpreter_id, adjustment) VALUES (?, ?, ?)",
                 {booking_id, interpreter_id, adjustment});
  return interpreter_id;
}

std::vector<int64_t> Bookings::interpreters(int64_t booking_id) {
  std::vector<int64_t> ids;
  for (const Row& row : store_.query("SELECT interpreter_id FROM booking_interpreters WHERE booking_id = ? ORDER BY interpreter_id", {booking_id})) {
    ids.push_back(row.integer(0));
  }
  return ids;
}

std::optional<Booking> Bookings::booking(int64_t id) {
  auto rows = store_.query(
      "SELECT centre_id, detained_individual_id, recipient_id, kind, terminal, slot_start, requested_at, state, refusal_reason "
      "FROM bookings WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  const Row& row = rows[0];
  return Booking{id, row.integer(0), row.integer(1), row.integer(2),
                 row.text(3) == "legal" ? RecipientKind::legal : RecipientKind::social, row.text(4),
                 parse_utc(row.text(5)).value_or(UtcTime{}), parse_utc(row.text(6)).value_or(UtcTime{}),
                 state_from(row.text(7)), row.is_null(8) ? "" : row.text(8)};
}

}  // namespace sightline::policy

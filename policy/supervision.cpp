// The console's records in the store.
#include "policy/supervision.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "relay/base/log.h"

namespace sightline::policy {
namespace {

constexpr std::pair<EndReason, std::string_view> kEndReasonCodes[] = {
    {EndReason::recording, "recording"},
    {EndReason::dress, "dress"},
    {EndReason::abusive, "abusive"},
    {EndReason::recipient_safety, "recipient_safety"},
    {EndReason::centre_security, "centre_security"},
    {EndReason::other, "other"},
};

constexpr std::string_view kCallEnded = "call_ended";
constexpr std::string_view kIdCheckRefused = "id_check_refused";

[[noreturn]] void invalid(const std::string& message) { throw std::invalid_argument(message); }

bool is_blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

Value optional_value(std::optional<int64_t> id) { return id ? Value{*id} : Value{}; }

std::optional<int64_t> optional_integer(const Row& row, size_t column) {
  if (row.is_null(column)) return std::nullopt;
  return row.integer(column);
}

UtcTime stored_time(const Row& row, size_t column) { return parse_utc(row.text(column)).value_or(UtcTime{}); }

// A score as decimal text with at most kScoreDecimals places and no trailing
// zeros, so that a float score from the analysis (0.74f is 0.7400000095...)
// reads as "0.74" in the CSV export.
constexpr int kScoreDecimals = 4;
std::string format_score(double score) {
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, score, std::chars_format::fixed, kScoreDecimals);
  if (error != std::errc()) return "0";
  std::string text(buffer, end);
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

double parse_score(const std::string& text) {
  double score = 0.0;
  std::from_chars(text.data(), text.data() + text.size(), score);
  return score;
}

void check_length(const std::string& value, const char* field) {
  if (value.size() > kMaxOfficerTextBytes) {
    invalid(std::string(field) + " is " + std::to_string(value.size()) + " bytes long; shorten it to at most " +
            std::to_string(kMaxOfficerTextBytes));
  }
}

void require_text(const std::string& value, const char* field, const char* what_to_do) {
  if (is_blank(value)) invalid(std::string(field) + " is missing; " + what_to_do);
  check_length(value, field);
}

void validate_alert(const AlertSummary& alert) {
  const std::string name = "alert " + std::to_string(alert.alert_id);
  if (alert.alert_id == 0 || alert.alert_id > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    invalid("alert id " + std::to_string(alert.alert_id) + " is invalid; an alert id is a positive 63-bit number");
  }
  if (is_blank(alert.kind)) invalid(name + " has no kind; pass the kind the analysis raised");
  if (!std::isfinite(alert.score) || alert.score < 0.0 || alert.score > 1.0) {
    invalid(name + " has score " + format_score(alert.score) + "; a score is from 0 to 1");
  }
}

void require_centre_exists(Store& store, int64_t centre_id) {
  if (store.query("SELECT 1 FROM centres WHERE id = ?", {centre_id}).empty()) {
    invalid("centre " + std::to_string(centre_id) + " not found");
  }
}

std::string alert_log_text(const std::vector<AlertSummary>& alerts) {
  std::string text;
  for (const AlertSummary& alert : alerts) {
    if (!text.empty()) text += ", ";
    text += std::to_string(alert.alert_id);
  }
  return text;
}

WelfareCheck welfare_check_from(const Row& row) {
  WelfareCheck check;
  check.id = row.integer(0);
  check.centre_id = row.integer(1);
  check.detained_individual_id = row.integer(2);
  check.detained_individual_name = row.is_null(3) ? "" : row.text(3);
  check.booking_id = optional_integer(row, 4);
  check.call_id = row.text(5);
  check.note = row.text(6);
  check.requested_by = row.text(7);
  check.requested_at = stored_time(row, 8);
  check.completed_by = row.is_null(9) ? "" : row.text(9);
  if (!row.is_null(10)) check.completed_at = stored_time(row, 10);
  return check;
}

constexpr std::string_view kWelfareSelect =
    "SELECT w.id, w.centre_id, w.detained_individual_id, d.recorded_name, w.booking_id, w.call_id, w.note, "
    "w.requested_by, w.requested_at, w.completed_by, w.completed_at FROM welfare_checks w "
    "LEFT JOIN detained_individuals d ON d.id = w.detained_individual_id ";

}  // namespace

std::optional<EndReason> parse_end_reason(std::string_view code) {
  for (const auto& [reason, name] : kEndReasonCodes) {
    if (name == code) return reason;
  }
  return std::nullopt;
}

std::string_view to_string(EndReason reason) {
  for (const auto& [candidate, name] : kEndReasonCodes) {
    if (candidate == reason) return name;
  }
  return "other";
}

std::string_view describe(EndReason reason) {
  switch (reason) {
    case EndReason::recording: return "Recording the call";
    case EndReason::dress: return "Inappropriate dress";
    case EndReason::abusive: return "Abusive language or behaviour";
    case EndReason::recipient_safety: return "Safety of the recipient";
    case EndReason::centre_security: return "Security of the centre";
    case EndReason::other: return "Other reason";
  }
  return "Other reason";
}

std::string_view to_string(AlertDecision decision) {
  return decision == AlertDecision::acknowledged ? "acknowledged" : "dismissed";
}

std::optional<BookedCall> find_booked_call(Store& store, int64_t booking_id) {
  auto rows = store.query(
      "SELECT b.id, b.centre_id, c.name, b.detained_individual_id, d.recorded_name, r.full_name, r.relationship, b.kind, "
      "b.terminal, b.state, b.slot_start FROM bookings b JOIN centres c ON c.id = b.centre_id "
      "JOIN detained_individuals d ON d.id = b.detained_individual_id JOIN recipients r ON r.id = b.recipient_id "
      "WHERE b.id = ?",
      {booking_id});
  if (rows.empty()) return std::nullopt;
  const Row& row = rows[0];

  BookedCall call;
  call.booking_id = row.integer(0);
  call.centre_id = row.integer(1);
  call.centre_name = row.text(2);
  call.detained_individual_id = row.integer(3);
  call.detained_individual_name = row.text(4);
  call.recipient_name = row.text(5);
  call.recipient_relationship = row.text(6);
  call.legal = row.text(7) == "legal";
  call.terminal = row.text(8);
  const std::string& state = row.text(9);
  call.state = state == "refused"          ? BookingState::refused
               : state == "pending_review" ? BookingState::pending_review
                                           : BookingState::confirmed;
  call.slot_start = stored_time(row, 10);
  call.slot_end = call.slot_start + kSlotLength;

  for (const Row& interpreter : store.query("SELECT i.full_name FROM booking_interpreters bi "
                                            "JOIN interpreters i ON i.id = bi.interpreter_id "
                                            "WHERE bi.booking_id = ? ORDER BY i.id",
                                            {booking_id})) {
    call.interpreter_names.push_back(interpreter.text(0));
  }
  return call;
}

int64_t report_call_incident(Store& store, const CallIncident& incident) {
  if (incident.kind != kCallEnded && incident.kind != kIdCheckRefused) {
    invalid("incident kind \"" + incident.kind + "\" is invalid; use \"call_ended\" or \"id_check_refused\"");
  }
  if (is_blank(incident.call_id)) invalid("call_id is missing; pass the call the officer acted on");
  if (is_blank(incident.officer)) invalid("officer is missing; pass the signed-in officer's username");
  if (incident.reason == EndReason::other) {
    require_text(incident.reason_text, "reason_text", "the reason \"other\" needs the officer's words");
  } else {
    check_length(incident.reason_text, "reason_text");
  }
  std::set<std::pair<uint64_t, UtcTime>> seen;
  for (const AlertSummary& alert : incident.alerts) {
    validate_alert(alert);
    if (!seen.emplace(alert.alert_id, alert.raised_at).second) {
      invalid("alert " + std::to_string(alert.alert_id) + " is listed twice; pass each alert once");
    }
  }

  Transaction transaction(store);
  std::optional<int64_t> centre_id = incident.centre_id;
  std::optional<int64_t> detained_individual_id;
  if (incident.booking_id) {
    auto rows = store.query("SELECT centre_id, detained_individual_id FROM bookings WHERE id = ?", {*incident.booking_id});
    if (rows.empty()) invalid("booking " + std::to_string(*incident.booking_id) + " not found");
    const int64_t booking_centre = rows[0].integer(0);
    if (centre_id && *centre_id != booking_centre) {
      invalid("booking " + std::to_string(*incident.booking_id) + " belongs to centre " + std::to_string(booking_centre) +
              ", not centre " + std::to_string(*centre_id));
    }
    centre_id = booking_centre;
    detained_individual_id = rows[0].integer(1);
  } else if (centre_id) {
    require_centre_exists(store, *centre_id);
  }

  const std::string reason = is_blank(incident.reason_text) ? std::string(describe(incident.reason)) : incident.reason_text;
  const int64_t id = store.insert(
      "INSERT INTO incident_reports (centre_id, detained_individual_id, booking_id, kind, reason, created_at, call_id, "
      "officer, reason_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {optional_value(centre_id), optional_value(detained_individual_id), optional_value(incident.booking_id),
       incident.kind, reason, format_utc(incident.at), incident.call_id, incident.officer,
       std::string(to_string(incident.reason))});
  for (const AlertSummary& alert : incident.alerts) {
    store.execute("INSERT INTO incident_report_alerts (incident_report_id, alert_id, kind, score, raised_at) "
                  "VALUES (?, ?, ?, ?, ?)",
                  {id, static_cast<int64_t>(alert.alert_id), alert.kind, format_score(alert.score),
                   format_utc(alert.raised_at)});
  }
  transaction.commit();

  log::info("policy", "call_incident_reported",
            {{"incident_report_id", id}, {"kind", incident.kind}, {"call_id", incident.call_id},
             {"reason_code", to_string(incident.reason)}, {"alert_ids", alert_log_text(incident.alerts)}});
  return id;
}

std::vector<AlertSummary> incident_alerts(Store& store, int64_t incident_report_id) {
  std::vector<AlertSummary> alerts;
  for (const Row& row : store.query("SELECT alert_id, kind, score, raised_at FROM incident_report_alerts "
                                    "WHERE incident_report_id = ? ORDER BY alert_id, raised_at",
                                    {incident_report_id})) {
    alerts.push_back({static_cast<uint64_t>(row.integer(0)), row.text(1), parse_score(row.text(2)), stored_time(row, 3)});
  }
  return alerts;
}

bool record_alert_decision(Store& store, std::optional<int64_t> centre_id, const std::string& call_id,
                           const AlertSummary& alert, AlertDecision decision, const std::string& officer, UtcTime at) {
  if (is_blank(call_id)) invalid("call_id is missing; pass the call the alert was raised on");
  if (is_blank(officer)) invalid("officer is missing; pass the signed-in officer's username");
  validate_alert(alert);
  if (centre_id) require_centre_exists(store, *centre_id);

  // ON CONFLICT DO NOTHING returns no row for a second decision on the same alert.
  const auto rows = store.query(
      "INSERT INTO alert_decisions (centre_id, call_id, alert_id, kind, score, raised_at, decision, officer, decided_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (call_id, alert_id, raised_at) DO NOTHING RETURNING id",
      {optional_value(centre_id), call_id, static_cast<int64_t>(alert.alert_id), alert.kind, format_score(alert.score),
       format_utc(alert.raised_at), std::string(to_string(decision)), officer, format_utc(at)});
  if (rows.empty()) {
    log::info("policy", "alert_decision_duplicate",
              {{"call_id", call_id}, {"alert_id", alert.alert_id}, {"decision", to_string(decision)}});
    return false;
  }
  return true;
}

std::vector<AlertDecisionCounts> alert_decision_counts(Store& store, std::optional<int64_t> centre_id) {
  const std::string select =
      "SELECT kind, SUM(CASE WHEN decision = 'acknowledged' THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN decision = 'dismissed' THEN 1 ELSE 0 END) FROM alert_decisions ";
  const auto rows = centre_id ? store.query(select + "WHERE centre_id = ? GROUP BY kind ORDER BY kind", {*centre_id})
                              : store.query(select + "GROUP BY kind ORDER BY kind");
  std::vector<AlertDecisionCounts> counts;
  for (const Row& row : rows) counts.push_back({row.text(0), row.integer(1), row.integer(2)});
  return counts;
}

int64_t request_welfare_check(Store& store, int64_t centre_id, std::optional<int64_t> detained_individual_id,
                              std::optional<int64_t> booking_id, const std::string& call_id, const std::string& note,
                              const std::string& officer, UtcTime at) {
  if (!detained_individual_id && !booking_id) {
    invalid("a welfare check needs the detained individual or the booking; pass at least one");
  }
  if (is_blank(call_id)) invalid("call_id is missing; pass the call after which the check is needed");
  if (is_blank(officer)) invalid("officer is missing; pass the signed-in officer's username");
  require_text(note, "note", "say what the welfare team should check");

  Transaction transaction(store);
  require_centre_exists(store, centre_id);
  int64_t person = 0;
  if (booking_id) {
    auto rows = store.query("SELECT centre_id, detained_individual_id FROM bookings WHERE id = ?", {*booking_id});
    if (rows.empty()) invalid("booking " + std::to_string(*booking_id) + " not found");
    if (rows[0].integer(0) != centre_id) {
      invalid("booking " + std::to_string(*booking_id) + " belongs to centre " + std::to_string(rows[0].integer(0)) +
              ", not centre " + std::to_string(centre_id));
    }
    person = rows[0].integer(1);
    if (detained_individual_id && *detained_individual_id != person) {
      invalid("booking " + std::to_string(*booking_id) + " is not a booking of detained individual " +
              std::to_string(*detained_individual_id));
    }
  } else {
    auto rows = store.query("SELECT centre_id FROM detained_individuals WHERE id = ?", {*detained_individual_id});
    if (rows.empty()) invalid("detained individual " + std::to_string(*detained_individual_id) + " not found");
    if (rows[0].integer(0) != centre_id) {
      invalid("detained individual " + std::to_string(*detained_individual_id) + " belongs to centre " +
              std::to_string(rows[0].integer(0)) + ", not centre " + std::to_string(centre_id));
    }
    person = *detained_individual_id;
  }

  const int64_t id = store.insert(
      "INSERT INTO welfare_checks (centre_id, detained_individual_id, booking_id, call_id, note, requested_by, "
      "requested_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {centre_id, person, optional_value(booking_id), call_id, note, officer, format_utc(at)});
  transaction.commit();
  log::info("policy", "welfare_check_requested", {{"welfare_check_id", id}, {"call_id", call_id}, {"centre_id", centre_id}});
  return id;
}

std::vector<WelfareCheck> list_welfare_checks(Store& store, std::optional<int64_t> centre_id, bool open_only) {
  std::string sql(kWelfareSelect);
  sql += "WHERE 1 = 1 ";
  if (centre_id) sql += "AND w.centre_id = ? ";
  if (open_only) sql += "AND w.completed_at IS NULL ";
  // Open checks first, oldest request first; then the latest completions.
  sql += "ORDER BY CASE WHEN w.completed_at IS NULL THEN 0 ELSE 1 END, "
         "CASE WHEN w.completed_at IS NULL THEN w.requested_at END, w.completed_at DESC, w.id";
  const auto rows = centre_id ? store.query(sql, {*centre_id}) : store.query(sql);
  std::vector<WelfareCheck> checks;
  for (const Row& row : rows) checks.push_back(welfare_check_from(row));
  return checks;
}

std::optional<WelfareCheck> find_welfare_check(Store& store, int64_t id) {
  auto rows = store.query(std::string(kWelfareSelect) + "WHERE w.id = ?", {id});
  if (rows.empty()) return std::nullopt;
  return welfare_check_from(rows[0]);
}

std::optional<WelfareCheck> find_open_welfare_check(Store& store, int64_t centre_id, const std::string& call_id) {
  auto rows = store.query(std::string(kWelfareSelect) +
                              "WHERE w.centre_id = ? AND w.call_id = ? AND w.completed_at IS NULL ORDER BY w.id LIMIT 1",
                          {centre_id, call_id});
  if (rows.empty()) return std::nullopt;
  return welfare_check_from(rows[0]);
}

bool complete_welfare_check(Store& store, int64_t id, const std::string& by, UtcTime at) {
  if (is_blank(by)) invalid("the completing officer's username is missing");
  const auto rows = store.query(
      "UPDATE welfare_checks SET completed_by = ?, completed_at = ? WHERE id = ? AND completed_at IS NULL RETURNING id",
      {by, format_utc(at), id});
  if (rows.empty()) return false;
  log::info("policy", "welfare_check_completed", {{"welfare_check_id", id}});
  return true;
}

}  // namespace sightline::policy

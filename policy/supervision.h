// The records behind the officer's console: what a booked call shows, the
// incident report filed when an officer ends a call or rejects an ID check,
// officers' decisions on alerts, and welfare checks requested after a call.
// No image or video frame is ever stored with any of them.
//
// Every function validates its input and throws std::invalid_argument with a
// sentence for the officer naming the value at fault. A database failure
// throws StoreError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/bookings.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

// Free text (a reason or a welfare note) is at most this many bytes.
constexpr size_t kMaxOfficerTextBytes = 2000;

// The reason an officer gives for ending a call.
enum class EndReason { recording, dress, abusive, recipient_safety, centre_security, other };

// Parses the code of to_string ("recording", "dress", "abusive",
// "recipient_safety", "centre_security", "other"); nullopt for anything else.
std::optional<EndReason> parse_end_reason(std::string_view code);
std::string_view to_string(EndReason reason);
// A short description for staff and call pages, e.g. "Recording the call".
std::string_view describe(EndReason reason);

// One alert that led to a decision, as the console saw it.
struct AlertSummary {
  uint64_t alert_id = 0;
  std::string kind;    // the analysis kind, e.g. "recording_device"
  double score = 0.0;  // from 0 to 1, stored rounded to 4 decimal places
  UtcTime raised_at{};
};

// A booked call as the console shows it, with names as the booking gives them.
struct BookedCall {
  int64_t booking_id = 0;
  int64_t centre_id = 0;
  std::string centre_name;
  int64_t detained_individual_id = 0;
  std::string detained_individual_name;  // the name recorded by the centre
  std::string recipient_name;
  std::string recipient_relationship;  // e.g. "brother", or "legal adviser"
  bool legal = false;                  // a call with a legal adviser
  std::vector<std::string> interpreter_names;
  std::string terminal;
  BookingState state = BookingState::confirmed;
  UtcTime slot_start{};
  UtcTime slot_end{};
};

// Returns the booking's call, or nullopt for an unknown booking.
std::optional<BookedCall> find_booked_call(Store& store, int64_t booking_id);

// An incident report of a call the officer ended ("call_ended") or an ID
// check the officer rejected ("id_check_refused").
struct CallIncident {
  std::string kind;
  std::string call_id;
  std::optional<int64_t> booking_id;  // when given, centre_id defaults to the booking's centre
  std::optional<int64_t> centre_id;
  EndReason reason = EndReason::other;
  std::string reason_text;  // required for EndReason::other, optional otherwise
  std::string officer;      // the staff username
  std::vector<AlertSummary> alerts;
  UtcTime at{};
};

// Validates and stores `incident` in incident_reports, with its alerts, and
// returns the new report's id. The report's reason is reason_text, or the
// description of the reason code when the officer wrote none.
int64_t report_call_incident(Store& store, const CallIncident& incident);

// The alerts stored with an incident report, in alert id order.
std::vector<AlertSummary> incident_alerts(Store& store, int64_t incident_report_id);

// Officer decisions on alerts: acknowledged, or dismissed as a false alarm.
enum class AlertDecision { acknowledged, dismissed };
std::string_view to_string(AlertDecision decision);

// Stores the officer's decision on one alert of a call. Returns false, and
// stores nothing, when that alert of that call already has a decision, so a
// second officer's click does not count twice.
bool record_alert_decision(Store& store, std::optional<int64_t> centre_id, const std::string& call_id,
                           const AlertSummary& alert, AlertDecision decision, const std::string& officer, UtcTime at);

struct AlertDecisionCounts {
  std::string kind;
  int64_t acknowledged = 0;
  int64_t dismissed = 0;
};

// Counts decisions per alert kind, in kind order; centre_id limits them to one
// centre (nullopt counts every centre).
std::vector<AlertDecisionCounts> alert_decision_counts(Store& store, std::optional<int64_t> centre_id);

// A welfare check an officer requested after a call.
struct WelfareCheck {
  int64_t id = 0;
  int64_t centre_id = 0;
  int64_t detained_individual_id = 0;
  std::string detained_individual_name;  // the name recorded by the centre
  std::optional<int64_t> booking_id;
  std::string call_id;
  std::string note;
  std::string requested_by;
  UtcTime requested_at{};
  std::string completed_by;  // empty while open
  std::optional<UtcTime> completed_at;
};

// Validates and stores a welfare check and returns its id. At least one of
// detained_individual_id and booking_id is required; when only the booking is
// given, the person is the booking's. Both must belong to centre_id.
int64_t request_welfare_check(Store& store, int64_t centre_id, std::optional<int64_t> detained_individual_id,
                              std::optional<int64_t> booking_id, const std::string& call_id, const std::string& note,
                              const std::string& officer, UtcTime at);

// Lists open checks first (oldest request first), then completed ones (latest
// completion first). centre_id nullopt lists every centre.
std::vector<WelfareCheck> list_welfare_checks(Store& store, std::optional<int64_t> centre_id, bool open_only);
std::optional<WelfareCheck> find_welfare_check(Store& store, int64_t id);
// The oldest open check of the call in the centre, if any. The staff API
// rejects a second open check for one call with it.
std::optional<WelfareCheck> find_open_welfare_check(Store& store, int64_t centre_id, const std::string& call_id);

// Marks a check completed. Returns false when the check is unknown or already
// completed, and changes nothing then.
bool complete_welfare_check(Store& store, int64_t id, const std::string& by, UtcTime at);

}  // namespace sightline::policy

// Incident reports for the centre's security team. Every refused booking
// creates one, with the refusal code and the reason, and so does every call
// an officer ends and every ID check an officer rejects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/refusal.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

struct IncidentReport {
  int64_t id;
  std::optional<int64_t> centre_id;
  std::optional<int64_t> detained_individual_id;
  std::optional<int64_t> booking_id;
  std::string kind;  // the refusal code, e.g. "short_notice", or "call_ended" or "id_check_refused"
  std::string reason;
  UtcTime created_at;
  // Set for reports the officer's console filed (policy/supervision.h) and
  // empty for refused bookings.
  std::string call_id;
  std::string officer;
  std::string reason_code;
};

// Inserts a report of `refusal`. Reasons name ids and times, never people,
// so that reports can outlive the personal data that retention deletes.
int64_t report_refusal(Store& store, const Refusal& refusal, std::optional<int64_t> centre_id,
                       std::optional<int64_t> detained_individual_id,
                       std::optional<int64_t> booking_id, UtcTime now);

std::vector<IncidentReport> list_incident_reports(Store& store);

}  // namespace sightline::policy

// Incident reports for the centre's security team. Every refused booking
// creates one, with the refusal code and the reason.
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
  std::string kind;  // the refusal code, e.g. "short_notice"
  std::string reason;
  UtcTime created_at;
};

// Inserts a report of `refusal`. Reasons name ids and times, never people,
// so that reports can outlive the personal data that retention deletes.
int64_t report_refusal(Store& store, const Refusal& refusal, std::optional<int64_t> centre_id,
                       std::optional<int64_t> detained_individual_id,
                       std::optional<int64_t> booking_id, UtcTime now);

std::vector<IncidentReport> list_incident_reports(Store& store);

}  // namespace sightline::policy

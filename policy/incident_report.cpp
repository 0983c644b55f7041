// Incident reports in the store.
#include "policy/incident_report.h"

#include "relay/base/log.h"

namespace sightline::policy {
namespace {

Value optional_id(std::optional<int64_t> id) { return id ? Value{*id} : Value{}; }
std::string text_at(const Row& row, size_t column) { return row.is_null(column) ? "" : row.text(column); }
std::optional<int64_t> id_at(const Row& row, size_t column) {
  if (row.is_null(column)) return std::nullopt;
  return row.integer(column);
}

}  // namespace

int64_t report_refusal(Store& store, const Refusal& refusal, std::optional<int64_t> centre_id,
                       std::optional<int64_t> detained_individual_id,
                       std::optional<int64_t> booking_id, UtcTime now) {
  const int64_t id = store.insert(
      "INSERT INTO incident_reports (centre_id, detained_individual_id, booking_id, kind, reason, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
      {optional_id(centre_id), optional_id(detained_individual_id), optional_id(booking_id),
       std::string(to_string(refusal.code)), refusal.reason, format_utc(now)});
  log::info("policy", "refusal_reported",
            {{"incident_report_id", id}, {"code", to_string(refusal.code)},
             {"booking_id", booking_id ? nlohmann::json(*booking_id) : nlohmann::json()}});
  return id;
}

std::vector<IncidentReport> list_incident_reports(Store& store) {
  std::vector<IncidentReport> reports;
  for (const Row& row : store.query("SELECT id, centre_id, detained_individual_id, booking_id, kind, reason, created_at, "
                                    "call_id, officer, reason_code FROM incident_reports ORDER BY id")) {
    reports.push_back({row.integer(0), id_at(row, 1), id_at(row, 2), id_at(row, 3), row.text(4), row.text(5),
                       parse_utc(row.text(6)).value_or(UtcTime{}), text_at(row, 7), text_at(row, 8), text_at(row, 9)});
  }
  return reports;
}

}  // namespace sightline::policy

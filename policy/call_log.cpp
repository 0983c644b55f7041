// Call log rows.
#include "policy/call_log.h"

namespace sightline::policy {

Result<int64_t> record_call(Store& store, int64_t booking_id, UtcTime started_at, std::chrono::seconds duration) {
  if (duration.count() < 0) return Refusal{RefusalCode::invalid_input, "a call duration cannot be negative"};
  auto rows = store.query(
      "SELECT d.id, d.log_name, r.full_name FROM bookings b JOIN detained_individuals d ON d.id = b.detained_individual_id "
      "JOIN recipients r ON r.id = b.recipient_id WHERE b.id = ? AND b.state = 'confirmed'", {booking_id});
  if (rows.empty()) return Refusal{RefusalCode::not_found, "confirmed booking " + std::to_string(booking_id) + " not found"};
  return store.insert(
      "INSERT INTO call_log (detained_individual_id, log_name, started_at, recipient_name, duration_seconds) VALUES (?, ?, ?, ?, ?) RETURNING id",
      {rows[0].integer(0), rows[0].text(1), format_utc(started_at), rows[0].text(2), int64_t{duration.count()}});
}

std::vector<CallLogEntry> call_log_of(Store& store, int64_t detained_individual_id) {
  std::vector<CallLogEntry> entries;
  for (const Row& row : store.query("SELECT log_name, started_at, recipient_name, duration_seconds FROM call_log "
                                    "WHERE detained_individual_id = ? ORDER BY started_at", {detained_individual_id})) {
    entries.push_back({row.text(0), parse_utc(row.text(1)).value_or(UtcTime{}), row.text(2),
                       std::chrono::seconds{row.integer(3)}});
  }
  return entries;
}

}  // namespace sightline::policy

// The retention job.
#include "policy/retention.h"

#include "relay/base/log.h"

namespace sightline::policy {

UtcTime retention_deadline(UtcTime last_call) {
  const auto day = std::chrono::floor<days>(last_call);
  const auto time_of_day = last_call - day;
  std::chrono::year_month_day target = std::chrono::year_month_day{day} + kRetentionPeriod;
  if (!target.ok()) target = target.year() / target.month() / std::chrono::last;
  return std::chrono::sys_days{target} + time_of_day;
}

int64_t purge(Store& store, UtcTime now) {
  Transaction transaction(store);
  int64_t deleted = 0;
  for (const Row& row : store.query("SELECT detained_individual_id, MAX(started_at) FROM call_log GROUP BY detained_individual_id")) {
    auto last_call = parse_utc(row.text(1));
    if (!last_call || now < retention_deadline(*last_call)) continue;
    // Foreign keys cascade to recipients, compacts, risk assessments,
    // bookings, suspensions, appeals, call log, join tokens and welfare
    // checks, and clear the links of incident reports.
    store.execute("DELETE FROM detained_individuals WHERE id = ?", {row.integer(0)});
    ++deleted;
  }
  store.execute("INSERT INTO retention_runs (ran_at, individuals_deleted) VALUES (?, ?)", {format_utc(now), deleted});
  transaction.commit();
  log::info("policy", "retention_purge", {{"individuals_deleted", deleted}});
  return deleted;
}

}  // namespace sightline::policy

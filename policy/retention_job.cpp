// The scheduled purge and the record of each retention run.
#include "policy/retention_job.h"

#include "policy/retention.h"
#include "relay/base/log.h"

namespace sightline::policy {

std::string_view to_string(RetentionTrigger trigger) {
  switch (trigger) {
    case RetentionTrigger::schedule: return "schedule";
    case RetentionTrigger::command: return "command";
  }
  return "unknown";
}

RetentionCounts count_due_for_deletion(Store& store, UtcTime now) {
  // The same selection as purge(): people whose last call is at least six
  // calendar months before `now`.
  RetentionCounts counts;
  for (const Row& row : store.query("SELECT detained_individual_id, MAX(started_at) FROM call_log GROUP BY detained_individual_id")) {
    auto last_call = parse_utc(row.text(1));
    if (!last_call || now < retention_deadline(*last_call)) continue;
    ++counts.individuals;
    counts.recipients +=
        store.query("SELECT COUNT(*) FROM recipients WHERE detained_individual_id = ?", {row.integer(0)}).at(0).integer(0);
  }
  return counts;
}

RetentionCounts run_retention(Store& store, UtcTime now, RetentionTrigger trigger) {
  const RetentionCounts due = count_due_for_deletion(store, now);
  const int64_t individuals = purge(store, now);

  // purge() wrote its row without the recipients; complete that row.
  const bool counts_match = individuals == due.individuals;
  store.execute(
      "UPDATE retention_runs SET recipients_deleted = ?, started_by = ? "
      "WHERE id = (SELECT MAX(id) FROM retention_runs WHERE ran_at = ? AND started_by IS NULL)",
      {counts_match ? Value{due.recipients} : Value{}, std::string(to_string(trigger)), format_utc(now)});
  if (!counts_match) {
    log::warn("policy", "retention_recipients_not_counted",
              {{"individuals_counted", due.individuals}, {"individuals_deleted", individuals}});
  }
  log::info("policy", "retention_run",
            {{"started_by", to_string(trigger)}, {"individuals_deleted", individuals},
             {"recipients_deleted", counts_match ? nlohmann::json(due.recipients) : nlohmann::json()}});
  return RetentionCounts{individuals, counts_match ? due.recipients : 0};
}

std::vector<RetentionRun> list_retention_runs(Store& store, UtcTime from, UtcTime to) {
  std::vector<RetentionRun> runs;
  for (const Row& row : store.query("SELECT id, ran_at, individuals_deleted, recipients_deleted, started_by "
                                    "FROM retention_runs WHERE ran_at >= ? AND ran_at < ? ORDER BY ran_at, id",
                                    {format_utc(from), format_utc(to)})) {
    runs.push_back({row.integer(0), parse_utc(row.text(1)).value_or(UtcTime{}), row.integer(2),
                    row.is_null(3) ? std::nullopt : std::optional<int64_t>(row.integer(3)),
                    row.is_null(4) ? std::string() : row.text(4)});
  }
  return runs;
}

std::optional<RetentionCounts> RetentionJob::tick(UtcTime now) {
  const UtcTime day_start = std::chrono::floor<days>(now);
  if (now < day_start + run_time_of_day_) return std::nullopt;
  const bool ran_today =
      !store_.query("SELECT 1 FROM retention_runs WHERE started_by = 'schedule' AND ran_at >= ? AND ran_at < ?",
                    {format_utc(day_start), format_utc(day_start + days{1})}).empty();
  if (ran_today) return std::nullopt;
  return run_retention(store_, now, RetentionTrigger::schedule);
}

}  // namespace sightline::policy

// Retention runs: the daily scheduled purge and the purge command, each
// recorded with its time and the number of detained individuals and
// recipients deleted (counts only, never names), for the annual self-audit.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

// The scheduled purge runs once per UTC day, at the first tick at or after
// this time of day: an hour with few calls.
constexpr minutes kRetentionRunTimeOfDay{2 * 60};

enum class RetentionTrigger { schedule, command };
std::string_view to_string(RetentionTrigger trigger);

struct RetentionCounts {
  int64_t individuals = 0;
  int64_t recipients = 0;
};

struct RetentionRun {
  int64_t id;
  UtcTime ran_at;
  int64_t individuals_deleted;
  std::optional<int64_t> recipients_deleted;  // nullopt for runs recorded without it
  std::string started_by;                     // "schedule", "command", or empty when not recorded
};

// Counts what purge() would delete at `now`, deleting nothing.
RetentionCounts count_due_for_deletion(Store& store, UtcTime now);

// Runs purge() at `now` and completes the run's row with the recipients
// deleted and the trigger. When the store changed between the count and the
// purge, the recipient count is left NULL rather than recorded wrong.
RetentionCounts run_retention(Store& store, UtcTime now, RetentionTrigger trigger);

// The recorded runs with ran_at in [from, to), oldest first.
std::vector<RetentionRun> list_retention_runs(Store& store, UtcTime from, UtcTime to);

// Decides when the scheduled purge is due. The server calls tick() about
// once a minute. The last scheduled run is read from the store, so a restart
// neither skips nor repeats a day.
class RetentionJob {
 public:
  explicit RetentionJob(Store& store, minutes run_time_of_day = kRetentionRunTimeOfDay)
      : store_(store), run_time_of_day_(run_time_of_day) {}

  // Runs the purge when now is at or past the run time of day and no
  // scheduled run is recorded yet on now's UTC date. Returns the counts of a
  // run, or nullopt when none was due.
  std::optional<RetentionCounts> tick(UtcTime now);

 private:
  Store& store_;
  minutes run_time_of_day_;
};

}  // namespace sightline::policy

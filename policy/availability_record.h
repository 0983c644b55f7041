// The daily availability figure (DSO 01/2020 paragraph 7): for each centre
// and each finished local day, the bookable time in the opening windows
// during which the relay was up, flagged when under the 7-hour minimum.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "policy/centre_time_zone.h"
#include "policy/records.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

// Two heartbeats at most this far apart count as one stretch of uptime. The
// server beats about once a minute, so one missed beat is not an outage.
constexpr std::chrono::seconds kHeartbeatGapMax{120};
// The most finished days one close fills in, e.g. after a long outage.
constexpr int kAvailabilityBackfillDaysMax = 400;

struct DailyAvailability {
  int64_t centre_id;
  LocalDay day;
  std::chrono::seconds day_length;  // 23, 24 or 25 hours
  std::chrono::seconds bookable;    // the opening windows' slots of that day
  std::chrono::seconds available;   // the bookable time during which the relay was up
  bool below_minimum;               // available < kMinimumDailyBookable
};

// Records that the relay was up from `from` to `to` for one centre, or for
// every centre when `centre_id` is nullopt. Overlapping intervals are fine.
void record_relay_up(Store& store, std::optional<int64_t> centre_id, UtcTime from, UtcTime to);

// Computes the figure of one local day from the centre's current opening
// windows and the recorded uptime, without storing it.
DailyAvailability compute_daily_availability(Store& store, const Centre& centre, LocalDay day);

// The stored figures of a centre for local days in [first, last], in order.
std::vector<DailyAvailability> stored_daily_availability(Store& store, int64_t centre_id, LocalDay first,
                                                         LocalDay last);

// Keeps the uptime record from the server's periodic calls and closes each
// finished local day. One instance lives in the server's control thread.
class AvailabilityRecorder {
 public:
  explicit AvailabilityRecorder(Store& store) : store_(store) {}

  // Called about once a minute: extends the current uptime interval to `now`
  // while the relay is up (a new interval starts after a gap longer than
  // kHeartbeatGapMax), then closes every day that has finished.
  std::vector<DailyAvailability> tick(UtcTime now, bool relay_up);

  // Computes and stores the figure of every finished local day of every
  // centre that is not stored yet: from the day after the last stored one,
  // or from the day of the first recorded uptime, at most
  // kAvailabilityBackfillDaysMax days back. Returns the new figures.
  std::vector<DailyAvailability> close_finished_days(UtcTime now);

 private:
  void record_heartbeat(UtcTime now);
  std::vector<DailyAvailability> close_centre_days(const Centre& centre, UtcTime now);

  Store& store_;
  std::optional<UtcTime> last_heartbeat_;
  int64_t current_interval_id_ = 0;
};

}  // namespace sightline::policy

// A centre's opening windows and the 30-minute slot grid inside them, in the
// centre's local time, with the minimum of 7 bookable hours every local day
// (Detention Services Order 01/2020, paragraph 7).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/centre_time_zone.h"
#include "policy/refusal.h"

namespace sightline::policy {

// Calls are booked in 30-minute slots (the compact, DSO 01/2020 Annex A).
constexpr minutes kSlotLength{30};
// Each centre offers at least 7 hours of bookable calling every day.
constexpr minutes kMinimumDailyBookable{7 * 60};

// A weekly opening window in local wall-clock time: [start, end) minutes
// after local midnight on `weekday` (0 = Sunday ... 6 = Saturday).
struct OpeningWindow {
  int weekday;
  int start_minute;
  int end_minute;
};

// The English name of `weekday` (0 = Sunday ... 6 = Saturday), or
// "weekday N" for a number outside that range.
std::string weekday_name(int weekday);

// Checks that every window lies within one day on the slot grid and that no
// two windows of the same weekday overlap.
std::optional<Refusal> check_window_shape(const std::vector<OpeningWindow>& windows);

// True when `start` is on the local 30-minute grid and the slot's local
// wall-clock span lies inside one window of that local day.
bool is_bookable_slot(const CentreTimeZone& zone, const std::vector<OpeningWindow>& windows, UtcTime start);

// The bookable slot starts of one local day, in order. A 23-hour day loses
// the skipped hour; a 25-hour day offers the repeated hour twice.
std::vector<UtcTime> bookable_slots(const CentreTimeZone& zone, const std::vector<OpeningWindow>& windows,
                                    LocalDay day);
minutes bookable_time(const CentreTimeZone& zone, const std::vector<OpeningWindow>& windows, LocalDay day);

// Refuses windows that give some day less than kMinimumDailyBookable: first
// any weekday by its nominal hours, then each real local day from `first_day`
// for `day_count` days, which catches the days the clocks change.
std::optional<Refusal> check_daily_availability(const CentreTimeZone& zone,
                                                const std::vector<OpeningWindow>& windows,
                                                LocalDay first_day, int day_count);

}  // namespace sightline::policy

// Uptime intervals and the daily availability figure in the store.
#include "policy/availability_record.h"

#include <algorithm>
#include <utility>

#include "policy/opening_windows.h"
#include "relay/base/log.h"

namespace sightline::policy {
namespace {

using std::chrono::seconds;

struct Interval {
  UtcTime from;
  UtcTime to;
};

std::string day_text(LocalDay day) {
  return format_date(std::chrono::year_month_day{std::chrono::sys_days{day.time_since_epoch()}});
}

std::optional<LocalDay> parse_day(const std::string& text) {
  auto date = parse_date(text);
  if (!date) return std::nullopt;
  return LocalDay{std::chrono::sys_days{*date}.time_since_epoch()};
}

// The uptime of `centre_id` that overlaps [from, to), merged into disjoint
// intervals in order.
std::vector<Interval> uptime_between(Store& store, int64_t centre_id, UtcTime from, UtcTime to) {
  std::vector<Interval> intervals;
  for (const Row& row : store.query("SELECT up_from, up_to FROM relay_up_intervals "
                                    "WHERE (centre_id IS NULL OR centre_id = ?) AND up_from < ? AND up_to > ? "
                                    "ORDER BY up_from",
                                    {centre_id, format_utc(to), format_utc(from)})) {
    auto up_from = parse_utc(row.text(0));
    auto up_to = parse_utc(row.text(1));
    if (!up_from || !up_to) continue;
    if (!intervals.empty() && *up_from <= intervals.back().to) {
      intervals.back().to = std::max(intervals.back().to, *up_to);
    } else {
      intervals.push_back({*up_from, *up_to});
    }
  }
  return intervals;
}

seconds overlap(const Interval& a, const Interval& b) {
  const UtcTime from = std::max(a.from, b.from);
  const UtcTime to = std::min(a.to, b.to);
  return to > from ? to - from : seconds{0};
}

void store_figure(Store& store, const DailyAvailability& figure, UtcTime now) {
  store.execute(
      "INSERT INTO daily_availability (centre_id, local_date, day_seconds, bookable_seconds, available_seconds, "
      "below_minimum, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {figure.centre_id, day_text(figure.day), int64_t{figure.day_length.count()}, int64_t{figure.bookable.count()},
       int64_t{figure.available.count()}, int64_t{figure.below_minimum ? 1 : 0}, format_utc(now)});
}

}  // namespace

void record_relay_up(Store& store, std::optional<int64_t> centre_id, UtcTime from, UtcTime to) {
  if (to < from) std::swap(from, to);
  store.execute("INSERT INTO relay_up_intervals (centre_id, up_from, up_to) VALUES (?, ?, ?)",
                {centre_id ? Value{*centre_id} : Value{}, format_utc(from), format_utc(to)});
}

DailyAvailability compute_daily_availability(Store& store, const Centre& centre, LocalDay day) {
  const UtcTime day_start = centre.zone.start_of_day(day);
  const UtcTime day_end = centre.zone.start_of_day(day + days{1});
  const std::vector<Interval> uptime = uptime_between(store, centre.id, day_start, day_end);

  // Slots are walked in real time, so the skipped hour of a 23-hour day has
  // no slot and the repeated hour of a 25-hour day has two.
  seconds bookable{0};
  seconds available{0};
  for (UtcTime slot : bookable_slots(centre.zone, centre.windows, day)) {
    const Interval slot_interval{slot, slot + kSlotLength};
    bookable += kSlotLength;
    for (const Interval& up : uptime) available += overlap(slot_interval, up);
  }
  return DailyAvailability{centre.id, day, day_end - day_start, bookable, available,
                           available < kMinimumDailyBookable};
}

std::vector<DailyAvailability> stored_daily_availability(Store& store, int64_t centre_id, LocalDay first,
                                                         LocalDay last) {
  std::vector<DailyAvailability> figures;
  for (const Row& row : store.query("SELECT local_date, day_seconds, bookable_seconds, available_seconds, below_minimum "
                                    "FROM daily_availability WHERE centre_id = ? AND local_date >= ? AND local_date <= ? "
                                    "ORDER BY local_date",
                                    {centre_id, day_text(first), day_text(last)})) {
    auto day = parse_day(row.text(0));
    if (!day) continue;
    figures.push_back({centre_id, *day, seconds{row.integer(1)}, seconds{row.integer(2)}, seconds{row.integer(3)},
                       row.integer(4) == 1});
  }
  return figures;
}

std::vector<DailyAvailability> AvailabilityRecorder::tick(UtcTime now, bool relay_up) {
  if (relay_up) {
    record_heartbeat(now);
  } else {
    last_heartbeat_.reset();
  }
  return close_finished_days(now);
}

void AvailabilityRecorder::record_heartbeat(UtcTime now) {
  if (last_heartbeat_ && now >= *last_heartbeat_ && now - *last_heartbeat_ <= kHeartbeatGapMax) {
    store_.execute("UPDATE relay_up_intervals SET up_to = ? WHERE id = ?", {format_utc(now), current_interval_id_});
  } else {
    current_interval_id_ = store_.insert(
        "INSERT INTO relay_up_intervals (centre_id, up_from, up_to) VALUES (NULL, ?, ?) RETURNING id",
        {format_utc(now), format_utc(now)});
  }
  last_heartbeat_ = now;
}

std::vector<DailyAvailability> AvailabilityRecorder::close_finished_days(UtcTime now) {
  // Records::centre reads no clock, so any clock will do here.
  const SystemClock unused_clock;
  Records records(store_, unused_clock);
  std::vector<DailyAvailability> closed;
  for (const Row& row : store_.query("SELECT id FROM centres ORDER BY id")) {
    auto centre = records.centre(row.integer(0));
    if (!centre) continue;
    for (const DailyAvailability& figure : close_centre_days(*centre, now)) closed.push_back(figure);
  }
  return closed;
}

std::vector<DailyAvailability> AvailabilityRecorder::close_centre_days(const Centre& centre, UtcTime now) {
  // Today has not finished; every earlier local day has.
  const LocalDay today = std::chrono::floor<days>(centre.zone.to_local(now));
  std::optional<LocalDay> first;
  auto last_stored = store_.query("SELECT MAX(local_date) FROM daily_availability WHERE centre_id = ?", {centre.id});
  if (!last_stored.at(0).is_null(0)) {
    if (auto day = parse_day(last_stored[0].text(0))) first = *day + days{1};
  } else {
    auto first_up = store_.query("SELECT MIN(up_from) FROM relay_up_intervals WHERE centre_id IS NULL OR centre_id = ?",
                                 {centre.id});
    if (first_up.at(0).is_null(0)) return {};  // the relay has never run: nothing to measure
    if (auto t = parse_utc(first_up[0].text(0))) first = std::chrono::floor<days>(centre.zone.to_local(*t));
  }
  if (!first) return {};
  // NOTE: centres keep no creation date, so a centre added after the relay
  // first ran gets figures for earlier days too, up to the backfill limit.
  first = std::max(*first, today - days{kAvailabilityBackfillDaysMax});

  std::vector<DailyAvailability> closed;
  for (LocalDay day = *first; day < today; day += days{1}) {
    const DailyAvailability figure = compute_daily_availability(store_, centre, day);
    store_figure(store_, figure, now);
    closed.push_back(figure);
    const auto log_fields = nlohmann::json{{"centre_id", centre.id},
                                           {"date", day_text(day)},
                                           {"available_seconds", figure.available.count()},
                                           {"bookable_seconds", figure.bookable.count()}};
    if (figure.below_minimum) {
      log::warn("policy", "availability_below_minimum", log_fields);
    } else {
      log::info("policy", "availability_recorded", log_fields);
    }
  }
  return closed;
}

}  // namespace sightline::policy

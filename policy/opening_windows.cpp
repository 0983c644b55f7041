// The slot grid and the daily availability check.
#include "policy/opening_windows.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace sightline::policy {
namespace {

constexpr int kMinutesPerDay = 24 * 60;
constexpr std::array<const char*, 7> kWeekdayNames = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                                      "Thursday", "Friday", "Saturday"};

}  // namespace

std::string weekday_name(int weekday) {
  if (weekday < 0 || weekday >= static_cast<int>(kWeekdayNames.size())) return "weekday " + std::to_string(weekday);
  return kWeekdayNames[static_cast<size_t>(weekday)];
}

namespace {

int weekday_of(LocalDay day) { return static_cast<int>(std::chrono::weekday{day}.c_encoding()); }

std::string hours_text(minutes m) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f", static_cast<double>(m.count()) / 60.0);
  return text;
}

std::string date_text(LocalDay day) {
  return format_date(std::chrono::year_month_day{std::chrono::sys_days{day.time_since_epoch()}});
}

}  // namespace

std::optional<Refusal> check_window_shape(const std::vector<OpeningWindow>& windows) {
  const int slot = static_cast<int>(kSlotLength.count());
  for (const OpeningWindow& w : windows) {
    if (w.weekday < 0 || w.weekday > 6 || w.start_minute < 0 || w.end_minute > kMinutesPerDay ||
        w.start_minute >= w.end_minute || w.start_minute % slot != 0 || w.end_minute % slot != 0) {
      return Refusal{RefusalCode::invalid_input,
                     "invalid opening window on weekday " + std::to_string(w.weekday) + " from minute " +
                         std::to_string(w.start_minute) + " to " + std::to_string(w.end_minute) +
                         ": a window must start before it ends, within one day, on 30-minute boundaries"};
    }
  }
  for (size_t i = 0; i < windows.size(); ++i) {
    for (size_t j = i + 1; j < windows.size(); ++j) {
      const auto& a = windows[i];
      const auto& b = windows[j];
      if (a.weekday == b.weekday && a.start_minute < b.end_minute && b.start_minute < a.end_minute) {
        return Refusal{RefusalCode::invalid_input,
                       std::string("opening windows overlap on ") + kWeekdayNames[a.weekday] + "; merge them into one"};
      }
    }
  }
  return std::nullopt;
}

bool is_bookable_slot(const CentreTimeZone& zone, const std::vector<OpeningWindow>& windows, UtcTime start) {
  const LocalTime local = zone.to_local(start);
  const LocalDay day = std::chrono::floor<days>(local);
  const auto minute_of_day = std::chrono::duration_cast<minutes>(local - day);
  if ((local - day) != minute_of_day || minute_of_day.count() % kSlotLength.count() != 0) return false;

  const int start_minute = static_cast<int>(minute_of_day.count());
  const int end_minute = start_minute + static_cast<int>(kSlotLength.count());
  const int weekday = weekday_of(day);
  return std::any_of(windows.begin(), windows.end(), [&](const OpeningWindow& w) {
    return w.weekday == weekday && w.start_minute <= start_minute && end_minute <= w.end_minute;
  });
}

std::vector<UtcTime> bookable_slots(const CentreTimeZone& zone, const std::vector<OpeningWindow>& windows,
                                    LocalDay day) {
  // Walk real time, not wall-clock time, so that a repeated hour is offered
  // twice and a skipped hour not at all.
  std::vector<UtcTime> slots;
  const UtcTime end = zone.start_of_day(day + days{1});
  for (UtcTime t = zone.start_of_day(day); t < end; t += kSlotLength) {
    if (is_bookable_slot(zone, windows, t)) slots.push_back(t);
  }
  return slots;
}

minutes bookable_time(const CentreTimeZone& zone, const std::vector<OpeningWindow>& windows, LocalDay day) {
  return kSlotLength * static_cast<int>(bookable_slots(zone, windows, day).size());
}

std::optional<Refusal> check_daily_availability(const CentreTimeZone& zone,
                                                const std::vector<OpeningWindow>& windows,
                                                LocalDay first_day, int day_count) {
  for (int weekday = 0; weekday < 7; ++weekday) {
    minutes nominal{0};
    for (const OpeningWindow& w : windows) {
      if (w.weekday == weekday) nominal += minutes{w.end_minute - w.start_minute};
    }
    if (nominal < kMinimumDailyBookable) {
      return Refusal{RefusalCode::availability_below_minimum,
                     std::string(kWeekdayNames[weekday]) + " offers " + hours_text(nominal) +
                         " hours of bookable calling; every day needs at least " +
                         hours_text(kMinimumDailyBookable) + " hours, so widen that day's opening windows"};
    }
  }
  for (int i = 0; i < day_count; ++i) {
    const LocalDay day = first_day + days{i};
    const minutes available = bookable_time(zone, windows, day);
    if (available < kMinimumDailyBookable) {
      return Refusal{RefusalCode::availability_below_minimum,
                     std::string(kWeekdayNames[weekday_of(day)]) + " " + date_text(day) + " offers " +
                         hours_text(available) + " hours of bookable calling because the clocks change in " +
                         zone.name() + "; every day needs at least " + hours_text(kMinimumDailyBookable) +
                         " hours, so widen that day's opening windows away from the skipped hour"};
    }
  }
  return std::nullopt;
}

}  // namespace sightline::policy

// Time-zone conversion over the date/tz library (Howard Hinnant's date 3.0,
// built on Debian with USE_OS_TZDB=1 so it reads /usr/share/zoneinfo).
#include "policy/centre_time_zone.h"

#include <date/tz.h>

#include <stdexcept>

namespace sightline::policy {
namespace {

const date::time_zone* zone_of(const void* zone) { return static_cast<const date::time_zone*>(zone); }

date::local_seconds to_date(LocalTime t) { return date::local_seconds{t.time_since_epoch()}; }
LocalTime from_date(date::local_seconds t) { return LocalTime{t.time_since_epoch()}; }

}  // namespace

std::optional<CentreTimeZone> CentreTimeZone::find(std::string_view name) {
  try {
    return CentreTimeZone(std::string(name), date::locate_zone(name));
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
}

LocalTime CentreTimeZone::to_local(UtcTime t) const {
  const date::sys_seconds utc{t.time_since_epoch()};
  return from_date(zone_of(zone_)->to_local(utc));
}

std::optional<UtcTime> CentreTimeZone::to_utc(LocalTime local) const {
  const auto info = zone_of(zone_)->get_info(to_date(local));
  if (info.result == date::local_info::nonexistent) return std::nullopt;
  // For unique and ambiguous times alike, `first` is the earlier offset.
  const auto utc = to_date(local) - info.first.offset;
  return UtcTime{utc.time_since_epoch()};
}

UtcTime CentreTimeZone::start_of_day(LocalDay day) const {
  const LocalTime midnight{day};
  if (auto t = to_utc(midnight)) return *t;
  // Midnight was skipped: the day begins at the transition that skipped it.
  const auto info = zone_of(zone_)->get_info(to_date(midnight));
  return UtcTime{info.second.begin.time_since_epoch()};
}

}  // namespace sightline::policy

// A centre's IANA time zone (Europe/London for the UK estate): conversion
// between UTC instants and local wall-clock time, including the 23- and
// 25-hour days when the clocks change. The only file that uses the tz library.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "policy/utc_time.h"

namespace sightline::policy {

// Local wall-clock time in whole seconds, with no zone attached.
using LocalTime = std::chrono::local_seconds;
using LocalDay = std::chrono::local_days;

class CentreTimeZone {
 public:
  // Looks the zone up in the system's tz database (/usr/share/zoneinfo);
  // nullopt when the name is unknown.
  static std::optional<CentreTimeZone> find(std::string_view name);

  const std::string& name() const { return name_; }
  LocalTime to_local(UtcTime t) const;
  // The instant at which the wall clock shows `local`. When the clocks go
  // forward and that time does not exist, returns nullopt; when they go back
  // and it occurs twice, returns the earlier instant.
  std::optional<UtcTime> to_utc(LocalTime local) const;
  // The instant at which the local day begins: midnight, or the first
  // existing time after it on a day whose midnight was skipped.
  UtcTime start_of_day(LocalDay day) const;

 private:
  CentreTimeZone(std::string name, const void* zone) : name_(std::move(name)), zone_(zone) {}

  std::string name_;
  const void* zone_;  // a const date::time_zone*, owned by the tz database
};

}  // namespace sightline::policy

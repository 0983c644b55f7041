// The call log: exactly the fields the compact names (the detained
// individual's log name, the date and time, the recipient's name and the
// duration) and nothing more about the call.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/refusal.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

struct CallLogEntry {
  std::string log_name;
  UtcTime started_at;  // the date and time, in UTC
  std::string recipient_name;
  std::chrono::seconds duration;
};

// Writes one row for the ended call of `booking_id`. The row also keeps the
// person's id, which retention needs to find their last call.
Result<int64_t> record_call(Store& store, int64_t booking_id, UtcTime started_at, std::chrono::seconds duration);
std::vector<CallLogEntry> call_log_of(Store& store, int64_t detained_individual_id);

}  // namespace sightline::policy

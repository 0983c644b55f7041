// Retention: a detained individual's personal data and their recipients'
// are deleted six calendar months after their last call (the compact,
// DSO 01/2020 Annex A).
#pragma once

#include <cstdint>

#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

constexpr std::chrono::months kRetentionPeriod{6};

// Returns the instant six calendar months after `last_call`. A day that does
// not exist in the target month (31 August + 6 months) becomes its last day.
UtcTime retention_deadline(UtcTime last_call);

// Deletes every person whose last call is at or past retention_deadline at
// `now`, with all rows that belong to them, welfare checks included.
// Incident reports are kept for the annual audit with their links to the
// person and booking cleared, and so are their alerts and the officers'
// alert decisions, which name no one.
// NOTE: an officer's free-text reason on a call incident is kept too, and
// purge does not scan it, so the console should ask officers not to name
// people in it.
// Returns how many people were deleted and records the run.
// NOTE: a person who never had a call is not deleted here; their data stays
// until a rule for people released without calls is agreed.
int64_t purge(Store& store, UtcTime now);

}  // namespace sightline::policy

// The acceptable-use compact a detained individual signs before any video
// call (DSO 01/2020 paragraph 8): no compact, no booking and no join.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "policy/refusal.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

struct Compact {
  int64_t detained_individual_id;
  std::chrono::year_month_day signed_on;
  std::string language;  // the language the compact was explained in
  bool interpreted;      // read and explained through an interpreter
  std::string witnessing_officer;
};

class Compacts {
 public:
  Compacts(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Refuses a missing field, an unknown person and a signing date after today.
  Result<int64_t> record(const Compact& compact);
  // The most recently signed compact, if any.
  std::optional<Compact> latest(int64_t detained_individual_id);

 private:
  Store& store_;
  const Clock& clock_;
};

// True when the person has signed a compact; the relay's admission check and
// the booking rules both ask this.
bool has_signed_compact(Store& store, int64_t detained_individual_id);

}  // namespace sightline::policy

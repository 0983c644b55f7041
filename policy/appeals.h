// Appeals against suspensions (DSO 01/2020 paragraph 20): decided within
// 48 hours, or 12 hours for a person with imminent removal directions, by a
// manager who did not take the original decision.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/refusal.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

constexpr hours kAppealDecisionTime{48};
constexpr hours kAppealDecisionTimeImminentRemoval{12};

struct Appeal {
  int64_t id;
  int64_t suspension_id;
  std::string reasons;
  bool imminent_removal;
  UtcTime lodged_at;
  UtcTime due_at;
  std::string decided_by;  // empty until decided
  std::optional<UtcTime> decided_at;
  std::string outcome;

  bool decided_in_time() const { return decided_at && *decided_at <= due_at; }
};

class Appeals {
 public:
  Appeals(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  Result<Appeal> lodge(int64_t suspension_id, const std::string& reasons, bool imminent_removal);
  // Refuses the manager who decided the suspension, and a second decision.
  Result<Appeal> decide(int64_t appeal_id, const std::string& manager, const std::string& outcome);
  std::optional<Appeal> appeal(int64_t id);
  // Undecided appeals whose due time has passed at `now`, oldest first.
  std::vector<Appeal> overdue(UtcTime now);

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace sightline::policy

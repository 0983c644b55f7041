// Suspensions of video-call access (DSO 01/2020 paragraphs 18 to 20): decided
// by a manager for a reason about video-call use, never as a sanction for
// other conduct. More than 7 days needs the compliance manager's
// authorisation and a review every week. While suspended, no social calls
// take place, and the record states how legal access is offered instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/refusal.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

// The maximum suspension a manager may impose without authorisation.
constexpr days kUnauthorisedSuspensionMax{7};
// Suspensions longer than kUnauthorisedSuspensionMax are reviewed this often.
constexpr days kSuspensionReviewInterval{7};

// Reason categories about the use of video calls.
enum class SuspensionCategory {
  recording_call,
  inappropriate_dress,
  abusive_behaviour_on_call,
  misuse_of_service,
};
std::string_view to_string(SuspensionCategory category);
// Parses a category name. A category that punishes other conduct, such as
// "disciplinary_sanction", is refused with category_not_video_call_use.
Result<SuspensionCategory> parse_suspension_category(const std::string& text);

struct SuspensionRequest {
  int64_t detained_individual_id;
  std::string decided_by;  // the deciding manager
  std::string category;
  std::string reasons;
  UtcTime starts_at;
  UtcTime ends_at;
  std::string authorised_by;  // the compliance manager; needed beyond 7 days
  std::string legal_access;   // how legal access is offered meanwhile
};

struct Suspension {
  int64_t id;
  int64_t detained_individual_id;
  std::string decided_by;
  SuspensionCategory category;
  std::string reasons;
  UtcTime starts_at;
  UtcTime ends_at;
  std::string authorised_by;
  std::string legal_access;
};

struct OverdueReview {
  int64_t suspension_id;
  UtcTime due_at;
};

bool is_suspended(Store& store, int64_t detained_individual_id, UtcTime at);

class Suspensions {
 public:
  Suspensions(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Records the suspension and a notification to the compliance manager.
  Result<Suspension> suspend(const SuspensionRequest& request);
  std::optional<Suspension> suspension(int64_t id);

  Result<int64_t> record_review(int64_t suspension_id, const std::string& reviewed_by, const std::string& outcome);
  // The weekly review due dates of a suspension over 7 days: one every
  // 7 days from the start, while the suspension lasts.
  std::vector<UtcTime> review_due_dates(const Suspension& suspension);
  // Reviews whose due date has passed with fewer reviews recorded by then.
  std::vector<OverdueReview> overdue_reviews(UtcTime now);

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace sightline::policy

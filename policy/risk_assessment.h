// Individual risk assessments (DSO 01/2020 paragraph 9): one per detained
// individual with a review date, and a review of every new recipient, who is
// approved with restrictions or rejected.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/refusal.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

enum class RecipientStatus { not_reviewed, pending_review, approved, rejected };
std::string_view to_string(RecipientStatus status);

struct RecipientReview {
  int64_t recipient_id;
  RecipientStatus status;
  std::string restrictions;  // e.g. "MAPPA conditions; no contact with children"
  std::string reviewed_by;   // empty until reviewed
  std::optional<UtcTime> reviewed_at;
};

class RiskAssessments {
 public:
  RiskAssessments(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  Result<int64_t> record(int64_t detained_individual_id, const std::string& assessed_by,
                         std::chrono::year_month_day review_date);
  bool has_assessment(int64_t detained_individual_id);

  // Marks a recipient as waiting for review, unless already reviewed.
  void hold_for_review(int64_t recipient_id);
  // Approves a recipient, recording the reviewer and the time, and confirms
  // the bookings that were held for that review.
  Result<int64_t> approve_recipient(int64_t recipient_id, const std::string& reviewed_by,
                                    const std::string& restrictions);
  // Rejects a recipient; bookings held for the review are refused and
  // reported to the security team.
  Result<int64_t> reject_recipient(int64_t recipient_id, const std::string& reviewed_by,
                                   const std::string& reason);
  RecipientReview review(int64_t recipient_id);
  std::vector<RecipientReview> pending_reviews();

 private:
  Result<int64_t> decide(int64_t recipient_id, const std::string& reviewed_by, RecipientStatus status,
                         const std::string& restrictions);

  Store& store_;
  const Clock& clock_;
};

}  // namespace sightline::policy

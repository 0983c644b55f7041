// Risk assessments and recipient reviews.
#include "policy/risk_assessment.h"

#include "policy/incident_report.h"

namespace sightline::policy {
namespace {

RecipientStatus status_from(const std::string& text) {
  if (text == "pending_review") return RecipientStatus::pending_review;
  if (text == "approved") return RecipientStatus::approved;
  if (text == "rejected") return RecipientStatus::rejected;
  return RecipientStatus::not_reviewed;
}

}  // namespace

std::string_view to_string(RecipientStatus status) {
  switch (status) {
    case RecipientStatus::not_reviewed: return "not_reviewed";
    case RecipientStatus::pending_review: return "pending_review";
    case RecipientStatus::approved: return "approved";
    case RecipientStatus::rejected: return "rejected";
  }
  return "unknown";
}

Result<int64_t> RiskAssessments::record(int64_t detained_individual_id, const std::string& assessed_by,
                                        std::chrono::year_month_day review_date) {
  if (assessed_by.empty()) return Refusal{RefusalCode::invalid_input, "the assessing officer is missing"};
  if (!review_date.ok()) return Refusal{RefusalCode::invalid_input, "the review date is not a valid date"};
  if (store_.query("SELECT 1 FROM detained_individuals WHERE id = ?", {detained_individual_id}).empty()) {
    return Refusal{RefusalCode::not_found, "detained individual " + std::to_string(detained_individual_id) + " not found"};
  }
  return store_.insert(
      "INSERT INTO risk_assessments (detained_individual_id, assessed_by, assessed_at, review_date) VALUES (?, ?, ?, ?) RETURNING id",
      {detained_individual_id, assessed_by, format_utc(clock_.now()), format_date(review_date)});
}

bool RiskAssessments::has_assessment(int64_t detained_individual_id) {
  return !store_.query("SELECT 1 FROM risk_assessments WHERE detained_individual_id = ?", {detained_individual_id}).empty();
}

void RiskAssessments::hold_for_review(int64_t recipient_id) {
  if (review(recipient_id).status != RecipientStatus::not_reviewed) return;
  store_.execute("INSERT INTO recipient_approvals (recipient_id, status, restrictions) VALUES (?, 'pending_review', '')",
                 {recipient_id});
}

Result<int64_t> RiskAssessments::decide(int64_t recipient_id, const std::string& reviewed_by, RecipientStatus status,
                                        const std::string& restrictions) {
  if (reviewed_by.empty()) return Refusal{RefusalCode::invalid_input, "the reviewing officer is missing"};
  if (store_.query("SELECT 1 FROM recipients WHERE id = ?", {recipient_id}).empty()) {
    return Refusal{RefusalCode::not_found, "recipient " + std::to_string(recipient_id) + " not found"};
  }
  // Portable upsert: both SQLite and PostgreSQL accept ON CONFLICT ... DO UPDATE.
  return store_.insert(
      "INSERT INTO recipient_approvals (recipient_id, status, restrictions, reviewed_by, reviewed_at) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (recipient_id) DO UPDATE SET status = excluded.status, restrictions = excluded.restrictions, "
      "reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at RETURNING id",
      {recipient_id, std::string(to_string(status)), restrictions, reviewed_by, format_utc(clock_.now())});
}

Result<int64_t> RiskAssessments::approve_recipient(int64_t recipient_id, const std::string& reviewed_by,
                                                   const std::string& restrictions) {
  Transaction transaction(store_);
  auto decided = decide(recipient_id, reviewed_by, RecipientStatus::approved, restrictions);
  if (!decided.ok()) return decided;
  store_.execute("UPDATE bookings SET state = 'confirmed' WHERE recipient_id = ? AND state = 'pending_review' AND slot_start > ?",
                 {recipient_id, format_utc(clock_.now())});
  transaction.commit();
  return decided;
}

Result<int64_t> RiskAssessments::reject_recipient(int64_t recipient_id, const std::string& reviewed_by,
                                                  const std::string& reason) {
  if (reason.empty()) return Refusal{RefusalCode::invalid_input, "the reason for rejecting the recipient is missing"};
  Transaction transaction(store_);
  auto decided = decide(recipient_id, reviewed_by, RecipientStatus::rejected, reason);
  if (!decided.ok()) return decided;

  const Refusal refusal{RefusalCode::recipient_rejected,
                        "recipient " + std::to_string(recipient_id) + " was rejected at risk assessment review"};
  for (const Row& row : store_.query("SELECT id, centre_id, detained_individual_id FROM bookings WHERE recipient_id = ? AND state = 'pending_review'",
                                     {recipient_id})) {
    store_.execute("UPDATE bookings SET state = 'refused', refusal_reason = ? WHERE id = ?", {refusal.reason, row.integer(0)});
    report_refusal(store_, refusal, row.integer(1), row.integer(2), row.integer(0), clock_.now());
  }
  transaction.commit();
  return decided;
}

RecipientReview RiskAssessments::review(int64_t recipient_id) {
  auto rows = store_.query("SELECT status, restrictions, reviewed_by, reviewed_at FROM recipient_approvals WHERE recipient_id = ?",
                           {recipient_id});
  if (rows.empty()) return {recipient_id, RecipientStatus::not_reviewed, "", "", std::nullopt};
  const Row& row = rows[0];
  return {recipient_id, status_from(row.text(0)), row.text(1), row.is_null(2) ? "" : row.text(2),
          row.is_null(3) ? std::nullopt : parse_utc(row.text(3))};
}

std::vector<RecipientReview> RiskAssessments::pending_reviews() {
  std::vector<RecipientReview> reviews;
  for (const Row& row : store_.query("SELECT recipient_id FROM recipient_approvals WHERE status = 'pending_review' ORDER BY id")) {
    reviews.push_back(review(row.integer(0)));
  }
  return reviews;
}

}  // namespace sightline::policy

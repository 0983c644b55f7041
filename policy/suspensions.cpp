// Suspension rules.
#include "policy/suspensions.h"

#include <array>

#include "relay/base/log.h"

namespace sightline::policy {
namespace {

constexpr std::array kVideoCallCategories = {
    SuspensionCategory::recording_call, SuspensionCategory::inappropriate_dress,
    SuspensionCategory::abusive_behaviour_on_call, SuspensionCategory::misuse_of_service};

// Categories staff might reach for that punish conduct outside video calls.
constexpr std::array<std::string_view, 4> kOtherConductCategories = {
    "disciplinary_sanction", "behaviour_elsewhere_in_centre", "non_compliance_with_removal", "general_punishment"};

}  // namespace

std::string_view to_string(SuspensionCategory category) {
  switch (category) {
    case SuspensionCategory::recording_call: return "recording_call";
    case SuspensionCategory::inappropriate_dress: return "inappropriate_dress";
    case SuspensionCategory::abusive_behaviour_on_call: return "abusive_behaviour_on_call";
    case SuspensionCategory::misuse_of_service: return "misuse_of_service";
  }
  return "unknown";
}

Result<SuspensionCategory> parse_suspension_category(const std::string& text) {
  for (SuspensionCategory category : kVideoCallCategories) {
    if (text == to_string(category)) return category;
  }
  for (std::string_view other : kOtherConductCategories) {
    if (text == other) {
      return Refusal{RefusalCode::category_not_video_call_use,
                     "\"" + text + "\" is a sanction for conduct other than video-call use; "
                     "a suspension must be about how video calls were used"};
    }
  }
  return Refusal{RefusalCode::invalid_input, "unknown suspension category \"" + text +
                                                 "\"; use recording_call, inappropriate_dress, "
                                                 "abusive_behaviour_on_call or misuse_of_service"};
}

bool is_suspended(Store& store, int64_t detained_individual_id, UtcTime at) {
  const std::string instant = format_utc(at);
  return !store.query("SELECT 1 FROM suspensions WHERE detained_individual_id = ? AND starts_at <= ? AND ? < ends_at",
                      {detained_individual_id, instant, instant}).empty();
}

Result<Suspension> Suspensions::suspend(const SuspensionRequest& request) {
  auto category = parse_suspension_category(request.category);
  if (!category.ok()) return category.refusal();
  if (request.decided_by.empty()) return Refusal{RefusalCode::invalid_input, "the deciding manager is missing"};
  if (request.reasons.empty()) return Refusal{RefusalCode::invalid_input, "the reasons for the suspension are missing"};
  if (request.legal_access.empty()) {
    return Refusal{RefusalCode::invalid_input, "how legal access is offered during the suspension is missing"};
  }
  if (request.ends_at <= request.starts_at) {
    return Refusal{RefusalCode::invalid_input, "the suspension ends at " + format_utc(request.ends_at) +
                                                   ", not after it starts at " + format_utc(request.starts_at)};
  }
  if (request.ends_at - request.starts_at > kUnauthorisedSuspensionMax && request.authorised_by.empty()) {
    return Refusal{RefusalCode::authorisation_required,
                   "a suspension of more than 7 days needs the compliance manager's authorisation"};
  }
  if (store_.query("SELECT 1 FROM detained_individuals WHERE id = ?", {request.detained_individual_id}).empty()) {
    return Refusal{RefusalCode::not_found,
                   "detained individual " + std::to_string(request.detained_individual_id) + " not found"};
  }

  Transaction transaction(store_);
  const UtcTime now = clock_.now();
  const int64_t id = store_.insert(
      "INSERT INTO suspensions (detained_individual_id, decided_by, category, reasons, starts_at, ends_at, authorised_by, "
      "legal_access, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {request.detained_individual_id, request.decided_by, std::string(to_string(category.value())), request.reasons,
       format_utc(request.starts_at), format_utc(request.ends_at),
       request.authorised_by.empty() ? Value{} : Value{request.authorised_by}, request.legal_access, format_utc(now)});
  store_.execute("INSERT INTO notifications (suspension_id, audience, subject, created_at) VALUES (?, 'compliance_manager', ?, ?)",
                 {id, "suspension " + std::to_string(id) + " recorded", format_utc(now)});
  transaction.commit();

  log::info("policy", "suspension_recorded", {{"suspension_id", id}, {"category", to_string(category.value())}});
  return *suspension(id);
}

std::optional<Suspension> Suspensions::suspension(int64_t id) {
  auto rows = store_.query(
      "SELECT detained_individual_id, decided_by, category, reasons, starts_at, ends_at, authorised_by, legal_access "
      "FROM suspensions WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  const Row& row = rows[0];
  auto category = parse_suspension_category(row.text(2));
  return Suspension{id, row.integer(0), row.text(1),
                    category.ok() ? category.value() : SuspensionCategory::misuse_of_service, row.text(3),
                    parse_utc(row.text(4)).value_or(UtcTime{}), parse_utc(row.text(5)).value_or(UtcTime{}),
                    row.is_null(6) ? "" : row.text(6), row.text(7)};
}

Result<int64_t> Suspensions::record_review(int64_t suspension_id, const std::string& reviewed_by,
                                           const std::string& outcome) {
  if (!suspension(suspension_id)) {
    return Refusal{RefusalCode::not_found, "suspension " + std::to_string(suspension_id) + " not found"};
  }
  if (reviewed_by.empty() || outcome.empty()) {
    return Refusal{RefusalCode::invalid_input, "a review needs the reviewer and the outcome"};
  }
  return store_.insert("INSERT INTO suspension_reviews (suspension_id, reviewed_by, reviewed_at, outcome) VALUES (?, ?, ?, ?) RETURNING id",
                       {suspension_id, reviewed_by, format_utc(clock_.now()), outcome});
}

std::vector<UtcTime> Suspensions::review_due_dates(const Suspension& suspension) {
  std::vector<UtcTime> due;
  if (suspension.ends_at - suspension.starts_at <= kUnauthorisedSuspensionMax) return due;
  for (UtcTime t = suspension.starts_at + kSuspensionReviewInterval; t < suspension.ends_at; t += kSuspensionReviewInterval) {
    due.push_back(t);
  }
  return due;
}

std::vector<OverdueReview> Suspensions::overdue_reviews(UtcTime now) {
  std::vector<OverdueReview> overdue;
  for (const Row& row : store_.query("SELECT id FROM suspensions WHERE ends_at > starts_at ORDER BY id")) {
    auto s = suspension(row.integer(0));
    const auto due_dates = review_due_dates(*s);
    for (size_t i = 0; i < due_dates.size() && due_dates[i] < now; ++i) {
      // The (i+1)th review must have been recorded by its due date.
      auto counted = store_.query("SELECT COUNT(*) FROM suspension_reviews WHERE suspension_id = ? AND reviewed_at <= ?",
                                  {s->id, format_utc(due_dates[i])});
      if (counted.at(0).integer(0) < static_cast<int64_t>(i + 1)) overdue.push_back({s->id, due_dates[i]});
    }
  }
  return overdue;
}

}  // namespace sightline::policy

// Compacts, risk assessments and the review of recipients.
#include "policy/api/api_routes.h"
#include "policy/compact.h"
#include "policy/records.h"
#include "policy/risk_assessment.h"

namespace sightline::policy::api::routes {
namespace {

// The detained individual and centre of a recipient, after the scope check.
std::pair<int64_t, int64_t> scoped_recipient(ApiContext& context, int64_t recipient_id) {
  auto rows = context.store.query(
      "SELECT r.detained_individual_id, d.centre_id FROM recipients r JOIN detained_individuals d ON d.id = r.detained_individual_id "
      "WHERE r.id = ?", {recipient_id});
  if (rows.empty()) throw ApiError{404, "recipient " + std::to_string(recipient_id) + " not found", "", ""};
  context.require_centre(rows[0].integer(1), "recipient " + std::to_string(recipient_id));
  return {rows[0].integer(0), rows[0].integer(1)};
}

}  // namespace

control::HttpResponse record_compact(ApiContext& context) {
  const int64_t person = context.path_id(0);
  const auto signed_on = context.date("signed_on");
  const std::string language = context.text("language");
  const std::string witness = context.text("witnessing_officer");
  const int64_t centre_id = context.scoped_individual(person);

  auto recorded = Compacts(context.store, context.clock).record({person, signed_on, language, context.flag("interpreted"), witness});
  if (!recorded.ok()) context.refuse(recorded.refusal(), "signed_on");
  context.audit("compact_recorded", "detained individual " + std::to_string(person),
                "signed " + format_date(signed_on) + " in " + language, centre_id);
  return json_response(201, {{"id", recorded.value()}});
}

control::HttpResponse record_risk_assessment(ApiContext& context) {
  const int64_t person = context.path_id(0);
  const auto review_date = context.date("review_date");
  const int64_t centre_id = context.scoped_individual(person);

  // Recipients approved with the assessment, each with its restrictions,
  // all checked before anything is recorded.
  std::vector<std::pair<int64_t, std::string>> approvals;
  auto list = context.body.find("approved_recipients");
  if (list != context.body.end() && !list->is_null()) {
    if (!list->is_array()) throw ApiError{400, "approved_recipients must be a list", "approved_recipients", ""};
    for (const nlohmann::json& item : *list) {
      if (!item.is_object() || !item.contains("recipient_id") || !item["recipient_id"].is_number_integer() ||
          (item.contains("restrictions") && !item["restrictions"].is_string())) {
        throw ApiError{400, "each approved recipient needs a recipient_id and text restrictions", "approved_recipients", ""};
      }
      const int64_t recipient_id = item["recipient_id"].get<int64_t>();
      if (scoped_recipient(context, recipient_id).first != person) {
        throw ApiError{400, "recipient " + std::to_string(recipient_id) + " is not a recipient of this person",
                       "approved_recipients", ""};
      }
      approvals.emplace_back(recipient_id, item.value("restrictions", std::string()));
    }
  }

  RiskAssessments risk(context.store, context.clock);
  auto recorded = risk.record(person, context.staff().username, review_date);
  if (!recorded.ok()) context.refuse(recorded.refusal(), "review_date");
  context.audit("risk_assessment_recorded", "detained individual " + std::to_string(person),
                "review due " + format_date(review_date), centre_id);

  nlohmann::json approved = nlohmann::json::array();
  for (const auto& [recipient_id, restrictions] : approvals) {
    auto decided = risk.approve_recipient(recipient_id, context.staff().username, restrictions);
    if (!decided.ok()) context.refuse(decided.refusal(), "approved_recipients");
    context.audit("recipient_approved", "recipient " + std::to_string(recipient_id), "", centre_id);
    approved.push_back(recipient_id);
  }
  return json_response(201, {{"id", recorded.value()}, {"approved_recipients", approved}});
}

control::HttpResponse list_pending_reviews(ApiContext& context) {
  const auto centre = context.listing_centre();
  Records records(context.store, context.clock);
  nlohmann::json reviews = nlohmann::json::array();
  for (const RecipientReview& review : RiskAssessments(context.store, context.clock).pending_reviews()) {
    auto recipient = records.recipient(review.recipient_id);
    if (!recipient) continue;
    auto person = records.detained_individual(recipient->detained_individual_id);
    if (!person || (centre && person->centre_id != *centre)) continue;
    reviews.push_back({{"recipient_id", recipient->id}, {"full_name", recipient->full_name},
                       {"kind", recipient->kind == RecipientKind::legal ? "legal" : "social"},
                       {"detained_individual_id", person->id}, {"centre_reference", person->centre_reference}});
  }
  return json_response(200, {{"pending_reviews", reviews}});
}

control::HttpResponse approve_recipient(ApiContext& context) {
  const int64_t recipient_id = context.path_id(0);
  const std::string restrictions = context.optional_text("restrictions");
  const auto [person, centre_id] = scoped_recipient(context, recipient_id);

  auto decided = RiskAssessments(context.store, context.clock).approve_recipient(recipient_id, context.staff().username, restrictions);
  if (!decided.ok()) context.refuse(decided.refusal());
  context.audit("recipient_approved", "recipient " + std::to_string(recipient_id), "", centre_id);
  return json_response(200, {{"recipient_id", recipient_id}, {"status", "approved"}, {"reviewed_by", context.staff().username}});
}

control::HttpResponse reject_recipient(ApiContext& context) {
  const int64_t recipient_id = context.path_id(0);
  const std::string reason = context.text("reason");
  const auto [person, centre_id] = scoped_recipient(context, recipient_id);

  auto decided = RiskAssessments(context.store, context.clock).reject_recipient(recipient_id, context.staff().username, reason);
  if (!decided.ok()) context.refuse(decided.refusal(), "reason");
  context.audit("recipient_rejected", "recipient " + std::to_string(recipient_id), "", centre_id);
  return json_response(200, {{"recipient_id", recipient_id}, {"status", "rejected"}, {"reviewed_by", context.staff().username}});
}

}  // namespace sightline::policy::api::routes

// Suspensions, their weekly reviews and written notices, appeals, and the
// list of overdue appeal decisions and reviews.
#include "policy/api/api_routes.h"
#include "policy/appeals.h"
#include "policy/records.h"
#include "policy/suspension_notice.h"
#include "policy/suspensions.h"

namespace sightline::policy::api::routes {
namespace {

constexpr std::string_view kSuspensionCentre =
    "SELECT d.centre_id FROM suspensions s JOIN detained_individuals d ON d.id = s.detained_individual_id WHERE s.id = ?";

// The centre of a suspension after the scope check; 404 when unknown.
int64_t scoped_suspension(ApiContext& context, int64_t suspension_id) {
  auto rows = context.store.query(kSuspensionCentre, {suspension_id});
  if (rows.empty()) throw ApiError{404, "suspension " + std::to_string(suspension_id) + " not found", "suspension_id", ""};
  context.require_centre(rows[0].integer(0), "suspension " + std::to_string(suspension_id));
  return rows[0].integer(0);
}

nlohmann::json suspension_json(const Suspension& s, const std::vector<UtcTime>& due) {
  nlohmann::json reviews_due = nlohmann::json::array();
  for (UtcTime t : due) reviews_due.push_back(format_utc(t));
  return {{"id", s.id}, {"detained_individual_id", s.detained_individual_id}, {"decided_by", s.decided_by},
          {"category", to_string(s.category)}, {"reasons", s.reasons}, {"starts_at", format_utc(s.starts_at)},
          {"ends_at", format_utc(s.ends_at)}, {"authorised_by", s.authorised_by}, {"legal_access", s.legal_access},
          {"reviews_due", reviews_due}};
}

nlohmann::json appeal_json(const Appeal& a, UtcTime now) {
  return {{"id", a.id}, {"suspension_id", a.suspension_id}, {"reasons", a.reasons},
          {"imminent_removal", a.imminent_removal}, {"lodged_at", format_utc(a.lodged_at)},
          {"due_at", format_utc(a.due_at)}, {"decided_by", a.decided_by},
          {"decided_at", a.decided_at ? nlohmann::json(format_utc(*a.decided_at)) : nlohmann::json()},
          {"outcome", a.outcome}, {"overdue", !a.decided_at && a.due_at < now}};
}

// Ids of the suspensions, or appeals, of one centre or of all centres.
std::vector<int64_t> ids_in_scope(ApiContext& context, const std::string& select_all, const std::string& select_centre) {
  const auto centre = context.listing_centre();
  const auto rows = centre ? context.store.query(select_centre, {*centre}) : context.store.query(select_all);
  std::vector<int64_t> ids;
  for (const Row& row : rows) ids.push_back(row.integer(0));
  return ids;
}

bool suspension_in_scope(ApiContext& context, int64_t suspension_id) {
  const auto centre = context.listing_centre();
  if (!centre) return true;
  auto rows = context.store.query(kSuspensionCentre, {suspension_id});
  return !rows.empty() && rows[0].integer(0) == *centre;
}

}  // namespace

control::HttpResponse list_suspensions(ApiContext& context) {
  Suspensions suspensions(context.store, context.clock);
  nlohmann::json list = nlohmann::json::array();
  for (int64_t id : ids_in_scope(context, "SELECT id FROM suspensions ORDER BY id DESC",
                                 "SELECT s.id FROM suspensions s JOIN detained_individuals d ON d.id = s.detained_individual_id "
                                 "WHERE d.centre_id = ? ORDER BY s.id DESC")) {
    auto s = suspensions.suspension(id);
    list.push_back(suspension_json(*s, suspensions.review_due_dates(*s)));
  }
  return json_response(200, {{"suspensions", list}});
}

control::HttpResponse suspend(ApiContext& context) {
  SuspensionRequest request;
  request.detained_individual_id = context.id("detained_individual_id");
  request.decided_by = context.staff().username;
  request.category = context.text("category");
  request.reasons = context.text("reasons");
  request.starts_at = context.instant("starts_at");
  request.ends_at = context.instant("ends_at");
  request.authorised_by = context.optional_text("authorised_by");
  request.legal_access = context.text("legal_access");
  const int64_t centre_id = context.scoped_individual(request.detained_individual_id);

  // Authorisation beyond 7 days must name an enabled compliance account.
  if (!request.authorised_by.empty()) {
    auto authoriser = context.accounts().find(request.authorised_by);
    if (!authoriser || authoriser->disabled || authoriser->role != StaffRole::compliance) {
      throw ApiError{400, "authorised_by must be the username of an enabled compliance manager account", "authorised_by", ""};
    }
  }
  auto suspended = Suspensions(context.store, context.clock).suspend(request);
  if (!suspended.ok()) {
    const RefusalCode code = suspended.refusal().code;
    context.refuse(suspended.refusal(), code == RefusalCode::invalid_input ? "ends_at" : "");
  }
  const Suspension& s = suspended.value();
  context.audit("suspension_recorded", "suspension " + std::to_string(s.id),
                std::string(to_string(s.category)) + " until " + format_utc(s.ends_at), centre_id);
  return json_response(201, suspension_json(s, Suspensions(context.store, context.clock).review_due_dates(s)));
}

control::HttpResponse review_suspension(ApiContext& context) {
  const int64_t id = context.path_id(0);
  const std::string outcome = context.text("outcome");
  const int64_t centre_id = scoped_suspension(context, id);
  auto recorded = Suspensions(context.store, context.clock).record_review(id, context.staff().username, outcome);
  if (!recorded.ok()) context.refuse(recorded.refusal(), "outcome");
  context.audit("suspension_reviewed", "suspension " + std::to_string(id), "", centre_id);
  return json_response(201, {{"id", recorded.value()}});
}

control::HttpResponse suspension_notice(ApiContext& context) {
  const int64_t id = context.path_id(0);
  const int64_t centre_id = scoped_suspension(context, id);
  auto s = Suspensions(context.store, context.clock).suspension(id);
  Records records(context.store, context.clock);
  auto person = records.detained_individual(s->detained_individual_id);
  auto centre = records.centre(centre_id);
  context.audit("suspension_notice_viewed", "suspension " + std::to_string(id), "", centre_id);
  return control::HttpResponse{200, "text/html; charset=utf-8",
                               render_suspension_notice(*s, person->recorded_name, centre->zone, NoticeFormat::html), {}};
}

control::HttpResponse list_appeals(ApiContext& context) {
  Appeals appeals(context.store, context.clock);
  nlohmann::json list = nlohmann::json::array();
  for (int64_t id : ids_in_scope(context, "SELECT id FROM appeals ORDER BY id DESC",
                                 "SELECT a.id FROM appeals a JOIN suspensions s ON s.id = a.suspension_id "
                                 "JOIN detained_individuals d ON d.id = s.detained_individual_id WHERE d.centre_id = ? ORDER BY a.id DESC")) {
    list.push_back(appeal_json(*appeals.appeal(id), context.now));
  }
  return json_response(200, {{"appeals", list}});
}

control::HttpResponse lodge_appeal(ApiContext& context) {
  const int64_t suspension_id = context.id("suspension_id");
  const std::string reasons = context.text("reasons");
  const int64_t centre_id = scoped_suspension(context, suspension_id);
  auto lodged = Appeals(context.store, context.clock).lodge(suspension_id, reasons, context.flag("imminent_removal"));
  if (!lodged.ok()) context.refuse(lodged.refusal(), "reasons");
  context.audit("appeal_lodged", "appeal " + std::to_string(lodged.value().id),
                "due " + format_utc(lodged.value().due_at), centre_id);
  return json_response(201, appeal_json(lodged.value(), context.now));
}

control::HttpResponse decide_appeal(ApiContext& context) {
  const int64_t id = context.path_id(0);
  const std::string outcome = context.text("outcome");
  Appeals appeals(context.store, context.clock);
  auto existing = appeals.appeal(id);
  if (!existing) throw ApiError{404, "appeal " + std::to_string(id) + " not found", "", ""};
  const int64_t centre_id = scoped_suspension(context, existing->suspension_id);

  // The deciding manager is the signed-in account, so the rule that another
  // manager decides cannot be sidestepped by typing a different name.
  auto decided = appeals.decide(id, context.staff().username, outcome);
  if (!decided.ok()) {
    context.audit("appeal_decision_refused", "appeal " + std::to_string(id), decided.refusal().reason, centre_id);
    context.refuse(decided.refusal(), "outcome");
  }
  context.audit("appeal_decided", "appeal " + std::to_string(id),
                decided.value().decided_in_time() ? "in time" : "late", centre_id);
  return json_response(200, appeal_json(decided.value(), context.now));
}

control::HttpResponse list_overdue(ApiContext& context) {
  nlohmann::json appeals = nlohmann::json::array();
  for (const Appeal& appeal : Appeals(context.store, context.clock).overdue(context.now)) {
    if (suspension_in_scope(context, appeal.suspension_id)) appeals.push_back(appeal_json(appeal, context.now));
  }
  nlohmann::json reviews = nlohmann::json::array();
  for (const OverdueReview& review : Suspensions(context.store, context.clock).overdue_reviews(context.now)) {
    if (suspension_in_scope(context, review.suspension_id)) {
      reviews.push_back({{"suspension_id", review.suspension_id}, {"due_at", format_utc(review.due_at)}});
    }
  }
  return json_response(200, {{"appeals", appeals}, {"suspension_reviews", reviews}});
}

}  // namespace sightline::policy::api::routes

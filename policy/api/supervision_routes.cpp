// The records the officer's console writes, as the staff pages see them:
// welfare checks (list, request, mark complete) and alert decision counts
// per kind.
#include <stdexcept>

#include "policy/api/api_routes.h"
#include "policy/join_token.h"
#include "policy/supervision.h"

namespace sightline::policy::api::routes {
namespace {

nlohmann::json welfare_check_json(const WelfareCheck& check) {
  return {{"id", check.id},
          {"centre_id", check.centre_id},
          {"detained_individual_id", check.detained_individual_id},
          {"detained_individual_name", check.detained_individual_name},
          {"booking_id", json_id(check.booking_id)},
          {"call_id", check.call_id},
          {"note", check.note},
          {"requested_by", check.requested_by},
          {"requested_at", format_utc(check.requested_at)},
          {"completed_by", check.completed_by},
          {"completed_at", check.completed_at ? nlohmann::json(format_utc(*check.completed_at)) : nlohmann::json()}};
}

// Reads ?open=: "1" lists open checks only, "0" or no value lists all.
bool open_only(const ApiContext& context) {
  auto it = context.request.query.find("open");
  if (it == context.request.query.end() || it->second.empty() || it->second == "0") return false;
  if (it->second == "1") return true;
  throw ApiError{400, "open must be 1 (open checks only) or 0 (all checks), not \"" + it->second + "\"", "open", ""};
}

}  // namespace

control::HttpResponse list_welfare_checks(ApiContext& context) {
  nlohmann::json list = nlohmann::json::array();
  for (const WelfareCheck& check : policy::list_welfare_checks(context.store, context.listing_centre(), open_only(context))) {
    list.push_back(welfare_check_json(check));
  }
  return json_response(200, {{"welfare_checks", list}});
}

control::HttpResponse request_welfare_check(ApiContext& context) {
  const auto booking_id = context.optional_id("booking_id");
  auto person_id = context.optional_id("detained_individual_id");
  const std::string note = context.text("note");
  std::string call_id = context.optional_text("call_id");
  if (!booking_id && !person_id) {
    throw ApiError{400, "detained_individual_id and booking_id are both missing; give at least one", "detained_individual_id", ""};
  }

  // The scope check runs on the booking's or the person's centre before
  // anything is stored, so another centre's ids only get a 403.
  int64_t centre_id = 0;
  if (booking_id) {
    auto rows = context.store.query("SELECT centre_id FROM bookings WHERE id = ?", {*booking_id});
    if (rows.empty()) throw ApiError{404, "booking " + std::to_string(*booking_id) + " not found", "booking_id", ""};
    centre_id = rows[0].integer(0);
    context.require_centre(centre_id, "booking " + std::to_string(*booking_id));
    if (call_id.empty()) call_id = call_id_for_booking(*booking_id);
  }
  if (person_id) {
    const int64_t person_centre = context.scoped_individual(*person_id);
    if (booking_id && person_centre != centre_id) {
      throw ApiError{400, "booking " + std::to_string(*booking_id) + " is not a booking of detained individual " +
                              std::to_string(*person_id),
                     "booking_id", ""};
    }
    centre_id = person_centre;
  }
  if (call_id.empty()) throw ApiError{400, "call_id is missing; give the call after which the check is needed", "call_id", ""};

  // Input errors come before the conflict with an open check.
  if (note.size() > kMaxOfficerTextBytes) {
    throw ApiError{400, "note is " + std::to_string(note.size()) + " bytes long; shorten it to at most " +
                            std::to_string(kMaxOfficerTextBytes),
                   "note", ""};
  }
  // One open check per call is enough for the welfare team. NOTE: this check
  // and the insert are not one transaction, and the officer's console files
  // its checks through policy::request_welfare_check without this check.
  if (auto open = find_open_welfare_check(context.store, centre_id, call_id)) {
    throw ApiError{409,
                   "welfare check " + std::to_string(open->id) + " for call " + call_id + " is already open (requested by " +
                       open->requested_by + " at " + format_utc(open->requested_at) +
                       "); complete it on the welfare checks page before requesting another",
                   "", "already_open", {{"welfare_check_id", open->id}}};
  }

  int64_t id = 0;
  try {
    id = policy::request_welfare_check(context.store, centre_id, person_id, booking_id, call_id, note,
                                       context.staff().username, context.now);
  } catch (const std::invalid_argument& error) {
    throw ApiError{400, error.what(), "", ""};
  }
  context.audit("welfare_check_requested", "welfare check " + std::to_string(id), "", centre_id, call_id);
  return json_response(201, welfare_check_json(*find_welfare_check(context.store, id)));
}

control::HttpResponse complete_welfare_check(ApiContext& context) {
  const int64_t id = context.path_id(0);
  const std::string target = "welfare check " + std::to_string(id);
  auto check = find_welfare_check(context.store, id);
  if (!check) throw ApiError{404, target + " not found", "", ""};
  context.require_centre(check->centre_id, target);
  if (check->completed_at) {
    throw ApiError{409, target + " was already completed by " + check->completed_by + " at " +
                            format_utc(*check->completed_at),
                   "", "already_completed"};
  }
  // A concurrent request may complete it between the read and this update.
  if (!policy::complete_welfare_check(context.store, id, context.staff().username, context.now)) {
    throw ApiError{409, target + " was already completed", "", "already_completed"};
  }
  context.audit("welfare_check_completed", target, "", check->centre_id, check->call_id);
  return json_response(200, welfare_check_json(*find_welfare_check(context.store, id)));
}

control::HttpResponse list_alert_decisions(ApiContext& context) {
  nlohmann::json list = nlohmann::json::array();
  for (const AlertDecisionCounts& counts : alert_decision_counts(context.store, context.listing_centre())) {
    list.push_back({{"kind", counts.kind}, {"acknowledged", counts.acknowledged}, {"dismissed", counts.dismissed}});
  }
  return json_response(200, {{"alert_decisions", list}});
}

}  // namespace sightline::policy::api::routes

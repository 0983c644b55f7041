// The staff API's routing: CSRF checks, the session, the role, then the route.
#include "policy/api/staff_api.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "policy/api/admin_files.h"
#include "policy/api/api_context.h"
#include "policy/api/api_routes.h"
#include "relay/base/log.h"

namespace sightline::policy::api {
namespace {

constexpr uint32_t kDco = role_bit(StaffRole::dco);
constexpr uint32_t kSecurity = role_bit(StaffRole::security);
constexpr uint32_t kManager = role_bit(StaffRole::manager);
constexpr uint32_t kCompliance = role_bit(StaffRole::compliance);
constexpr uint32_t kAdmin = role_bit(StaffRole::admin);
// Roles that keep the records of detained individuals and their bookings.
constexpr uint32_t kRecordKeepers = kDco | kManager | kAdmin;

struct Route {
  std::string_view method;
  std::string_view pattern;  // "{}" matches one path segment
  uint32_t roles;            // 0: no session needed (sign-in)
  RouteHandler handler;
};

// clang-format off
constexpr std::array kRoutes = {
    Route{"POST",   "/api/session", 0, routes::sign_in},
    Route{"DELETE", "/api/session", kAnyRole, routes::sign_out},
    Route{"GET",    "/api/me", kAnyRole, routes::me},
    Route{"GET",    "/api/centres", kAnyRole, routes::list_centres},
    Route{"POST",   "/api/centres", kAdmin, routes::add_centre},
    Route{"GET",    "/api/detained-individuals", kAnyRole, routes::list_detained_individuals},
    Route{"POST",   "/api/detained-individuals", kRecordKeepers, routes::add_detained_individual},
    Route{"GET",    "/api/detained-individuals/{}", kAnyRole, routes::show_detained_individual},
    Route{"POST",   "/api/detained-individuals/{}/recipients", kRecordKeepers, routes::add_recipient},
    Route{"POST",   "/api/detained-individuals/{}/compact", kRecordKeepers, routes::record_compact},
    Route{"POST",   "/api/detained-individuals/{}/risk-assessment", kSecurity | kManager, routes::record_risk_assessment},
    Route{"GET",    "/api/interpreters", kAnyRole, routes::list_interpreters},
    Route{"POST",   "/api/interpreters", kRecordKeepers, routes::add_interpreter},
    Route{"GET",    "/api/recipient-reviews", kAnyRole, routes::list_pending_reviews},
    Route{"POST",   "/api/recipients/{}/approve", kSecurity | kManager, routes::approve_recipient},
    Route{"POST",   "/api/recipients/{}/reject", kSecurity | kManager, routes::reject_recipient},
    Route{"GET",    "/api/bookings", kAnyRole, routes::list_bookings},
    Route{"POST",   "/api/bookings", kRecordKeepers, routes::request_booking},
    Route{"POST",   "/api/bookings/{}/interpreters", kRecordKeepers, routes::add_booking_interpreter},
    Route{"POST",   "/api/bookings/{}/join-links", kRecordKeepers, routes::issue_join_links},
    Route{"GET",    "/api/suspensions", kAnyRole, routes::list_suspensions},
    Route{"POST",   "/api/suspensions", kManager, routes::suspend},
    Route{"POST",   "/api/suspensions/{}/reviews", kManager | kCompliance, routes::review_suspension},
    Route{"GET",    "/api/suspensions/{}/notice", kAnyRole, routes::suspension_notice},
    Route{"GET",    "/api/appeals", kAnyRole, routes::list_appeals},
    Route{"POST",   "/api/appeals", kDco | kManager, routes::lodge_appeal},
    Route{"POST",   "/api/appeals/{}/decision", kManager, routes::decide_appeal},
    Route{"GET",    "/api/overdue", kAnyRole, routes::list_overdue},
    Route{"GET",    "/api/incident-reports", kSecurity | kManager | kCompliance | kAdmin, routes::list_incident_reports},
    Route{"GET",    "/api/incident-reports.csv", kSecurity | kManager | kCompliance | kAdmin, routes::export_incident_reports},
    Route{"POST",   "/api/incident-reports/{}/review", kSecurity, routes::mark_incident_reviewed},
    Route{"GET",    "/api/audit-log", kManager | kCompliance | kAdmin, routes::list_audit_log},
    Route{"GET",    "/api/welfare-checks", kAnyRole, routes::list_welfare_checks},
    Route{"POST",   "/api/welfare-checks", kDco | kManager, routes::request_welfare_check},
    Route{"POST",   "/api/welfare-checks/{}/complete", kDco | kManager, routes::complete_welfare_check},
    Route{"GET",    "/api/alert-decisions", kManager | kCompliance | kAdmin, routes::list_alert_decisions},
};
// clang-format on

// Matches `path` against `pattern`, collecting the "{}" segments.
bool matches(std::string_view pattern, std::string_view path, std::vector<std::string>& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const std::string_view want = pattern.substr(0, pattern.find('/'));
    const std::string_view have = path.substr(0, path.find('/'));
    if (want == "{}") {
      if (have.empty()) return false;
      params.emplace_back(have);
    } else if (want != have) {
      return false;
    }
    pattern.remove_prefix(want.size());
    path.remove_prefix(have.size());
  }
  return true;
}

bool is_mutation(std::string_view method) { return method != "GET" && method != "HEAD"; }

bool is_json(std::string_view content_type) {
  const std::string_view media_type = content_type.substr(0, content_type.find(';'));
  return media_type == "application/json";
}

control::HttpResponse error_response(const ApiError& error) {
  nlohmann::json body = error.extra;
  body["error"] = error.message;
  if (!error.field.empty()) body["field"] = error.field;
  if (!error.code.empty()) body["code"] = error.code;
  return control::HttpResponse::json(error.status, body);
}

}  // namespace

bool StaffApi::origin_allowed(const control::HttpRequestInfo& request) const {
  if (!request.host.empty() && (request.origin == "https://" + request.host || request.origin == "http://" + request.host)) {
    return true;
  }
  const auto& allowed = config_.allowed_origins;
  return std::find(allowed.begin(), allowed.end(), request.origin) != allowed.end();
}

StaffApi::StaffApi(Store& store, StaffApiConfig config)
    : store_(store),
      config_(std::move(config)),
      accounts_(store, config_.password_limits),
      sessions_(store, config_.session_limits),
      audit_log_(store, config_.dialect),
      throttle_(config_.sign_in_limits) {
  if (!config_.join_secret.empty()) join_tokens_ = std::make_unique<JoinTokens>(store, config_.join_secret);
}

StaffApi::~StaffApi() = default;

std::optional<control::HttpResponse> StaffApi::check_csrf(const control::HttpRequestInfo& request) const {
  // SameSite=Strict cookies already stay off cross-site requests. These two
  // checks also stop a form post from another site: a plain HTML form cannot
  // send application/json, and a script on another origin sends its Origin.
  if (!is_json(request.content_type)) {
    return control::HttpResponse::error(415, "send the request body as Content-Type: application/json");
  }
  if (!request.origin.empty() && !origin_allowed(request)) {
    log::warn("staff_api", "origin_rejected", {{"origin", request.origin}, {"host", request.host}, {"path", request.path}});
    return control::HttpResponse::error(403, "requests from origin " + request.origin + " are not accepted here");
  }
  return std::nullopt;
}

std::optional<control::HttpResponse> StaffApi::handle(const control::HttpRequestInfo& request, UtcTime now) {
  const std::string_view path = request.path;
  if (path == "/admin" || path.starts_with("/admin/")) {
    if (config_.admin_root.empty()) return std::nullopt;
    return serve_admin_file(config_.admin_root, request);
  }
  if (path != "/api" && !path.starts_with("/api/")) return std::nullopt;

  control::HttpResponse response;
  try {
    response = dispatch(request, now);
  } catch (const ApiError& error) {
    response = error_response(error);
  } catch (const StoreError& error) {
    log::error("staff_api", "store_failed", {{"path", request.path}, {"error", error.what()}});
    response = control::HttpResponse::error(500, "the policy store failed; the operators have the details in the log");
  }
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return response;
}

control::HttpResponse StaffApi::dispatch(const control::HttpRequestInfo& request, UtcTime now) {
  ApiContext context(*this, request, now);
  const Route* route = nullptr;
  bool path_known = false;
  for (const Route& candidate : kRoutes) {
    if (!matches(candidate.pattern, request.path, context.params)) continue;
    path_known = true;
    if (candidate.method == request.method) {
      route = &candidate;
      break;
    }
  }
  if (!route) {
    if (path_known) return control::HttpResponse::error(405, request.method + " is not allowed on " + request.path);
    return control::HttpResponse::error(404, "no API route " + request.path);
  }

  if (is_mutation(request.method)) {
    if (auto refusal = check_csrf(request)) return *refusal;
    if (!request.body.empty()) {
      context.body = nlohmann::json::parse(request.body, nullptr, false);
      if (context.body.is_discarded() || !context.body.is_object()) {
        return control::HttpResponse::error(400, "the request body is not a JSON object");
      }
    }
  }

  if (route->roles != 0) {
    context.session = sessions_.resume(cookie_value(request.cookie, kSessionCookieName), now);
    if (!context.session) return control::HttpResponse::error(401, "sign in first: no session, or it has expired");
    if ((route->roles & role_bit(context.staff().role)) == 0) {
      context.audit("access_refused", request.method + " " + request.path, "role not allowed",
                    context.staff().centre_id);
      log::warn("staff_api", "access_refused",
                {{"account_id", context.staff().id}, {"path", request.path}, {"reason", "role"}});
      return control::HttpResponse::error(
          403, "the " + std::string(to_string(context.staff().role)) + " role may not " + request.method + " " + request.path);
    }
  }
  return route->handler(context);
}

}  // namespace sightline::policy::api

// Sign-in, sign-out and the signed-in account.
#include "policy/api/api_routes.h"
#include "relay/base/log.h"

namespace sightline::policy::api::routes {
namespace {

nlohmann::json account_json(const StaffAccount& account) {
  return {{"username", account.username}, {"role", to_string(account.role)}, {"centre_id", json_id(account.centre_id)}};
}

void audit_sign_in(ApiContext& context, const std::string& username, const StaffAccount* account,
                   const std::string& action, const std::string& detail) {
  AuditEntry entry;
  entry.username = username;
  entry.role = account ? std::string(to_string(account->role)) : "";
  entry.centre_id = account ? account->centre_id : std::nullopt;
  entry.action = action;
  entry.target = "session";
  entry.detail = detail;
  entry.created_at = context.now;
  context.api.audit_log().append(entry);
}

}  // namespace

control::HttpResponse sign_in(ApiContext& context) {
  const std::string username = context.text("username");
  const std::string password = context.text("password");
  const std::string address = address_without_port(context.request.remote_address);

  // `sightline user reset-password` and `enable` run in another process and
  // record in the store when they cleared the account's lockout.
  if (auto cleared_at = context.accounts().lockout_cleared_at(username)) {
    context.throttle().forget_username_failures(username, *cleared_at);
  }
  const auto wait = context.throttle().retry_after(username, address, context.now);
  if (wait.count() > 0) {
    audit_sign_in(context, username, nullptr, "sign_in_throttled", "from " + address);
    const auto minutes = (wait.count() + 59) / 60;
    auto response = control::HttpResponse::error(
        429, "too many failed sign-in attempts; try again in " + std::to_string(minutes) + " minute" +
                 (minutes == 1 ? "" : "s") + ", or ask an administrator to reset your password");
    response.headers.emplace_back("Retry-After", std::to_string(wait.count()));
    return response;
  }

  auto account = context.accounts().verify(username, password);
  if (!account) {
    context.throttle().record_failure(username, address, context.now);
    audit_sign_in(context, username, nullptr, "sign_in_failed", "from " + address);
    log::warn("staff_api", "sign_in_failed", {{"address", address}});
    throw ApiError{401, "the username or password is wrong, or the account is disabled", "password", ""};
  }

  context.throttle().record_success(username);
  const std::string session_id = context.sessions().start(*account, context.now);
  audit_sign_in(context, username, &*account, "sign_in", "from " + address);
  log::info("staff_api", "signed_in", {{"account_id", account->id}});
  auto response = json_response(200, account_json(*account));
  response.headers.emplace_back("Set-Cookie", context.sessions().cookie_for(session_id));
  return response;
}

control::HttpResponse sign_out(ApiContext& context) {
  context.sessions().end(cookie_value(context.request.cookie, kSessionCookieName));
  context.audit("sign_out", "session", "", context.staff().centre_id);
  control::HttpResponse response{204, "application/json", "", {}};
  response.headers.emplace_back("Set-Cookie", StaffSessions::clearing_cookie());
  return response;
}

control::HttpResponse me(ApiContext& context) { return json_response(200, account_json(context.staff())); }

}  // namespace sightline::policy::api::routes

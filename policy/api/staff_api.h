// The staff HTTP API: JSON under /api/ for the admin pages and the console,
// and the admin pages themselves under /admin/. Every route checks the
// session, the role and the centre scope on the server, and every change is
// written to the staff audit log. The rules themselves live in policy/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/api/sign_in_throttle.h"
#include "policy/api/staff_accounts.h"
#include "policy/api/staff_audit_log.h"
#include "policy/api/staff_sessions.h"
#include "policy/join_token.h"
#include "policy/store.h"
#include "policy/utc_time.h"
#include "relay/control/control_server.h"

namespace sightline::policy::api {

struct StaffApiConfig {
  SqlDialect dialect = SqlDialect::sqlite;
  // A mutation whose Origin header is neither http(s)://<Host header> nor
  // one of these origins (scheme://host[:port], for a proxy that rewrites
  // Host) is rejected with 403. A request without an Origin header passes.
  std::vector<std::string> allowed_origins;
  // The HMAC secret of join tokens (at least kJoinSecretMinBytes). When
  // empty, bookings are made but no join links are issued.
  std::vector<uint8_t> join_secret;
  // The join link is this prefix followed by the token, e.g.
  // "https://calls.example.org/call/?token=".
  std::string join_link_prefix = "/call/?token=";
  // The folder of the admin pages (web/admin); empty serves no pages.
  std::filesystem::path admin_root;
  PasswordHashLimits password_limits = PasswordHashLimits::interactive();
  SignInLimits sign_in_limits;
  SessionLimits session_limits;
};

class ApiContext;

class StaffApi {
 public:
  // The store must outlive the API. Installs the audit log guard triggers.
  StaffApi(Store& store, StaffApiConfig config);
  ~StaffApi();
  StaffApi(const StaffApi&) = delete;
  StaffApi& operator=(const StaffApi&) = delete;

  // Serves /api/... and /admin/...; returns nullopt for any other path so
  // that the caller can fall through to its own routes. Every rule decision
  // of one request sees the same instant `now`.
  std::optional<control::HttpResponse> handle(const control::HttpRequestInfo& request, UtcTime now);

  StaffAccounts& accounts() { return accounts_; }
  StaffSessions& sessions() { return sessions_; }
  StaffAuditLog& audit_log() { return audit_log_; }
  // True when the Origin header is http(s)://<Host header> or one of allowed_origins.
  bool origin_allowed(const control::HttpRequestInfo& request) const;

 private:
  control::HttpResponse dispatch(const control::HttpRequestInfo& request, UtcTime now);
  std::optional<control::HttpResponse> check_csrf(const control::HttpRequestInfo& request) const;

  Store& store_;
  StaffApiConfig config_;
  StaffAccounts accounts_;
  StaffSessions sessions_;
  StaffAuditLog audit_log_;
  SignInThrottle throttle_;
  std::unique_ptr<JoinTokens> join_tokens_;

  friend class ApiContext;
};

}  // namespace sightline::policy::api

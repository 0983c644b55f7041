// Staff sign-in sessions: a random 256-bit id in a cookie, of which the store
// keeps only the SHA-256 hash, with a sliding idle expiry and an absolute
// lifetime. Disabling an account or resetting its password ends its sessions.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "policy/api/staff_accounts.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy::api {

// The name of the session cookie.
constexpr std::string_view kSessionCookieName = "sightline_session";

struct SessionLimits {
  // A session unused for this long ends.
  std::chrono::seconds idle{std::chrono::hours(12)};
  // A session ends this long after sign-in however much it is used.
  std::chrono::seconds absolute{std::chrono::hours(24)};
};

struct StaffSession {
  std::string id_hash;
  StaffAccount account;
  UtcTime created_at;
};

class StaffSessions {
 public:
  StaffSessions(Store& store, SessionLimits limits = {}) : store_(store), limits_(limits) {}

  // Starts a session and returns its id for the cookie; only its hash is stored.
  std::string start(const StaffAccount& account, UtcTime now);
  // Finds the live session of an id from a cookie and extends its idle
  // expiry. Expired sessions and sessions of disabled accounts are removed.
  std::optional<StaffSession> resume(const std::string& session_id, UtcTime now);
  void end(const std::string& session_id);

  // The Set-Cookie values that set and clear the session cookie.
  std::string cookie_for(const std::string& session_id) const;
  static std::string clearing_cookie();

 private:
  Store& store_;
  SessionLimits limits_;
};

// The value of the named cookie in a Cookie header; empty when absent.
std::string cookie_value(const std::string& cookie_header, std::string_view name);

}  // namespace sightline::policy::api

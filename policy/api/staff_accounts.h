// Staff accounts: a username, a role, the centre the account belongs to
// (none for compliance and admin, who see every centre) and an Argon2id
// password hash from libsodium.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/refusal.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy::api {

enum class StaffRole { dco, security, manager, compliance, admin };
std::string_view to_string(StaffRole role);
std::optional<StaffRole> parse_staff_role(std::string_view text);
// Compliance and admin accounts see every centre; the others see one.
bool sees_all_centres(StaffRole role);

struct StaffAccount {
  int64_t id;
  std::string username;
  StaffRole role;
  std::optional<int64_t> centre_id;  // empty for compliance and admin
  bool disabled;
};

// Argon2id cost parameters (libsodium crypto_pwhash). The defaults are
// libsodium's "interactive" limits; tests pass the minimums to stay fast.
struct PasswordHashLimits {
  unsigned long long ops_limit;
  size_t memory_limit_bytes;

  static PasswordHashLimits interactive();
  static PasswordHashLimits minimum();
};

// Passwords shorter than this are rejected when an account is created or reset.
constexpr size_t kMinimumPasswordLength = 12;

class StaffAccounts {
 public:
  StaffAccounts(Store& store, PasswordHashLimits limits = PasswordHashLimits::interactive());

  // Rejects an unknown role, a missing or unknown centre for a centre role,
  // a centre for compliance and admin, a short password and a taken username.
  Result<int64_t> add(const std::string& username, StaffRole role, std::optional<int64_t> centre_id,
                      const std::string& password, UtcTime now);
  std::vector<StaffAccount> list();
  std::optional<StaffAccount> find(const std::string& username);
  std::optional<StaffAccount> find(int64_t id);

  // Disabling an account also ends all of its sessions.
  Result<int64_t> disable(const std::string& username);
  // Enables a disabled account and clears its sign-in lockout (see
  // lockout_cleared_at). Enabling an enabled account only clears the lockout.
  Result<int64_t> enable(const std::string& username, UtcTime now);
  // Sets a new password, ends all sessions of the account and clears its
  // sign-in lockout.
  Result<int64_t> reset_password(const std::string& username, const std::string& password, UtcTime now);

  // When the account was last added, had its password reset or was enabled:
  // failed sign-ins of the username before this instant no longer count. Nothing for an unknown username or an account never changed since
  // schema migration 5. The sign-in throttle reads this on every attempt,
  // because `sightline user` writes it from another process.
  std::optional<UtcTime> lockout_cleared_at(const std::string& username);

  // Checks the password of an enabled account. Unknown and disabled accounts
  // cost the same hash computation, so response time does not reveal them.
  std::optional<StaffAccount> verify(const std::string& username, const std::string& password);

 private:
  std::optional<std::string> hash(const std::string& password);

  Store& store_;
  PasswordHashLimits limits_;
  std::string dummy_hash_;  // verified against when the username is unknown
};

}  // namespace sightline::policy::api

// Rate limiting of failed staff sign-ins, per username and per remote
// address, over a sliding window. Kept in memory: a restart forgets recent
// failures, which at most grants an attacker one more window of attempts.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

#include "policy/utc_time.h"

namespace sightline::policy::api {

struct SignInLimits {
  size_t max_failures_per_username = 5;
  // Higher than per username because several officers may share one
  // address behind a centre's network gateway.
  size_t max_failures_per_address = 20;
  std::chrono::seconds window{std::chrono::minutes(15)};
};

class SignInThrottle {
 public:
  explicit SignInThrottle(SignInLimits limits = {}) : limits_(limits) {}

  // How long until another attempt is allowed for this username and
  // address; zero when an attempt is allowed now.
  std::chrono::seconds retry_after(const std::string& username, const std::string& address, UtcTime now);
  void record_failure(const std::string& username, const std::string& address, UtcTime now);
  // A successful sign-in clears the username's failures, not the address's.
  void record_success(const std::string& username);
  // Forgets the username's failures before `cleared_at`, the instant an
  // administrator reset the account's password or enabled it. Failures in
  // that same second still count, and so do the address's failures.
  void forget_username_failures(const std::string& username, UtcTime cleared_at);

 private:
  using Failures = std::deque<UtcTime>;
  std::chrono::seconds wait_for(Failures& failures, size_t limit, UtcTime now);

  SignInLimits limits_;
  std::unordered_map<std::string, Failures> by_username_;
  std::unordered_map<std::string, Failures> by_address_;
};

// The address part of "127.0.0.1:50000" or "[::1]:50000".
std::string address_without_port(const std::string& remote_address);

}  // namespace sightline::policy::api

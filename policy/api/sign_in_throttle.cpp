// Sliding-window counts of failed sign-ins.
#include "policy/api/sign_in_throttle.h"

#include <algorithm>

namespace sightline::policy::api {

std::chrono::seconds SignInThrottle::wait_for(Failures& failures, size_t limit, UtcTime now) {
  while (!failures.empty() && failures.front() + limits_.window <= now) failures.pop_front();
  if (failures.size() < limit) return std::chrono::seconds{0};
  // The oldest failure that still counts must leave the window first.
  const size_t oldest_counted = failures.size() - limit;
  return std::max(std::chrono::seconds{1}, failures[oldest_counted] + limits_.window - now);
}

std::chrono::seconds SignInThrottle::retry_after(const std::string& username, const std::string& address,
                                                 UtcTime now) {
  const auto user_wait = wait_for(by_username_[username], limits_.max_failures_per_username, now);
  const auto address_wait = wait_for(by_address_[address], limits_.max_failures_per_address, now);
  // Drop emptied entries so that guessed usernames do not accumulate.
  if (by_username_[username].empty()) by_username_.erase(username);
  if (by_address_[address].empty()) by_address_.erase(address);
  return std::max(user_wait, address_wait);
}

void SignInThrottle::record_failure(const std::string& username, const std::string& address, UtcTime now) {
  by_username_[username].push_back(now);
  by_address_[address].push_back(now);
}

void SignInThrottle::record_success(const std::string& username) { by_username_.erase(username); }

void SignInThrottle::forget_username_failures(const std::string& username, UtcTime cleared_at) {
  auto it = by_username_.find(username);
  if (it == by_username_.end()) return;
  Failures& failures = it->second;
  // Failures are appended in time order, so the forgotten ones lead.
  while (!failures.empty() && failures.front() < cleared_at) failures.pop_front();
  if (failures.empty()) by_username_.erase(it);
}

std::string address_without_port(const std::string& remote_address) {
  if (!remote_address.empty() && remote_address.front() == '[') {
    const size_t close = remote_address.find(']');
    return close == std::string::npos ? remote_address : remote_address.substr(1, close - 1);
  }
  const size_t colon = remote_address.rfind(':');
  return colon == std::string::npos ? remote_address : remote_address.substr(0, colon);
}

}  // namespace sightline::policy::api

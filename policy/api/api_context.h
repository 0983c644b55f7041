// Internal to policy/api: the state of one staff API request and the checks
// every route shares (body fields, centre scope, audit, rule refusals).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/api/staff_api.h"
#include "policy/refusal.h"

namespace sightline::policy::api {

// Thrown inside a route to end the request with a JSON error; StaffApi::handle
// catches it, so it never leaves the API.
struct ApiError {
  int status;
  std::string message;
  std::string field;  // the body field at fault (400), else empty
  std::string code;   // the rule's refusal code (422), else empty
  nlohmann::json extra = nlohmann::json::object();
};

// A clock fixed at the instant of the request, handed to the rule classes.
class RequestClock final : public Clock {
 public:
  explicit RequestClock(UtcTime now) : now_(now) {}
  UtcTime now() const override { return now_; }

 private:
  UtcTime now_;
};

constexpr uint32_t role_bit(StaffRole role) { return 1u << static_cast<unsigned>(role); }
constexpr uint32_t kAnyRole = role_bit(StaffRole::dco) | role_bit(StaffRole::security) | role_bit(StaffRole::manager) |
                              role_bit(StaffRole::compliance) | role_bit(StaffRole::admin);

class ApiContext {
 public:
  ApiContext(StaffApi& owner, const control::HttpRequestInfo& http_request, UtcTime request_time)
      : api(owner), store(owner.store_), request(http_request), now(request_time), clock(request_time) {}

  StaffApi& api;
  Store& store;
  const control::HttpRequestInfo& request;
  const UtcTime now;
  const RequestClock clock;
  std::optional<StaffSession> session;  // set for every route except sign-in
  std::vector<std::string> params;      // the path's {id} segments, in order
  nlohmann::json body = nlohmann::json::object();

  const StaffAccount& staff() const { return session->account; }
  StaffAccounts& accounts() { return api.accounts_; }
  StaffSessions& sessions() { return api.sessions_; }
  SignInThrottle& throttle() { return api.throttle_; }
  JoinTokens* join_tokens() { return api.join_tokens_.get(); }
  const StaffApiConfig& config() const { return api.config_; }

  // Body fields. Each throws ApiError 400 naming the field when it is
  // missing, empty or of the wrong type.
  std::string text(const char* field) const;
  std::string optional_text(const char* field) const;
  int64_t id(const char* field) const;
  std::optional<int64_t> optional_id(const char* field) const;
  bool flag(const char* field) const;
  UtcTime instant(const char* field) const;  // "2026-03-04T10:00:00Z"
  std::chrono::year_month_day date(const char* field) const;
  // The n-th {id} of the path; 404 when it is not a number.
  int64_t path_id(size_t index) const;

  // Throws ApiError 403, and writes "access_refused" to the audit log, when
  // the signed-in account may not act on records of `centre_id`.
  void require_centre(std::optional<int64_t> centre_id, const std::string& target);
  // The centre a listing shows: the account's own, or for compliance and
  // admin the ?centre_id= query parameter (nullopt lists every centre).
  std::optional<int64_t> listing_centre() const;
  // The centre of a detained individual after the scope check; 404 when unknown.
  int64_t scoped_individual(int64_t detained_individual_id);

  // Appends one staff audit log entry for the signed-in account.
  void audit(const std::string& action, const std::string& target, const std::string& detail,
             std::optional<int64_t> centre_id, const std::string& call_id = "");

  // Throws the ApiError for a rule's refusal: 404 for not_found, 400 (with
  // `field`) for invalid_input, 422 with the code for every other refusal.
  [[noreturn]] void refuse(const Refusal& refusal, const std::string& field = "") const;
};

// Route handlers take the request and return the response or throw ApiError.
using RouteHandler = control::HttpResponse (*)(ApiContext&);

inline control::HttpResponse json_response(int status, const nlohmann::json& body) {
  return control::HttpResponse::json(status, body);
}

// Converts ids that may be absent to JSON null.
inline nlohmann::json json_id(std::optional<int64_t> id) { return id ? nlohmann::json(*id) : nlohmann::json(); }

}  // namespace sightline::policy::api

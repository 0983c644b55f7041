// Shared checks of staff API routes.
#include "policy/api/api_context.h"

#include <charconv>

#include "relay/base/log.h"

namespace sightline::policy::api {
namespace {

[[noreturn]] void invalid(const char* field, const std::string& message) { throw ApiError{400, message, field, ""}; }

const nlohmann::json* find(const nlohmann::json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<int64_t> parse_id(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

}  // namespace

std::string ApiContext::text(const char* field) const {
  std::string value = optional_text(field);
  if (value.empty()) invalid(field, std::string(field) + " is missing; fill it in and submit again");
  return value;
}

std::string ApiContext::optional_text(const char* field) const {
  const nlohmann::json* value = find(body, field);
  if (!value) return "";
  if (!value->is_string()) invalid(field, std::string(field) + " must be text");
  return value->get<std::string>();
}

std::optional<int64_t> ApiContext::optional_id(const char* field) const {
  const nlohmann::json* value = find(body, field);
  if (!value) return std::nullopt;
  if (value->is_number_integer() && value->get<int64_t>() > 0) return value->get<int64_t>();
  // HTML form values arrive as text.
  if (value->is_string()) {
    if (value->get<std::string>().empty()) return std::nullopt;
    if (auto id = parse_id(value->get<std::string>())) return id;
  }
  invalid(field, std::string(field) + " must be a positive whole number");
}

int64_t ApiContext::id(const char* field) const {
  auto value = optional_id(field);
  if (!value) invalid(field, std::string(field) + " is missing; choose one and submit again");
  return *value;
}

bool ApiContext::flag(const char* field) const {
  const nlohmann::json* value = find(body, field);
  if (!value) return false;
  if (!value->is_boolean()) invalid(field, std::string(field) + " must be true or false");
  return value->get<bool>();
}

UtcTime ApiContext::instant(const char* field) const {
  const std::string value = text(field);
  auto parsed = parse_utc(value);
  if (!parsed) invalid(field, std::string(field) + " \"" + value + "\" is not a UTC time like 2026-03-04T10:00:00Z");
  return *parsed;
}

std::chrono::year_month_day ApiContext::date(const char* field) const {
  const std::string value = text(field);
  auto parsed = parse_date(value);
  if (!parsed) invalid(field, std::string(field) + " \"" + value + "\" is not a date like 2026-03-04");
  return *parsed;
}

int64_t ApiContext::path_id(size_t index) const {
  auto id = index < params.size() ? parse_id(params[index]) : std::nullopt;
  if (!id) throw ApiError{404, "no record " + (index < params.size() ? params[index] : std::string()) + " here", "", ""};
  return *id;
}

void ApiContext::require_centre(std::optional<int64_t> centre_id, const std::string& target) {
  if (sees_all_centres(staff().role)) return;
  if (centre_id && staff().centre_id == centre_id) return;
  audit("access_refused", target, request.method + " " + request.path + ": outside the account's centre", centre_id);
  log::warn("staff_api", "access_refused",
            {{"account_id", staff().id}, {"target", target}, {"path", request.path}, {"reason", "centre scope"}});
  throw ApiError{403, "you may not see or change records of another centre", "", ""};
}

std::optional<int64_t> ApiContext::listing_centre() const {
  if (!sees_all_centres(staff().role)) return staff().centre_id;
  auto it = request.query.find("centre_id");
  if (it == request.query.end() || it->second.empty()) return std::nullopt;
  auto id = parse_id(it->second);
  if (!id) throw ApiError{400, "centre_id must be a positive whole number", "centre_id", ""};
  return id;
}

int64_t ApiContext::scoped_individual(int64_t detained_individual_id) {
  auto rows = store.query("SELECT centre_id FROM detained_individuals WHERE id = ?", {detained_individual_id});
  if (rows.empty()) {
    throw ApiError{404, "detained individual " + std::to_string(detained_individual_id) + " not found",
                   "detained_individual_id", ""};
  }
  const int64_t centre_id = rows[0].integer(0);
  require_centre(centre_id, "detained individual " + std::to_string(detained_individual_id));
  return centre_id;
}

void ApiContext::audit(const std::string& action, const std::string& target, const std::string& detail,
                       std::optional<int64_t> centre_id, const std::string& call_id) {
  AuditEntry entry;
  entry.username = staff().username;
  entry.role = std::string(to_string(staff().role));
  entry.centre_id = centre_id;
  entry.action = action;
  entry.target = target;
  entry.call_id = call_id;
  entry.detail = detail;
  entry.created_at = now;
  api.audit_log_.append(entry);
}

void ApiContext::refuse(const Refusal& refusal, const std::string& field) const {
  switch (refusal.code) {
    case RefusalCode::not_found: throw ApiError{404, refusal.reason, field, std::string(to_string(refusal.code))};
    case RefusalCode::invalid_input: throw ApiError{400, refusal.reason, field, std::string(to_string(refusal.code))};
    default: throw ApiError{422, refusal.reason, "", std::string(to_string(refusal.code))};
  }
}

}  // namespace sightline::policy::api

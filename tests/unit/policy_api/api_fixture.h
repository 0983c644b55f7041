// A staff API over an in-memory policy store on a fake clock: two centres
// (A and B, open 08:00 to 20:00 in Europe/London), one detained individual in
// each with a compact, a risk assessment and an approved caller, and one
// account per role. Requests go straight to StaffApi::handle.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "policy/api/staff_api.h"
#include "policy/compact.h"
#include "policy/records.h"
#include "policy/risk_assessment.h"
#include "policy/sqlite_store.h"

namespace sightline::policy::api {

inline UtcTime at(const char* text) { return parse_utc(text).value(); }

constexpr const char* kPassword = "correct horse battery";
constexpr const char* kOrigin = "https://sightline.test";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = SqliteStore::open(":memory:");
    Records records(*store, clock);
    std::vector<OpeningWindow> windows;
    for (int weekday = 0; weekday < 7; ++weekday) windows.push_back({weekday, 8 * 60, 20 * 60});
    centre_a = records.add_centre("Harmondsworth", "Europe/London", windows).value();
    centre_b = records.add_centre("Colnbrook", "Europe/London", windows).value();
    person_a = add_person(centre_a, "HMD-0412", "Amara Okafor");
    person_b = add_person(centre_b, "CBK-0077", "Yusuf Haddad");
    caller_a = approved_caller(person_a, "Chidi Okafor");
    caller_b = approved_caller(person_b, "Lina Haddad");

    StaffApiConfig config;
    config.allowed_origins = {kOrigin};
    config.join_secret.assign(32, 0x5a);
    config.admin_root = SIGHTLINE_SOURCE_DIR "/web/admin";
    config.password_limits = PasswordHashLimits::minimum();
    api = std::make_unique<StaffApi>(*store, config);
    add_account("dco.a", StaffRole::dco, centre_a);
    add_account("dco.b", StaffRole::dco, centre_b);
    add_account("security.a", StaffRole::security, centre_a);
    add_account("manager.a", StaffRole::manager, centre_a);
    add_account("manager2.a", StaffRole::manager, centre_a);
    add_account("compliance", StaffRole::compliance, std::nullopt);
    add_account("admin", StaffRole::admin, std::nullopt);
  }

  int64_t add_person(int64_t centre, const char* reference, const char* name) {
    const int64_t id = Records(*store, clock).add_detained_individual(centre, reference, name, name).value();
    EXPECT_TRUE(Compacts(*store, clock).record({id, std::chrono::year{2026} / 2 / 27, "English", false, "DCO Patel"}).ok());
    EXPECT_TRUE(RiskAssessments(*store, clock).record(id, "DCO Patel", std::chrono::year{2026} / 8 / 1).ok());
    return id;
  }

  int64_t approved_caller(int64_t person, const char* name) {
    const int64_t id = Records(*store, clock).add_caller(person, name, "sibling", "caller@example.org").value();
    EXPECT_TRUE(RiskAssessments(*store, clock).approve_recipient(id, "Security Officer Lee", "none").ok());
    return id;
  }

  void add_account(const std::string& username, StaffRole role, std::optional<int64_t> centre) {
    ASSERT_TRUE(api->accounts().add(username, role, centre, kPassword, clock.now()).ok()) << username;
  }

  control::HttpRequestInfo request(const std::string& method, const std::string& path, const nlohmann::json& body,
                                   const std::string& cookie) {
    control::HttpRequestInfo info;
    info.method = method;
    // The server passes the path and the query parameters separately.
    const size_t question = path.find('?');
    info.path = path.substr(0, question);
    if (question != std::string::npos) {
      std::string query = path.substr(question + 1);
      while (!query.empty()) {
        const size_t ampersand = query.find('&');
        const std::string pair = query.substr(0, ampersand);
        const size_t equals = pair.find('=');
        info.query[pair.substr(0, equals)] = equals == std::string::npos ? "" : pair.substr(equals + 1);
        query = ampersand == std::string::npos ? "" : query.substr(ampersand + 1);
      }
    }
    info.cookie = cookie;
    info.remote_address = "127.0.0.1:50000";
    if (method != "GET") {
      info.content_type = "application/json";
      info.origin = kOrigin;
      info.body = body.is_null() ? "" : body.dump();
    }
    return info;
  }

  control::HttpResponse send(const control::HttpRequestInfo& info) {
    auto response = api->handle(info, clock.now());
    EXPECT_TRUE(response.has_value()) << info.path;
    return response.value_or(control::HttpResponse{});
  }

  control::HttpResponse call(const std::string& method, const std::string& path, const std::string& cookie,
                             const nlohmann::json& body = nullptr) {
    return send(request(method, path, body, cookie));
  }

  // Signs in and returns the Cookie header value for later requests.
  std::string sign_in(const std::string& username, const std::string& password = kPassword) {
    auto response = call("POST", "/api/session", "", {{"username", username}, {"password", password}});
    EXPECT_EQ(response.status, 200) << response.body;
    for (const auto& [name, value] : response.headers) {
      if (name == "Set-Cookie") return value.substr(0, value.find(';'));
    }
    return "";
  }

  static nlohmann::json json_of(const control::HttpResponse& response) { return nlohmann::json::parse(response.body); }

  int64_t audit_count(const std::string& action) {
    return store->query("SELECT COUNT(*) FROM staff_audit_log WHERE action = ?", {action}).at(0).integer(0);
  }

  // Monday 2 March 2026, 09:00 GMT.
  FakeClock clock{at("2026-03-02T09:00:00Z")};
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<StaffApi> api;
  int64_t centre_a = 0;
  int64_t centre_b = 0;
  int64_t person_a = 0;
  int64_t person_b = 0;
  int64_t caller_a = 0;
  int64_t caller_b = 0;
};

}  // namespace sightline::policy::api

// The staff audit log: every change is logged, and entries cannot be changed
// or deleted, neither in the database nor through any API route.
#include <gtest/gtest.h>

#include "tests/unit/policy_api/api_fixture.h"

namespace sightline::policy::api {
namespace {

using AuditLogTest = ApiTest;

TEST_F(AuditLogTest, DatabaseRejectsUpdate) {
  sign_in("dco.a");
  ASSERT_EQ(audit_count("sign_in"), 1);
  EXPECT_THROW(store->execute("UPDATE staff_audit_log SET username = 'someone else'"), StoreError);
  EXPECT_EQ(store->query("SELECT username FROM staff_audit_log WHERE action = 'sign_in'").at(0).text(0), "dco.a");
}

TEST_F(AuditLogTest, DatabaseRejectsDelete) {
  sign_in("dco.a");
  EXPECT_THROW(store->execute("DELETE FROM staff_audit_log"), StoreError);
  EXPECT_EQ(audit_count("sign_in"), 1);
}

TEST_F(AuditLogTest, GuardSurvivesReinstall) {
  sign_in("dco.a");
  // A second API over the same store installs the guard again without error.
  StaffApiConfig config;
  config.password_limits = PasswordHashLimits::minimum();
  StaffApi second(*store, config);
  EXPECT_THROW(store->execute("DELETE FROM staff_audit_log"), StoreError);
  EXPECT_EQ(audit_count("sign_in"), 1);
}

TEST_F(AuditLogTest, PostgresGuardUsesPlpgsqlTriggers) {
  const auto statements = audit_log_guard_sql(SqlDialect::postgresql);
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_NE(statements[0].find("LANGUAGE plpgsql"), std::string_view::npos);
  EXPECT_NE(statements[1].find("BEFORE UPDATE OR DELETE ON staff_audit_log"), std::string_view::npos);
  EXPECT_NE(statements[2].find("BEFORE TRUNCATE ON staff_audit_log"), std::string_view::npos);
}

TEST_F(AuditLogTest, NoRouteChangesEntries) {
  const std::string admin = sign_in("admin");
  for (const char* method : {"DELETE", "PUT", "PATCH", "POST"}) {
    auto response = call(method, "/api/audit-log", admin, nlohmann::json::object());
    EXPECT_EQ(response.status, 405) << method;
  }
  EXPECT_EQ(call("DELETE", "/api/audit-log/1", admin).status, 404);
  EXPECT_EQ(audit_count("sign_in"), 1);
}

TEST_F(AuditLogTest, RecordsWhoWhatWhere) {
  const std::string cookie = sign_in("dco.a");
  ASSERT_EQ(call("POST", "/api/detained-individuals", cookie,
                 {{"centre_reference", "HMD-0500"}, {"recorded_name", "Samir Aziz"}, {"log_name", "S. Aziz"}}).status, 201);
  auto entries = api->audit_log().recent(1);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].username, "dco.a");
  EXPECT_EQ(entries[0].role, "dco");
  EXPECT_EQ(entries[0].centre_id, centre_a);
  EXPECT_EQ(entries[0].action, "detained_individual_added");
  EXPECT_EQ(entries[0].detail, "");
  EXPECT_EQ(entries[0].created_at, clock.now());
}

TEST_F(AuditLogTest, ListsForComplianceOnly) {
  sign_in("dco.a");
  auto listed = call("GET", "/api/audit-log", sign_in("compliance"));
  ASSERT_EQ(listed.status, 200);
  EXPECT_GE(json_of(listed)["entries"].size(), 2u);
  EXPECT_EQ(call("GET", "/api/audit-log", sign_in("dco.a")).status, 403);
}

TEST_F(AuditLogTest, FiltersByActionAndCall) {
  AuditEntry entry;
  entry.username = "dco.a";
  entry.role = "dco";
  entry.centre_id = centre_a;
  entry.target = "welfare check 1";
  entry.created_at = clock.now();
  entry.action = "welfare_check_requested";
  entry.call_id = "booking-1";
  api->audit_log().append(entry);
  entry.call_id = "booking-2";
  api->audit_log().append(entry);
  entry.action = "welfare_check_completed";
  api->audit_log().append(entry);

  const std::string compliance = sign_in("compliance");
  auto by_action = json_of(call("GET", "/api/audit-log?action=welfare_check_requested", compliance))["entries"];
  ASSERT_EQ(by_action.size(), 2u);
  // Newest first.
  EXPECT_EQ(by_action[0]["call_id"], "booking-2");
  EXPECT_EQ(by_action[1]["call_id"], "booking-1");

  auto by_call = json_of(call("GET", "/api/audit-log?call_id=booking-2", compliance))["entries"];
  ASSERT_EQ(by_call.size(), 2u);
  EXPECT_EQ(by_call[0]["action"], "welfare_check_completed");

  auto both = json_of(call("GET", "/api/audit-log?action=welfare_check_completed&call_id=booking-1", compliance));
  EXPECT_EQ(both["entries"].size(), 0u);
}

TEST_F(AuditLogTest, ManagerSeesOwnCentreOnly) {
  sign_in("dco.b");
  sign_in("dco.a");
  auto listed = call("GET", "/api/audit-log?action=sign_in", sign_in("manager.a"));
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto entries = json_of(listed)["entries"];
  ASSERT_EQ(entries.size(), 2u);
  for (const auto& item : entries) EXPECT_EQ(item["centre_id"], centre_a) << item.dump();
  EXPECT_EQ(call("GET", "/api/audit-log", sign_in("security.a")).status, 403);
}

}  // namespace
}  // namespace sightline::policy::api

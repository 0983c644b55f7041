// Roles and centre scope: a DCO of centre A can neither read nor act on the
// records of centre B, and each refusal is written to the audit log.
#include <gtest/gtest.h>

#include "tests/unit/policy_api/api_fixture.h"

namespace sightline::policy::api {
namespace {

using ScopingTest = ApiTest;

TEST_F(ScopingTest, RequiresSession) {
  EXPECT_EQ(call("GET", "/api/detained-individuals", "").status, 401);
  EXPECT_EQ(call("GET", "/api/detained-individuals", "sightline_session=" + std::string(64, 'a')).status, 401);
  EXPECT_EQ(call("POST", "/api/bookings", "", nlohmann::json::object()).status, 401);
}

TEST_F(ScopingTest, ListsOwnCentreOnly) {
  const std::string cookie = sign_in("dco.a");
  auto people = json_of(call("GET", "/api/detained-individuals?centre_id=" + std::to_string(centre_b), cookie));
  ASSERT_EQ(people["detained_individuals"].size(), 1u);
  EXPECT_EQ(people["detained_individuals"][0]["id"], person_a);
  auto centres = json_of(call("GET", "/api/centres", cookie));
  ASSERT_EQ(centres["centres"].size(), 1u);
  EXPECT_EQ(centres["centres"][0]["id"], centre_a);
}

TEST_F(ScopingTest, RefusesReadOfOtherCentre) {
  const std::string cookie = sign_in("dco.a");
  auto response = call("GET", "/api/detained-individuals/" + std::to_string(person_b), cookie);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(audit_count("access_refused"), 1);
  auto entry = api->audit_log().recent(1).at(0);
  EXPECT_EQ(entry.username, "dco.a");
  EXPECT_EQ(entry.target, "detained individual " + std::to_string(person_b));
  EXPECT_EQ(entry.centre_id, centre_b);
}

TEST_F(ScopingTest, RefusesActionsOnOtherCentre) {
  const std::string cookie = sign_in("dco.a");
  const std::string b = std::to_string(person_b);
  EXPECT_EQ(call("POST", "/api/detained-individuals/" + b + "/compact", cookie,
                 {{"signed_on", "2026-03-01"}, {"language", "Arabic"}, {"witnessing_officer", "dco.a"}}).status, 403);
  EXPECT_EQ(call("POST", "/api/detained-individuals/" + b + "/recipients", cookie,
                 {{"kind", "social"}, {"full_name", "X"}, {"relationship", "friend"}, {"contact", "x@example.org"}}).status, 403);
  EXPECT_EQ(call("POST", "/api/bookings", cookie,
                 {{"detained_individual_id", person_b}, {"recipient_id", caller_b}, {"terminal", "t1"},
                  {"slot_start", "2026-03-04T10:00:00Z"}}).status, 403);
  EXPECT_EQ(call("POST", "/api/detained-individuals", cookie,
                 {{"centre_id", centre_b}, {"centre_reference", "CBK-1"}, {"recorded_name", "X"}, {"log_name", "X"}}).status, 403);
  EXPECT_EQ(audit_count("access_refused"), 4);
  // Nothing was written for centre B.
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM bookings").at(0).integer(0), 0);
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM detained_individuals WHERE centre_id = ?", {centre_b}).at(0).integer(0), 1);
}

TEST_F(ScopingTest, ComplianceSeesAllCentres) {
  const std::string cookie = sign_in("compliance");
  EXPECT_EQ(json_of(call("GET", "/api/detained-individuals", cookie))["detained_individuals"].size(), 2u);
  auto filtered = json_of(call("GET", "/api/detained-individuals?centre_id=" + std::to_string(centre_b), cookie));
  ASSERT_EQ(filtered["detained_individuals"].size(), 1u);
  EXPECT_EQ(filtered["detained_individuals"][0]["id"], person_b);
  EXPECT_EQ(call("GET", "/api/detained-individuals/" + std::to_string(person_b), cookie).status, 200);
}

TEST_F(ScopingTest, RefusesRoleAndAudits) {
  const std::string dco = sign_in("dco.a");
  EXPECT_EQ(call("POST", "/api/centres", dco, {{"name", "X"}}).status, 403);
  EXPECT_EQ(call("GET", "/api/incident-reports", dco).status, 403);
  EXPECT_EQ(call("POST", "/api/suspensions", dco, nlohmann::json::object()).status, 403);
  EXPECT_EQ(audit_count("access_refused"), 3);
  const std::string security = sign_in("security.a");
  EXPECT_EQ(call("POST", "/api/bookings", security, nlohmann::json::object()).status, 403);
}

TEST_F(ScopingTest, SecurityCannotReviewOtherCentreReport) {
  // A refused booking at centre B creates an incident report there.
  const std::string dco_b = sign_in("dco.b");
  ASSERT_EQ(call("POST", "/api/bookings", dco_b,
                 {{"detained_individual_id", person_b}, {"recipient_id", caller_b}, {"terminal", "t1"},
                  {"slot_start", "2026-03-02T12:00:00Z"}}).status, 422);
  const int64_t report = store->query("SELECT id FROM incident_reports").at(0).integer(0);
  const std::string security = sign_in("security.a");
  EXPECT_TRUE(json_of(call("GET", "/api/incident-reports", security))["incident_reports"].empty());
  EXPECT_EQ(call("POST", "/api/incident-reports/" + std::to_string(report) + "/review", security, nlohmann::json::object()).status, 403);
}

}  // namespace
}  // namespace sightline::policy::api

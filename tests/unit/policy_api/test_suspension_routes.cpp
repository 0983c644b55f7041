// Suspension and appeal routes: authorisation beyond 7 days, notices,
// reviews, appeals decided by another manager, and what is overdue.
#include <gtest/gtest.h>

#include "tests/unit/policy_api/api_fixture.h"

namespace sightline::policy::api {
namespace {

class SuspensionRoutesTest : public ApiTest {
 protected:
  nlohmann::json suspension(const char* ends_at) {
    return {{"detained_individual_id", person_a}, {"category", "recording_call"}, {"reasons", "held a phone up to the screen"},
            {"starts_at", "2026-03-02T09:00:00Z"}, {"ends_at", ends_at}, {"legal_access", "legal calls by telephone"}};
  }

  int64_t suspend_for_a_week() {
    auto response = call("POST", "/api/suspensions", sign_in("manager.a"), suspension("2026-03-09T09:00:00Z"));
    EXPECT_EQ(response.status, 201) << response.body;
    return json_of(response)["id"];
  }
};

TEST_F(SuspensionRoutesTest, ManagerSuspends) {
  const int64_t id = suspend_for_a_week();
  auto listed = json_of(call("GET", "/api/suspensions", sign_in("dco.a")));
  ASSERT_EQ(listed["suspensions"].size(), 1u);
  EXPECT_EQ(listed["suspensions"][0]["id"], id);
  EXPECT_EQ(listed["suspensions"][0]["decided_by"], "manager.a");
  EXPECT_TRUE(listed["suspensions"][0]["reviews_due"].empty());
  EXPECT_EQ(audit_count("suspension_recorded"), 1);
}

TEST_F(SuspensionRoutesTest, EighthDayNeedsComplianceAuthorisation) {
  const std::string manager = sign_in("manager.a");
  auto refused = call("POST", "/api/suspensions", manager, suspension("2026-03-10T09:00:00Z"));
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(json_of(refused)["code"], "authorisation_required");

  auto request = suspension("2026-03-10T09:00:00Z");
  request["authorised_by"] = "manager2.a";
  auto not_compliance = call("POST", "/api/suspensions", manager, request);
  EXPECT_EQ(not_compliance.status, 400);
  EXPECT_EQ(json_of(not_compliance)["field"], "authorised_by");

  request["authorised_by"] = "compliance";
  auto authorised = call("POST", "/api/suspensions", manager, request);
  ASSERT_EQ(authorised.status, 201) << authorised.body;
  EXPECT_EQ(json_of(authorised)["reviews_due"], nlohmann::json::array({"2026-03-09T09:00:00Z"}));
}

TEST_F(SuspensionRoutesTest, SuspensionValidation) {
  const std::string manager = sign_in("manager.a");
  auto request = suspension("2026-03-05T09:00:00Z");
  request["category"] = "disciplinary_sanction";
  auto response = call("POST", "/api/suspensions", manager, request);
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(json_of(response)["code"], "category_not_video_call_use");
  request = suspension("2026-03-05T09:00:00Z");
  request.erase("legal_access");
  EXPECT_EQ(json_of(call("POST", "/api/suspensions", manager, request))["field"], "legal_access");
  response = call("POST", "/api/suspensions", manager, suspension("2026-03-01T09:00:00Z"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json_of(response)["field"], "ends_at");
}

TEST_F(SuspensionRoutesTest, ShowsPrintableNotice) {
  const int64_t id = suspend_for_a_week();
  auto notice = call("GET", "/api/suspensions/" + std::to_string(id) + "/notice", sign_in("dco.a"));
  ASSERT_EQ(notice.status, 200);
  EXPECT_EQ(notice.content_type, "text/html; charset=utf-8");
  EXPECT_NE(notice.body.find("Amara Okafor"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/suspensions/" + std::to_string(id) + "/notice", sign_in("dco.b")).status, 403);
}

TEST_F(SuspensionRoutesTest, RecordsReview) {
  const int64_t id = suspend_for_a_week();
  const std::string path = "/api/suspensions/" + std::to_string(id) + "/reviews";
  const std::string compliance = sign_in("compliance");
  EXPECT_EQ(json_of(call("POST", path, compliance, nlohmann::json::object()))["field"], "outcome");
  EXPECT_EQ(call("POST", path, compliance, {{"outcome", "continue"}}).status, 201);
  EXPECT_EQ(call("POST", path, sign_in("dco.a"), {{"outcome", "continue"}}).status, 403);
}

TEST_F(SuspensionRoutesTest, AppealDecidedByAnotherManager) {
  const int64_t suspension_id = suspend_for_a_week();
  auto lodged = call("POST", "/api/appeals", sign_in("dco.a"), {{"suspension_id", suspension_id}, {"reasons", "it was a mirror"}});
  ASSERT_EQ(lodged.status, 201) << lodged.body;
  EXPECT_EQ(json_of(lodged)["due_at"], "2026-03-04T09:00:00Z");
  const std::string path = "/api/appeals/" + std::to_string(json_of(lodged)["id"].get<int64_t>()) + "/decision";

  auto same = call("POST", path, sign_in("manager.a"), {{"outcome", "upheld"}});
  EXPECT_EQ(same.status, 422);
  EXPECT_EQ(json_of(same)["code"], "same_manager");
  EXPECT_EQ(audit_count("appeal_decision_refused"), 1);

  auto decided = call("POST", path, sign_in("manager2.a"), {{"outcome", "suspension lifted"}});
  ASSERT_EQ(decided.status, 200) << decided.body;
  EXPECT_EQ(json_of(decided)["decided_by"], "manager2.a");
  EXPECT_EQ(json_of(call("POST", path, sign_in("manager2.a"), {{"outcome", "again"}}))["code"], "already_decided");
}

TEST_F(SuspensionRoutesTest, AppealValidation) {
  const int64_t suspension_id = suspend_for_a_week();
  const std::string dco = sign_in("dco.a");
  EXPECT_EQ(json_of(call("POST", "/api/appeals", dco, {{"suspension_id", suspension_id}}))["field"], "reasons");
  EXPECT_EQ(json_of(call("POST", "/api/appeals", dco, {{"reasons", "r"}}))["field"], "suspension_id");
  EXPECT_EQ(call("POST", "/api/appeals", dco, {{"suspension_id", 999}, {"reasons", "r"}}).status, 404);
  EXPECT_EQ(json_of(call("POST", "/api/appeals", dco, {{"suspension_id", suspension_id}, {"reasons", "r"}, {"imminent_removal", 1}}))["field"],
            "imminent_removal");
}

TEST_F(SuspensionRoutesTest, ListsOverdueAppealAfterTwelveHours) {
  const int64_t suspension_id = suspend_for_a_week();
  ASSERT_EQ(call("POST", "/api/appeals", sign_in("dco.a"),
                 {{"suspension_id", suspension_id}, {"reasons", "removal on Friday"}, {"imminent_removal", true}}).status, 201);
  clock.advance(std::chrono::hours(11));
  const std::string manager = sign_in("manager2.a");
  EXPECT_TRUE(json_of(call("GET", "/api/overdue", manager))["appeals"].empty());
  clock.advance(std::chrono::hours(2));
  auto overdue = json_of(call("GET", "/api/overdue", manager));
  ASSERT_EQ(overdue["appeals"].size(), 1u);
  EXPECT_EQ(overdue["appeals"][0]["overdue"], true);
  EXPECT_TRUE(json_of(call("GET", "/api/overdue", sign_in("dco.b")))["appeals"].empty());
}

TEST_F(SuspensionRoutesTest, ListsOverdueWeeklyReview) {
  auto request = suspension("2026-03-30T09:00:00Z");
  request["authorised_by"] = "compliance";
  ASSERT_EQ(call("POST", "/api/suspensions", sign_in("manager.a"), request).status, 201);
  clock.advance(std::chrono::days(7) + std::chrono::hours(1));
  auto overdue = json_of(call("GET", "/api/overdue", sign_in("compliance")));
  ASSERT_EQ(overdue["suspension_reviews"].size(), 1u);
  EXPECT_EQ(overdue["suspension_reviews"][0]["due_at"], "2026-03-09T09:00:00Z");
}

}  // namespace
}  // namespace sightline::policy::api

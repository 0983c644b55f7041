// Welfare checks, alert decision counts and call incidents through the staff
// API, with role and centre refusals.
#include <gtest/gtest.h>

#include <algorithm>

#include "policy/supervision.h"
#include "tests/unit/policy_api/api_fixture.h"

namespace sightline::policy::api {
namespace {

class SupervisionRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    auto booked = call("POST", "/api/bookings", sign_in("dco.a"),
                       {{"detained_individual_id", person_a}, {"recipient_id", caller_a}, {"terminal", "terminal-1"},
                        {"slot_start", "2026-03-03T09:00:00Z"}});
    ASSERT_EQ(booked.status, 201) << booked.body;
    booking_a = json_of(booked)["booking"]["id"].get<int64_t>();
    check_a = request_welfare_check(*store, centre_a, std::nullopt, booking_a, call_a(), "tearful at the end", "dco.a",
                                    at("2026-03-03T09:31:00Z"));
    check_b = request_welfare_check(*store, centre_b, person_b, std::nullopt, "booking-77", "asked for the chaplain",
                                    "dco.b", at("2026-03-03T09:32:00Z"));
  }

  std::string call_a() const { return "booking-" + std::to_string(booking_a); }

  std::string complete_path(int64_t id) { return "/api/welfare-checks/" + std::to_string(id) + "/complete"; }

  static std::vector<int64_t> ids_of(const nlohmann::json& list) {
    std::vector<int64_t> ids;
    for (const auto& item : list) ids.push_back(item["id"].get<int64_t>());
    return ids;
  }

  int64_t booking_a = 0;
  int64_t check_a = 0;
  int64_t check_b = 0;
};

TEST_F(SupervisionRoutesTest, DcoListsOwnCentreOnly) {
  auto response = call("GET", "/api/welfare-checks", sign_in("dco.a"));
  ASSERT_EQ(response.status, 200) << response.body;
  const auto list = json_of(response)["welfare_checks"];
  EXPECT_EQ(ids_of(list), std::vector<int64_t>{check_a});
  EXPECT_EQ(list[0]["detained_individual_name"], "Amara Okafor");
  EXPECT_EQ(list[0]["detained_individual_id"], person_a);
  EXPECT_EQ(list[0]["booking_id"], booking_a);
  EXPECT_EQ(list[0]["call_id"], call_a());
  EXPECT_EQ(list[0]["note"], "tearful at the end");
  EXPECT_EQ(list[0]["requested_by"], "dco.a");
  EXPECT_TRUE(list[0]["completed_at"].is_null());
}

TEST_F(SupervisionRoutesTest, EveryRoleMayList) {
  for (const char* username : {"dco.a", "security.a", "manager.a", "compliance", "admin"}) {
    EXPECT_EQ(call("GET", "/api/welfare-checks", sign_in(username)).status, 200) << username;
  }
  const auto all = json_of(call("GET", "/api/welfare-checks", sign_in("compliance")))["welfare_checks"];
  EXPECT_EQ(ids_of(all), (std::vector<int64_t>{check_a, check_b}));
  const auto only_b =
      json_of(call("GET", "/api/welfare-checks?centre_id=" + std::to_string(centre_b), sign_in("admin")))["welfare_checks"];
  EXPECT_EQ(ids_of(only_b), std::vector<int64_t>{check_b});
}

TEST_F(SupervisionRoutesTest, CompleteRecordsOfficerAndAudit) {
  clock.set(at("2026-03-03T11:00:00Z"));
  auto response = call("POST", complete_path(check_a), sign_in("dco.a"), nlohmann::json::object());
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json_of(response)["completed_by"], "dco.a");
  EXPECT_EQ(json_of(response)["completed_at"], "2026-03-03T11:00:00Z");
  EXPECT_EQ(audit_count("welfare_check_completed"), 1);
  auto audit = store->query("SELECT target, call_id, centre_id FROM staff_audit_log WHERE action = 'welfare_check_completed'");
  EXPECT_EQ(audit.at(0).text(0), "welfare check " + std::to_string(check_a));
  EXPECT_EQ(audit.at(0).text(1), call_a());
  EXPECT_EQ(audit.at(0).integer(2), centre_a);

  const auto open = json_of(call("GET", "/api/welfare-checks?open=1", sign_in("manager.a")))["welfare_checks"];
  EXPECT_TRUE(open.empty());
  const auto all = json_of(call("GET", "/api/welfare-checks?open=0", sign_in("manager.a")))["welfare_checks"];
  EXPECT_EQ(ids_of(all), std::vector<int64_t>{check_a});
}

TEST_F(SupervisionRoutesTest, CompleteTwiceConflicts) {
  const std::string manager = sign_in("manager.a");
  ASSERT_EQ(call("POST", complete_path(check_a), manager, nlohmann::json::object()).status, 200);
  auto again = call("POST", complete_path(check_a), manager, nlohmann::json::object());
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(json_of(again)["code"], "already_completed");
  EXPECT_EQ(audit_count("welfare_check_completed"), 1);
}

TEST_F(SupervisionRoutesTest, CompleteUnknownNotFound) {
  EXPECT_EQ(call("POST", complete_path(check_b + 100), sign_in("dco.a"), nlohmann::json::object()).status, 404);
  EXPECT_EQ(call("POST", "/api/welfare-checks/abc/complete", sign_in("dco.a"), nlohmann::json::object()).status, 404);
}

TEST_F(SupervisionRoutesTest, OtherCentreRefusedAndLogged) {
  const std::string dco_a = sign_in("dco.a");
  const int64_t refusals_before = audit_count("access_refused");
  auto response = call("POST", complete_path(check_b), dco_a, nlohmann::json::object());
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(audit_count("access_refused"), refusals_before + 1);
  EXPECT_FALSE(find_welfare_check(*store, check_b)->completed_at.has_value());

  // A dco cannot widen the listing to another centre with ?centre_id=.
  const auto listed =
      json_of(call("GET", "/api/welfare-checks?centre_id=" + std::to_string(centre_b), dco_a))["welfare_checks"];
  EXPECT_EQ(ids_of(listed), std::vector<int64_t>{check_a});
}

TEST_F(SupervisionRoutesTest, CompleteRoleRefused) {
  for (const char* username : {"security.a", "compliance", "admin"}) {
    EXPECT_EQ(call("POST", complete_path(check_a), sign_in(username), nlohmann::json::object()).status, 403) << username;
  }
  EXPECT_FALSE(find_welfare_check(*store, check_a)->completed_at.has_value());
}

TEST_F(SupervisionRoutesTest, RequestFromBooking) {
  // The fixture's check of this call is open, and one open check per call is allowed.
  ASSERT_TRUE(complete_welfare_check(*store, check_a, "dco.a", clock.now()));
  auto response = call("POST", "/api/welfare-checks", sign_in("dco.a"),
                       {{"booking_id", booking_a}, {"note", "quiet and withdrawn after the call"}});
  ASSERT_EQ(response.status, 201) << response.body;
  const auto body = json_of(response);
  EXPECT_EQ(body["detained_individual_id"], person_a);
  EXPECT_EQ(body["detained_individual_name"], "Amara Okafor");
  EXPECT_EQ(body["booking_id"], booking_a);
  EXPECT_EQ(body["call_id"], call_a());
  EXPECT_EQ(body["requested_by"], "dco.a");
  EXPECT_EQ(body["requested_at"], "2026-03-02T09:00:00Z");
  EXPECT_EQ(audit_count("welfare_check_requested"), 1);
}

TEST_F(SupervisionRoutesTest, SecondOpenCheckForCallRejected) {
  const std::string dco = sign_in("dco.a");
  auto response = call("POST", "/api/welfare-checks", dco, {{"booking_id", booking_a}, {"note", "still upset"}});
  EXPECT_EQ(response.status, 409) << response.body;
  EXPECT_EQ(json_of(response)["code"], "already_open");
  EXPECT_EQ(json_of(response)["welfare_check_id"], check_a);
  EXPECT_NE(json_of(response)["error"].get<std::string>().find("welfare check " + std::to_string(check_a) +
                                                                " for call " + call_a() + " is already open"),
            std::string::npos)
      << response.body;
  // The same call given by person and call id is the same call.
  auto by_person = call("POST", "/api/welfare-checks", dco,
                        {{"detained_individual_id", person_a}, {"call_id", call_a()}, {"note", "still upset"}});
  EXPECT_EQ(by_person.status, 409) << by_person.body;
  EXPECT_EQ(audit_count("welfare_check_requested"), 0);
  EXPECT_EQ(list_welfare_checks(*store, centre_a, true).size(), 1u);

  // Once the open check is complete, a new one may be requested.
  ASSERT_EQ(call("POST", complete_path(check_a), dco, nlohmann::json::object()).status, 200);
  EXPECT_EQ(call("POST", "/api/welfare-checks", dco, {{"booking_id", booking_a}, {"note", "still upset"}}).status, 201);
}

TEST_F(SupervisionRoutesTest, RequestBadInputRejected) {
  const std::string dco = sign_in("dco.a");
  auto no_note = call("POST", "/api/welfare-checks", dco, {{"booking_id", booking_a}});
  EXPECT_EQ(no_note.status, 400);
  EXPECT_EQ(json_of(no_note)["field"], "note");

  auto nobody = call("POST", "/api/welfare-checks", dco, {{"note", "check on him"}});
  EXPECT_EQ(nobody.status, 400);
  EXPECT_EQ(json_of(nobody)["field"], "detained_individual_id");

  auto no_call = call("POST", "/api/welfare-checks", dco, {{"detained_individual_id", person_a}, {"note", "check on her"}});
  EXPECT_EQ(no_call.status, 400);
  EXPECT_EQ(json_of(no_call)["field"], "call_id");

  EXPECT_EQ(call("POST", "/api/welfare-checks", dco, {{"booking_id", booking_a + 100}, {"note", "x"}}).status, 404);
  auto too_long = call("POST", "/api/welfare-checks", dco,
                       {{"booking_id", booking_a}, {"note", std::string(kMaxOfficerTextBytes + 1, 'x')}});
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(audit_count("welfare_check_requested"), 0);
}

TEST_F(SupervisionRoutesTest, RequestOtherCentreRefused) {
  const std::string dco_b = sign_in("dco.b");
  const int64_t refusals_before = audit_count("access_refused");
  EXPECT_EQ(call("POST", "/api/welfare-checks", dco_b, {{"booking_id", booking_a}, {"note", "x"}}).status, 403);
  EXPECT_EQ(call("POST", "/api/welfare-checks", dco_b,
                 {{"detained_individual_id", person_a}, {"call_id", "booking-1"}, {"note", "x"}}).status,
            403);
  EXPECT_EQ(audit_count("access_refused"), refusals_before + 2);
  // Centre B's own person with centre A's booking.
  EXPECT_EQ(call("POST", "/api/welfare-checks", dco_b,
                 {{"detained_individual_id", person_b}, {"booking_id", booking_a}, {"note", "x"}}).status,
            403);
  EXPECT_EQ(list_welfare_checks(*store, std::nullopt, false).size(), 2u);
}

TEST_F(SupervisionRoutesTest, RequestRoleRefused) {
  for (const char* username : {"security.a", "compliance", "admin"}) {
    EXPECT_EQ(call("POST", "/api/welfare-checks", sign_in(username), {{"booking_id", booking_a}, {"note", "x"}}).status, 403)
        << username;
  }
}

TEST_F(SupervisionRoutesTest, OpenParameterValidated) {
  auto response = call("GET", "/api/welfare-checks?open=yes", sign_in("dco.a"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json_of(response)["field"], "open");
}

TEST_F(SupervisionRoutesTest, AlertDecisionCountsScoped) {
  const UtcTime now = at("2026-03-03T09:05:00Z");
  const UtcTime raised = at("2026-03-03T09:04:00Z");
  ASSERT_TRUE(record_alert_decision(*store, centre_a, call_a(), {1, "recording_device", 0.8, raised},
                                    AlertDecision::dismissed, "dco.a", now));
  ASSERT_TRUE(record_alert_decision(*store, centre_a, call_a(), {2, "recording_device", 0.9, raised},
                                    AlertDecision::acknowledged, "dco.a", now));
  ASSERT_TRUE(record_alert_decision(*store, centre_b, "booking-77", {1, "nudity", 0.7, raised}, AlertDecision::dismissed,
                                    "dco.b", now));

  auto response = call("GET", "/api/alert-decisions", sign_in("manager.a"));
  ASSERT_EQ(response.status, 200) << response.body;
  const auto counts = json_of(response)["alert_decisions"];
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0]["kind"], "recording_device");
  EXPECT_EQ(counts[0]["acknowledged"], 1);
  EXPECT_EQ(counts[0]["dismissed"], 1);

  EXPECT_EQ(json_of(call("GET", "/api/alert-decisions", sign_in("compliance")))["alert_decisions"].size(), 2u);
  for (const char* username : {"dco.a", "security.a"}) {
    EXPECT_EQ(call("GET", "/api/alert-decisions", sign_in(username)).status, 403) << username;
  }
}

TEST_F(SupervisionRoutesTest, IncidentListShowsCallFields) {
  CallIncident incident{"call_ended",
                        call_a(),
                        booking_a,
                        std::nullopt,
                        EndReason::recording,
                        "",
                        "dco.a",
                        {{12, "recording_device", 0.74, at("2026-03-03T09:08:03Z")}},
                        at("2026-03-03T09:10:00Z")};
  report_call_incident(*store, incident);

  const auto reports = json_of(call("GET", "/api/incident-reports", sign_in("security.a")))["incident_reports"];
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0]["kind"], "call_ended");
  EXPECT_EQ(reports[0]["call_id"], call_a());
  EXPECT_EQ(reports[0]["officer"], "dco.a");
  EXPECT_EQ(reports[0]["reason_code"], "recording");
  EXPECT_EQ(reports[0]["reason"], "Recording the call");
  ASSERT_EQ(reports[0]["alerts"].size(), 1u);
  EXPECT_EQ(reports[0]["alerts"][0]["alert_id"], 12);
  EXPECT_EQ(reports[0]["alerts"][0]["kind"], "recording_device");
  EXPECT_EQ(reports[0]["alerts"][0]["score"], 0.74);
  EXPECT_EQ(reports[0]["alerts"][0]["raised_at"], "2026-03-03T09:08:03Z");

  // Centre B's security team does not see it.
  add_account("security.b", StaffRole::security, centre_b);
  EXPECT_TRUE(json_of(call("GET", "/api/incident-reports", sign_in("security.b")))["incident_reports"].empty());
}

TEST_F(SupervisionRoutesTest, IncidentCsvShowsCallFields) {
  CallIncident incident{"call_ended",
                        call_a(),
                        booking_a,
                        std::nullopt,
                        EndReason::other,
                        "=showed a letter to the camera",
                        "dco.a",
                        {{12, "recording_device", 0.74, at("2026-03-03T09:08:03Z")},
                         {13, "recording_device", 0.9, at("2026-03-03T09:09:00Z")}},
                        at("2026-03-03T09:10:00Z")};
  report_call_incident(*store, incident);

  auto csv = call("GET", "/api/incident-reports.csv", sign_in("security.a"));
  ASSERT_EQ(csv.status, 200);
  EXPECT_TRUE(csv.body.starts_with("id,centre_id,detained_individual_id,booking_id,kind,reason,created_at,reviewed_by,"
                                   "reviewed_at,call_id,officer,reason_code,alerts\r\n"))
      << csv.body;
  // The officer's text gets the formula guard like every other text field.
  EXPECT_NE(csv.body.find("\"'=showed a letter to the camera\""), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(",\"" + call_a() + "\",\"dco.a\",\"other\","), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find("\"alert 12 recording_device 0.74 2026-03-03T09:08:03Z; "
                          "alert 13 recording_device 0.9 2026-03-03T09:09:00Z\""),
            std::string::npos)
      << csv.body;
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 2);
}

}  // namespace
}  // namespace sightline::policy::api

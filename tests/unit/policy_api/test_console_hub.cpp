// The console hub over the staff API fixture. Officers receive only their
// centre's calls and alerts. Every decision is checked against the call's
// centre and audited, and ending a call files an incident report with the
// alerts that led to it.
#include "policy/api/console_hub.h"

#include <gtest/gtest.h>

#include <mutex>

#include "policy/supervision.h"
#include "tests/unit/policy_api/api_fixture.h"

namespace sightline::policy::api {
namespace {

using nlohmann::json;

// Records the hub's calls to the relay and the messages it sends to each session.
class FakeCallControl final : public CallControl {
 public:
  bool make_live(const std::string& call_id) override {
    made_live.push_back(call_id);
    return exists;
  }
  bool end_call(const std::string& call_id, const std::string& reason) override {
    ended.emplace_back(call_id, reason);
    return exists;
  }
  bool warn_call(const std::string& call_id, const std::string& reason, const std::string& text) override {
    warned.emplace_back(call_id, reason);
    warning_texts.push_back(text);
    return exists;
  }
  void send(control::SessionId session, const json& message) override { sent[session].push_back(message); }
  void close(control::SessionId session, const std::string&) override { closed.push_back(session); }

  // The messages of one type sent to a session.
  std::vector<json> of_type(control::SessionId session, const std::string& type) const {
    std::vector<json> found;
    if (auto it = sent.find(session); it != sent.end()) {
      for (const json& message : it->second) {
        if (message.value("type", "") == type) found.push_back(message);
      }
    }
    return found;
  }
  json last_result(control::SessionId session) const {
    const auto results = of_type(session, "result");
    return results.empty() ? json() : results.back();
  }

  bool exists = true;
  std::vector<std::string> made_live;
  std::vector<std::pair<std::string, std::string>> ended;
  std::vector<std::pair<std::string, std::string>> warned;
  std::vector<std::string> warning_texts;
  std::map<control::SessionId, std::vector<json>> sent;
  std::vector<control::SessionId> closed;
};

class ConsoleHubTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    hub = std::make_unique<ConsoleHub>(*api, *store, store_mutex, control, clock);
    booking_a = book(person_a, caller_a);
    booking_b = book(person_b, caller_b);
    call_a = "booking-" + std::to_string(booking_a);
    call_b = "booking-" + std::to_string(booking_b);
  }

  int64_t book(int64_t person, int64_t recipient) {
    const auto response = call("POST", "/api/bookings", sign_in("admin"),
                               {{"detained_individual_id", person}, {"recipient_id", recipient},
                                {"terminal", "terminal-1"}, {"slot_start", "2026-03-04T10:00:00Z"}});
    EXPECT_EQ(response.status, 201) << response.body;
    return json_of(response)["booking"]["id"].get<int64_t>();
  }

  // Opens a console session for a signed-in user, as the browser does.
  control::SessionId open_console(const std::string& username) {
    const control::SessionId session = next_session++;
    control::HttpRequestInfo request;
    request.path = "/console/ws";
    request.host = "sightline.test";
    request.origin = kOrigin;
    request.cookie = sign_in(username);
    hub->open(session, request);
    return session;
  }

  void start_call(const std::string& call_id, bool id_check) {
    ConsoleCall console_call;
    console_call.call_id = call_id;
    console_call.id_check = id_check;
    console_call.participants = {{"caller-1", "caller"}, {"terminal-1", "terminal"}};
    console_call.parties_met = true;
    hub->call_changed(console_call);
  }

  void raise_alert(uint64_t id, const std::string& call_id, const std::string& kind = "recording_device") {
    ConsoleAlertEvent event;
    event.id = id;
    event.call_id = call_id;
    event.participant_id = "caller-1";
    event.role = "caller";
    event.kind = kind;
    event.score = 0.74;
    event.time = clock.now();
    hub->alert(event);
  }

  json send_message(control::SessionId session, json message) {
    message["request"] = ++request_number;
    hub->message(session, message);
    json result = control.last_result(session);
    EXPECT_EQ(result.value("request", 0), request_number) << result.dump();
    return result;
  }

  std::mutex store_mutex;
  FakeCallControl control;
  std::unique_ptr<ConsoleHub> hub;
  control::SessionId next_session = 1;
  int request_number = 0;
  int64_t booking_a = 0;
  int64_t booking_b = 0;
  std::string call_a;
  std::string call_b;
};

TEST_F(ConsoleHubTest, ShowsOwnCentreOnly) {
  start_call(call_a, false);
  start_call(call_b, false);
  const auto officer_a = open_console("dco.a");
  const auto officer_b = open_console("dco.b");
  const auto admin = open_console("admin");

  const auto calls_a = control.of_type(officer_a, "calls").at(0)["calls"];
  ASSERT_EQ(calls_a.size(), 1u);
  EXPECT_EQ(calls_a[0]["call"], call_a);
  EXPECT_EQ(calls_a[0]["state"], "live");
  EXPECT_EQ(calls_a[0]["detained_individual"], "Amara Okafor");
  EXPECT_EQ(calls_a[0]["recipient"], "Chidi Okafor");
  EXPECT_EQ(calls_a[0]["slot_end"], "2026-03-04T10:30:00Z");
  EXPECT_EQ(calls_a[0]["participants"][1]["name"], "Amara Okafor");
  EXPECT_EQ(control.of_type(admin, "calls").at(0)["calls"].size(), 2u);

  raise_alert(7, call_a);
  ASSERT_EQ(control.of_type(officer_a, "alert").size(), 1u);
  EXPECT_EQ(control.of_type(officer_a, "alert")[0]["alert"]["kind"], "recording_device");
  EXPECT_TRUE(control.of_type(officer_b, "alert").empty()) << "an alert of centre A reached centre B";
  EXPECT_EQ(control.of_type(admin, "alert").size(), 1u);
  // The call's update carries the open alert badge.
  EXPECT_EQ(control.of_type(officer_a, "call").back()["call"]["open_alerts"], 1);
  for (const json& update : control.of_type(officer_b, "call")) EXPECT_NE(update["call"]["call"], call_a);
}

TEST_F(ConsoleHubTest, RejectsOtherCentreAndAudits) {
  start_call(call_a, true);
  raise_alert(3, call_a);
  const auto officer_b = open_console("dco.b");
  const int64_t refusals_before = audit_count("access_refused");

  for (const json& message : {json{{"type", "end"}, {"call", call_a}, {"reason", "recording"}},
                              json{{"type", "warn"}, {"call", call_a}, {"reason", "recording"}},
                              json{{"type", "confirm-id"}, {"call", call_a}},
                              json{{"type", "refuse-id"}, {"call", call_a}, {"reason", "no_id"}},
                              json{{"type", "welfare"}, {"call", call_a}},
                              json{{"type", "acknowledge"}, {"alert", 3}},
                              json{{"type", "dismiss"}, {"alert", 3}}}) {
    const json result = send_message(officer_b, message);
    EXPECT_FALSE(result["ok"].get<bool>()) << message.dump();
    EXPECT_NE(result.value("error", "").find("another centre"), std::string::npos) << result.dump();
  }
  EXPECT_TRUE(control.ended.empty());
  EXPECT_TRUE(control.warned.empty());
  EXPECT_TRUE(control.made_live.empty());
  EXPECT_EQ(audit_count("access_refused"), refusals_before + 7);

  // Joining the call's media as an officer is refused the same way.
  const auto refusal = hub->admit_officer(sign_in("dco.b"), call_a, "officer-x");
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(audit_count("access_refused"), refusals_before + 8);
  EXPECT_FALSE(hub->admit_officer(sign_in("dco.a"), call_a, "officer-y").has_value());
  EXPECT_EQ(audit_count("id_check_opened"), 1);
}

TEST_F(ConsoleHubTest, ConfirmedIdMakesCallLive) {
  // Without the caller there is no ID to confirm.
  ConsoleCall terminal_only;
  terminal_only.call_id = call_a;
  terminal_only.id_check = true;
  terminal_only.participants = {{"terminal-1", "terminal"}};
  hub->call_changed(terminal_only);
  const auto officer = open_console("dco.a");
  EXPECT_FALSE(send_message(officer, {{"type", "confirm-id"}, {"call", call_a}})["ok"].get<bool>());
  EXPECT_TRUE(control.made_live.empty());

  start_call(call_a, true);
  EXPECT_EQ(control.of_type(officer, "calls").at(0)["calls"][0]["state"], "id-check");
  const json result = send_message(officer, {{"type", "confirm-id"}, {"call", call_a}});
  EXPECT_TRUE(result["ok"].get<bool>()) << result.dump();
  EXPECT_EQ(control.made_live, std::vector<std::string>{call_a});
  EXPECT_EQ(audit_count("id_check_confirmed"), 1);
  // A live call has no ID check left to confirm.
  start_call(call_a, false);
  EXPECT_FALSE(send_message(officer, {{"type", "confirm-id"}, {"call", call_a}})["ok"].get<bool>());
}

TEST_F(ConsoleHubTest, RejectedIdEndsAndReports) {
  start_call(call_a, true);
  const auto officer = open_console("dco.a");
  EXPECT_FALSE(send_message(officer, {{"type", "refuse-id"}, {"call", call_a}, {"reason", "other"}})["ok"].get<bool>())
      << "\"other\" needs a description";
  EXPECT_FALSE(send_message(officer, {{"type", "refuse-id"}, {"call", call_a}, {"reason", "looks odd"}})["ok"].get<bool>());
  const json result = send_message(officer, {{"type", "refuse-id"}, {"call", call_a}, {"reason", "under_18"}});
  ASSERT_TRUE(result["ok"].get<bool>()) << result.dump();
  ASSERT_EQ(control.ended.size(), 1u);
  EXPECT_EQ(control.ended[0].second, "id-check-failed");
  const auto rows = store->query("SELECT kind, reason, centre_id FROM incident_reports WHERE id = ?",
                                 {result["incident_report"].get<int64_t>()});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].text(0), "id_check_refused");
  EXPECT_NE(rows[0].text(1).find("under 18"), std::string::npos) << rows[0].text(1);
  EXPECT_EQ(rows[0].integer(2), centre_a);
  EXPECT_EQ(audit_count("id_check_refused"), 1);
}

TEST_F(ConsoleHubTest, EndFilesReportWithAlerts) {
  start_call(call_a, false);
  const auto officer = open_console("dco.a");
  raise_alert(11, call_a);
  raise_alert(12, call_a, "inappropriate_dress");
  ASSERT_TRUE(send_message(officer, {{"type", "dismiss"}, {"alert", 12}})["ok"].get<bool>());
  // Acknowledged, then no longer seen: it leaves the console but stays with the call.
  ASSERT_TRUE(send_message(officer, {{"type", "acknowledge"}, {"alert", 11}})["ok"].get<bool>());
  ConsoleAlertEvent cleared;
  cleared.id = 11;
  cleared.raised = false;
  cleared.call_id = call_a;
  hub->alert(cleared);
  EXPECT_EQ(control.of_type(officer, "alert-removed").back()["alert"], 11);

  EXPECT_FALSE(send_message(officer, {{"type", "end"}, {"call", call_a}, {"reason", "because"}})["ok"].get<bool>());
  EXPECT_FALSE(send_message(officer, {{"type", "end"}, {"call", call_a}, {"reason", "other"}})["ok"].get<bool>());
  const json result = send_message(officer, {{"type", "end"}, {"call", call_a}, {"reason", "recording"}});
  ASSERT_TRUE(result["ok"].get<bool>()) << result.dump();
  ASSERT_EQ(control.ended.size(), 1u);
  EXPECT_EQ(control.ended[0], std::make_pair(call_a, std::string("officer-recording")));

  const int64_t report = result["incident_report"].get<int64_t>();
  const auto alerts = incident_alerts(*store, report);
  ASSERT_EQ(alerts.size(), 1u) << "the dismissed alert must not count as leading to the end";
  EXPECT_EQ(alerts[0].alert_id, 11u);
  EXPECT_EQ(alerts[0].kind, "recording_device");
  EXPECT_EQ(audit_count("call_ended"), 1);
  EXPECT_EQ(audit_count("incident_reported"), 1);
  EXPECT_EQ(audit_count("alert_dismissed"), 1);

  // The relay then reports the call gone: it stays listed as ended, for a welfare check.
  hub->call_removed(call_a);
  EXPECT_EQ(control.of_type(officer, "call").back()["call"]["state"], "ended");
  EXPECT_FALSE(control.of_type(officer, "alert-removed").empty());
  const json welfare = send_message(officer, {{"type", "welfare"}, {"call", call_a}, {"note", "upset"}});
  ASSERT_TRUE(welfare["ok"].get<bool>()) << welfare.dump();
  EXPECT_FALSE(send_message(officer, {{"type", "welfare"}, {"call", call_a}})["ok"].get<bool>())
      << "a second open welfare check for the same call";
  const auto checks = list_welfare_checks(*store, centre_a, true);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].detained_individual_id, person_a);
  EXPECT_EQ(checks[0].requested_by, "dco.a");
}

TEST_F(ConsoleHubTest, AlertDecidedOnceAndCounted) {
  start_call(call_a, false);
  const auto officer = open_console("dco.a");
  const auto other_officer = open_console("manager.a");
  raise_alert(21, call_a);
  raise_alert(22, call_a);
  EXPECT_TRUE(send_message(officer, {{"type", "dismiss"}, {"alert", 21}})["ok"].get<bool>());
  EXPECT_FALSE(send_message(other_officer, {{"type", "acknowledge"}, {"alert", 21}})["ok"].get<bool>());
  EXPECT_TRUE(send_message(other_officer, {{"type", "acknowledge"}, {"alert", 22}})["ok"].get<bool>());
  EXPECT_FALSE(send_message(officer, {{"type", "acknowledge"}, {"alert", 99}})["ok"].get<bool>());

  const auto counts = alert_decision_counts(*store, centre_a);
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].kind, "recording_device");
  EXPECT_EQ(counts[0].dismissed, 1);
  EXPECT_EQ(counts[0].acknowledged, 1);
  // Both consoles see the decision.
  EXPECT_EQ(control.of_type(other_officer, "alert").back()["alert"]["decision"], "acknowledged");
}

TEST_F(ConsoleHubTest, WarningCarriesReasonCode) {
  start_call(call_a, false);
  const auto officer = open_console("dco.a");
  EXPECT_FALSE(send_message(officer, {{"type", "warn"}, {"call", call_a}})["ok"].get<bool>());
  EXPECT_FALSE(send_message(officer, {{"type", "warn"}, {"call", call_a}, {"reason", "other"}})["ok"].get<bool>())
      << "\"other\" needs the officer's words";
  EXPECT_TRUE(send_message(officer, {{"type", "warn"}, {"call", call_a}, {"reason", "dress"}})["ok"].get<bool>());
  EXPECT_TRUE(send_message(officer, {{"type", "warn"}, {"call", call_a}, {"reason", "other"}, {"text", "Keep the door closed."}})
                  ["ok"].get<bool>());
  ASSERT_EQ(control.warned.size(), 2u);
  EXPECT_EQ(control.warned[0], std::make_pair(call_a, std::string("dress")));
  EXPECT_EQ(control.warning_texts[1], "Keep the door closed.");
  EXPECT_EQ(audit_count("call_warned"), 2);
}

TEST_F(ConsoleHubTest, RejectsSessionRoleOrigin) {
  control::HttpRequestInfo request;
  request.path = "/console/ws";
  request.host = "sightline.test";
  request.origin = kOrigin;
  hub->open(1, request);  // no cookie
  EXPECT_EQ(control.of_type(1, "error").at(0)["code"], "unauthorised");

  request.cookie = sign_in("security.a");
  hub->open(2, request);
  EXPECT_EQ(control.of_type(2, "error").at(0)["code"], "forbidden");

  request.cookie = sign_in("dco.a");
  request.origin = "https://elsewhere.example";
  hub->open(3, request);
  EXPECT_EQ(control.of_type(3, "error").at(0)["code"], "forbidden");
  EXPECT_EQ(control.closed, (std::vector<control::SessionId>{1, 2, 3}));

  // A refused session's messages are ignored.
  hub->message(3, {{"type", "end"}, {"call", call_a}, {"reason", "recording"}});
  EXPECT_TRUE(control.ended.empty());
}

TEST_F(ConsoleHubTest, RejectsExpiredSession) {
  start_call(call_a, false);
  const auto officer = open_console("dco.a");
  clock.advance(std::chrono::hours(25));  // past the absolute session lifetime
  hub->message(officer, {{"type", "warn"}, {"call", call_a}, {"reason", "dress"}, {"request", 1}});
  EXPECT_TRUE(control.warned.empty());
  EXPECT_EQ(control.of_type(officer, "error").back()["code"], "unauthorised");
}

}  // namespace
}  // namespace sightline::policy::api

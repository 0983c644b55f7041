// The call log's fields and the six-month retention purge.
#include <gtest/gtest.h>

#include <set>

#include "policy/appeals.h"
#include "policy/call_log.h"
#include "policy/join_token.h"
#include "policy/retention.h"
#include "policy/supervision.h"
#include "policy/suspensions.h"
#include "policy_fixture.h"

namespace sightline::policy {
namespace {

class RetentionTest : public PolicyTest {
 protected:
  // A confirmed call on 3 March 2026 at 09:00 UTC, logged, with every kind
  // of record that belongs to the person.
  void make_history() {
    const int64_t interpreter = records().add_interpreter("Sam Bell", "British Sign Language", "sam@example.org").value();
    booking_id = book(caller_id, at("2026-03-03T09:00:00Z")).value().id;
    ASSERT_TRUE(bookings().add_interpreter(booking_id, interpreter, "sign-language interpreter").ok());
    clock.advance(std::chrono::minutes{1});
    ASSERT_FALSE(book(caller_id, at("2026-03-03T09:00:00Z"), "terminal-2").ok());  // a refusal and its incident report
    const std::vector<uint8_t> secret(32, 7);
    ASSERT_TRUE(JoinTokens(*store, secret).issue(booking_id, ParticipantRole::recipient).ok());
    auto suspension = Suspensions(*store, clock)
                          .suspend({person_id, "Manager Hughes", "misuse_of_service", "lent the tablet",
                                    at("2026-03-04T00:00:00Z"), at("2026-03-05T00:00:00Z"), "", "phone"})
                          .value();
    ASSERT_TRUE(Appeals(*store, clock).lodge(suspension.id, "I did not", false).ok());
    ASSERT_TRUE(record_call(*store, booking_id, at("2026-03-03T09:00:00Z"), std::chrono::seconds{1740}).ok());

    // What the officer's console wrote during and after the call.
    const std::string call_id = "booking-" + std::to_string(booking_id);
    const AlertSummary alert{4, "recording_device", 0.81, at("2026-03-03T09:20:00Z")};
    CallIncident incident{"call_ended", call_id, booking_id, std::nullopt, EndReason::recording, "", "dco.patel",
                          {alert}, at("2026-03-03T09:21:00Z")};
    report_call_incident(*store, incident);
    ASSERT_TRUE(record_alert_decision(*store, centre_id, call_id, alert, AlertDecision::acknowledged, "dco.patel",
                                      at("2026-03-03T09:20:30Z")));
    request_welfare_check(*store, centre_id, std::nullopt, booking_id, call_id, "upset after the call", "dco.patel",
                          at("2026-03-03T09:31:00Z"));
  }

  // Every text value in every column of every table that names the person,
  // their centre reference or a recipient.
  std::vector<std::string> remaining_personal_data() {
    const std::set<std::string> personal = {"Amara Okafor", "A. Okafor", "HMD-0412", "Chidi Okafor", "chidi@example.org",
                                            "Ruth Mensah", "lent the tablet", "I did not",
                                            "upset after the call"};
    std::vector<std::string> found;
    for (const std::string& table : store->table_names()) {
      for (const std::string& column : store->column_names(table)) {
        for (const Row& row : store->query("SELECT \"" + column + "\" FROM \"" + table + "\"")) {
          const Value& value = row.values.at(0);
          if (auto* text = std::get_if<std::string>(&value); text && personal.count(*text)) {
            found.push_back(table + "." + column + " = " + *text);
          }
          if (auto* number = std::get_if<int64_t>(&value);
              number && column == "detained_individual_id" && *number == person_id) {
            found.push_back(table + "." + column + " = " + std::to_string(*number));
          }
        }
      }
    }
    return found;
  }

  int64_t booking_id = 0;
};
SIGHTLINE_POLICY_STORES(RetentionTest);

TEST_P(RetentionTest, CallLogHasCompactFieldsOnly) {
  make_history();
  const std::vector<std::string> expected = {"id", "detained_individual_id", "log_name", "started_at", "recipient_name",
                                             "duration_seconds"};
  EXPECT_EQ(store->column_names("call_log"), expected);
  const auto log = call_log_of(*store, person_id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].log_name, "A. Okafor");
  EXPECT_EQ(log[0].recipient_name, "Chidi Okafor");
  EXPECT_EQ(log[0].started_at, at("2026-03-03T09:00:00Z"));
  EXPECT_EQ(log[0].duration, std::chrono::seconds{1740});
}

TEST_P(RetentionTest, DeadlineIsSixCalendarMonths) {
  EXPECT_EQ(retention_deadline(at("2026-03-03T09:00:00Z")), at("2026-09-03T09:00:00Z"));
  EXPECT_EQ(retention_deadline(at("2026-08-31T12:00:00Z")), at("2027-02-28T12:00:00Z"));
}

TEST_P(RetentionTest, KeptAtSixMonthsMinusADay) {
  make_history();
  EXPECT_EQ(purge(*store, at("2026-09-02T09:00:00Z")), 0);
  EXPECT_FALSE(remaining_personal_data().empty());
  EXPECT_TRUE(records().detained_individual(person_id).has_value());
}

TEST_P(RetentionTest, DeletedAtSixMonthsPlusADay) {
  make_history();
  const size_t incidents_before = store->query("SELECT id FROM incident_reports").size();
  ASSERT_GT(incidents_before, 0u);

  EXPECT_EQ(purge(*store, at("2026-09-04T09:00:00Z")), 1);
  const auto left = remaining_personal_data();
  EXPECT_TRUE(left.empty()) << left.front();
  for (const char* table : {"recipients", "compacts", "recipient_approvals", "bookings", "booking_interpreters",
                            "suspensions", "appeals", "call_log", "join_tokens", "notifications", "risk_assessments",
                            "welfare_checks"}) {
    EXPECT_EQ(store->query(std::string("SELECT COUNT(*) FROM ") + table).at(0).integer(0), 0) << table;
  }
  // Incident reports stay for the annual audit, unlinked from the person.
  EXPECT_EQ(store->query("SELECT id FROM incident_reports WHERE detained_individual_id IS NULL AND booking_id IS NULL").size(),
            incidents_before);
  EXPECT_EQ(store->query("SELECT individuals_deleted FROM retention_runs").at(0).integer(0), 1);
  // The call incident keeps its call, officer, reason and alert; the alert
  // decision names no one and stays for tuning.
  EXPECT_EQ(store->query("SELECT officer, reason_code FROM incident_reports WHERE call_id IS NOT NULL").size(), 1u);
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM incident_report_alerts").at(0).integer(0), 1);
  EXPECT_EQ(alert_decision_counts(*store, centre_id).at(0).acknowledged, 1);
  // The interpreter is a contractor, not the person's data.
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM interpreters").at(0).integer(0), 1);
}

}  // namespace
}  // namespace sightline::policy

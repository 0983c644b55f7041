// The console's records: booked calls, call incidents, alert decisions and
// welfare checks, with their input checks.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "policy/incident_report.h"
#include "policy/schema.h"
#include "policy/sqlite_store.h"
#include "policy/supervision.h"
#include "policy_fixture.h"

namespace sightline::policy {
namespace {

const char* kSlot = "2026-03-03T09:00:00Z";

class SupervisionTest : public PolicyTest {
 protected:
  void SetUp() override {
    PolicyTest::SetUp();
    booking_id = book(caller_id, at(kSlot)).value().id;
    call_id = "booking-" + std::to_string(booking_id);
    other_centre_id = records().add_centre("Yarl's Wood", "Europe/London", every_day(8 * 60, 20 * 60)).value();
    other_person_id = records().add_detained_individual(other_centre_id, "YW-0007", "Noor Haddad", "N. Haddad").value();
  }

  CallIncident ended(EndReason reason, std::string text = "") {
    CallIncident incident;
    incident.kind = "call_ended";
    incident.call_id = call_id;
    incident.booking_id = booking_id;
    incident.reason = reason;
    incident.reason_text = std::move(text);
    incident.officer = "dco.patel";
    incident.at = at("2026-03-03T09:10:00Z");
    return incident;
  }

  static AlertSummary alert(uint64_t id, const char* kind, double score, const char* raised_at) {
    return {id, kind, score, at(raised_at)};
  }

  int64_t booking_id = 0;
  std::string call_id;
  int64_t other_centre_id = 0;
  int64_t other_person_id = 0;
};
SIGHTLINE_POLICY_STORES(SupervisionTest);

TEST_P(SupervisionTest, EndReasonCodesRoundTrip) {
  for (EndReason reason : {EndReason::recording, EndReason::dress, EndReason::abusive, EndReason::recipient_safety,
                           EndReason::centre_security, EndReason::other}) {
    EXPECT_EQ(parse_end_reason(to_string(reason)), reason) << to_string(reason);
    EXPECT_FALSE(describe(reason).empty()) << to_string(reason);
  }
  EXPECT_EQ(describe(EndReason::recording), "Recording the call");
  EXPECT_EQ(describe(EndReason::dress), "Inappropriate dress");
}

TEST_P(SupervisionTest, EndReasonUnknownCodeRejected) {
  EXPECT_FALSE(parse_end_reason("filming").has_value());
  EXPECT_FALSE(parse_end_reason("").has_value());
  EXPECT_FALSE(parse_end_reason("Recording").has_value());
}

TEST_P(SupervisionTest, BookedCallShowsBookingNames) {
  const int64_t interpreter = records().add_interpreter("Sam Bell", "Igbo", "sam@example.org").value();
  ASSERT_TRUE(bookings().add_interpreter(booking_id, interpreter, "Igbo interpreter").ok());

  auto call = find_booked_call(*store, booking_id);
  ASSERT_TRUE(call.has_value());
  EXPECT_EQ(call->booking_id, booking_id);
  EXPECT_EQ(call->centre_id, centre_id);
  EXPECT_EQ(call->centre_name, "Harmondsworth");
  EXPECT_EQ(call->detained_individual_id, person_id);
  EXPECT_EQ(call->detained_individual_name, "Amara Okafor");
  EXPECT_EQ(call->recipient_name, "Chidi Okafor");
  EXPECT_EQ(call->recipient_relationship, "brother");
  EXPECT_FALSE(call->legal);
  EXPECT_EQ(call->interpreter_names, std::vector<std::string>{"Sam Bell"});
  EXPECT_EQ(call->terminal, "terminal-1");
  EXPECT_EQ(call->state, BookingState::confirmed);
  EXPECT_EQ(call->slot_start, at(kSlot));
  EXPECT_EQ(call->slot_end, at("2026-03-03T09:30:00Z"));
}

TEST_P(SupervisionTest, BookedCallLegalAdviser) {
  const int64_t legal_booking = book(adviser_id, at("2026-03-03T10:00:00Z")).value().id;
  auto call = find_booked_call(*store, legal_booking);
  ASSERT_TRUE(call.has_value());
  EXPECT_TRUE(call->legal);
  EXPECT_EQ(call->recipient_name, "Ruth Mensah");
  EXPECT_TRUE(call->interpreter_names.empty());
}

TEST_P(SupervisionTest, BookedCallUnknownBooking) { EXPECT_FALSE(find_booked_call(*store, booking_id + 100).has_value()); }

TEST_P(SupervisionTest, CallIncidentStoredWithAlerts) {
  CallIncident incident = ended(EndReason::recording);
  incident.alerts = {alert(12, "recording_device", 0.74, "2026-03-03T09:08:03Z"),
                     alert(9, "recording_device", 0.5, "2026-03-03T09:07:00Z")};
  const int64_t id = report_call_incident(*store, incident);

  auto rows = store->query(
      "SELECT centre_id, detained_individual_id, booking_id, kind, reason, created_at, call_id, officer, reason_code "
      "FROM incident_reports WHERE id = ?",
      {id});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].integer(0), centre_id);
  EXPECT_EQ(rows[0].integer(1), person_id);
  EXPECT_EQ(rows[0].integer(2), booking_id);
  EXPECT_EQ(rows[0].text(3), "call_ended");
  EXPECT_EQ(rows[0].text(4), "Recording the call");
  EXPECT_EQ(rows[0].text(5), "2026-03-03T09:10:00Z");
  EXPECT_EQ(rows[0].text(6), call_id);
  EXPECT_EQ(rows[0].text(7), "dco.patel");
  EXPECT_EQ(rows[0].text(8), "recording");

  const auto alerts = incident_alerts(*store, id);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].alert_id, 9u);
  EXPECT_EQ(alerts[1].alert_id, 12u);
  EXPECT_EQ(alerts[1].kind, "recording_device");
  EXPECT_EQ(alerts[1].score, 0.74);
  EXPECT_EQ(alerts[1].raised_at, at("2026-03-03T09:08:03Z"));
}

TEST_P(SupervisionTest, AlertScoreRoundedToFourPlaces) {
  CallIncident incident = ended(EndReason::recording);
  // The analysis scores are floats: 0.74f is 0.7400000095367432 as a double.
  incident.alerts = {alert(1, "recording_device", 0.74f, kSlot), alert(2, "recording_device", 1.0, kSlot),
                     alert(3, "recording_device", 0.123456, kSlot), alert(4, "recording_device", 0.0, kSlot)};
  const int64_t id = report_call_incident(*store, incident);
  auto rows = store->query("SELECT score FROM incident_report_alerts WHERE incident_report_id = ? ORDER BY alert_id", {id});
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].text(0), "0.74");
  EXPECT_EQ(rows[1].text(0), "1");
  EXPECT_EQ(rows[2].text(0), "0.1235");
  EXPECT_EQ(rows[3].text(0), "0");
  EXPECT_EQ(incident_alerts(*store, id).at(0).score, 0.74);
}

TEST_P(SupervisionTest, CallIncidentInSecurityTeamList) {
  const size_t before = list_incident_reports(*store).size();
  report_call_incident(*store, ended(EndReason::abusive, "shouted at the officer"));
  const auto reports = list_incident_reports(*store);
  ASSERT_EQ(reports.size(), before + 1);
  EXPECT_EQ(reports.back().kind, "call_ended");
  EXPECT_EQ(reports.back().reason, "shouted at the officer");
  EXPECT_EQ(reports.back().call_id, call_id);
  EXPECT_EQ(reports.back().officer, "dco.patel");
  EXPECT_EQ(reports.back().reason_code, "abusive");
  EXPECT_EQ(reports.back().booking_id, booking_id);
}

TEST_P(SupervisionTest, IdCheckRefusalWithoutBooking) {
  CallIncident incident = ended(EndReason::other, "photo ID did not match the named recipient");
  incident.kind = "id_check_refused";
  incident.booking_id = std::nullopt;
  incident.centre_id = centre_id;
  const int64_t id = report_call_incident(*store, incident);
  auto rows = store->query("SELECT centre_id, booking_id, reason, reason_code FROM incident_reports WHERE id = ?", {id});
  EXPECT_EQ(rows.at(0).integer(0), centre_id);
  EXPECT_TRUE(rows.at(0).is_null(1));
  EXPECT_EQ(rows.at(0).text(2), "photo ID did not match the named recipient");
  EXPECT_EQ(rows.at(0).text(3), "other");
}

TEST_P(SupervisionTest, CallIncidentOtherNeedsText) {
  EXPECT_THROW(report_call_incident(*store, ended(EndReason::other)), std::invalid_argument);
  EXPECT_THROW(report_call_incident(*store, ended(EndReason::other, "   ")), std::invalid_argument);
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM incident_reports WHERE call_id IS NOT NULL").at(0).integer(0), 0);
}

TEST_P(SupervisionTest, CallIncidentBadInputRejected) {
  CallIncident bad_kind = ended(EndReason::dress);
  bad_kind.kind = "call_paused";
  EXPECT_THROW(report_call_incident(*store, bad_kind), std::invalid_argument);

  CallIncident no_call = ended(EndReason::dress);
  no_call.call_id = "";
  EXPECT_THROW(report_call_incident(*store, no_call), std::invalid_argument);

  CallIncident no_officer = ended(EndReason::dress);
  no_officer.officer = " ";
  EXPECT_THROW(report_call_incident(*store, no_officer), std::invalid_argument);

  CallIncident unknown_booking = ended(EndReason::dress);
  unknown_booking.booking_id = booking_id + 100;
  EXPECT_THROW(report_call_incident(*store, unknown_booking), std::invalid_argument);

  CallIncident wrong_centre = ended(EndReason::dress);
  wrong_centre.centre_id = other_centre_id;
  EXPECT_THROW(report_call_incident(*store, wrong_centre), std::invalid_argument);

  CallIncident unknown_centre = ended(EndReason::dress);
  unknown_centre.booking_id = std::nullopt;
  unknown_centre.centre_id = other_centre_id + 100;
  EXPECT_THROW(report_call_incident(*store, unknown_centre), std::invalid_argument);

  CallIncident long_text = ended(EndReason::dress, std::string(kMaxOfficerTextBytes + 1, 'x'));
  EXPECT_THROW(report_call_incident(*store, long_text), std::invalid_argument);

  EXPECT_EQ(store->query("SELECT COUNT(*) FROM incident_reports WHERE call_id IS NOT NULL").at(0).integer(0), 0);
}

TEST_P(SupervisionTest, CallIncidentBadAlertRejected) {
  for (const AlertSummary& bad : {alert(0, "recording_device", 0.5, kSlot), alert(3, "", 0.5, kSlot),
                                  alert(3, "recording_device", 1.5, kSlot), alert(3, "recording_device", -0.1, kSlot),
                                  alert(3, "recording_device", std::nan(""), kSlot)}) {
    CallIncident incident = ended(EndReason::recording);
    incident.alerts = {bad};
    EXPECT_THROW(report_call_incident(*store, incident), std::invalid_argument) << bad.alert_id << " " << bad.score;
  }
  CallIncident twice = ended(EndReason::recording);
  twice.alerts = {alert(3, "recording_device", 0.5, kSlot), alert(3, "recording_device", 0.6, kSlot)};
  EXPECT_THROW(report_call_incident(*store, twice), std::invalid_argument);
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM incident_report_alerts").at(0).integer(0), 0);
}

TEST_P(SupervisionTest, AlertDecisionsCountedPerKind) {
  const UtcTime now = at("2026-03-03T09:05:00Z");
  EXPECT_TRUE(record_alert_decision(*store, centre_id, call_id, alert(1, "recording_device", 0.8, kSlot),
                                    AlertDecision::acknowledged, "dco.patel", now));
  EXPECT_TRUE(record_alert_decision(*store, centre_id, call_id, alert(2, "recording_device", 0.6, kSlot),
                                    AlertDecision::dismissed, "dco.patel", now));
  EXPECT_TRUE(record_alert_decision(*store, centre_id, call_id, alert(3, "recording_device", 0.55, kSlot),
                                    AlertDecision::dismissed, "dco.patel", now));
  EXPECT_TRUE(record_alert_decision(*store, centre_id, call_id, alert(4, "nudity", 0.9, kSlot),
                                    AlertDecision::acknowledged, "dco.patel", now));
  EXPECT_TRUE(record_alert_decision(*store, other_centre_id, "booking-999", alert(1, "nudity", 0.7, kSlot),
                                    AlertDecision::dismissed, "dco.khan", now));

  const auto ours = alert_decision_counts(*store, centre_id);
  ASSERT_EQ(ours.size(), 2u);
  EXPECT_EQ(ours[0].kind, "nudity");
  EXPECT_EQ(ours[0].acknowledged, 1);
  EXPECT_EQ(ours[0].dismissed, 0);
  EXPECT_EQ(ours[1].kind, "recording_device");
  EXPECT_EQ(ours[1].acknowledged, 1);
  EXPECT_EQ(ours[1].dismissed, 2);

  const auto all = alert_decision_counts(*store, std::nullopt);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].kind, "nudity");
  EXPECT_EQ(all[0].dismissed, 1);
  EXPECT_EQ(all[0].acknowledged, 1);
}

TEST_P(SupervisionTest, AlertDecisionSecondIgnored) {
  const AlertSummary raised = alert(7, "recording_device", 0.8, kSlot);
  EXPECT_TRUE(record_alert_decision(*store, centre_id, call_id, raised, AlertDecision::dismissed, "dco.patel",
                                    at("2026-03-03T09:05:00Z")));
  EXPECT_FALSE(record_alert_decision(*store, centre_id, call_id, raised, AlertDecision::acknowledged, "dco.jones",
                                     at("2026-03-03T09:05:01Z")));
  const auto counts = alert_decision_counts(*store, centre_id);
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].dismissed, 1);
  EXPECT_EQ(counts[0].acknowledged, 0);

  // The relay numbers alerts from 1 again after a restart: same id, later time.
  EXPECT_TRUE(record_alert_decision(*store, centre_id, call_id, alert(7, "recording_device", 0.8, "2026-03-03T09:20:00Z"),
                                    AlertDecision::acknowledged, "dco.patel", at("2026-03-03T09:21:00Z")));
}

TEST_P(SupervisionTest, AlertDecisionBadInputRejected) {
  const UtcTime now = at("2026-03-03T09:05:00Z");
  const AlertSummary good = alert(1, "recording_device", 0.8, kSlot);
  EXPECT_THROW(record_alert_decision(*store, centre_id, "", good, AlertDecision::dismissed, "dco.patel", now),
               std::invalid_argument);
  EXPECT_THROW(record_alert_decision(*store, centre_id, call_id, good, AlertDecision::dismissed, "", now),
               std::invalid_argument);
  EXPECT_THROW(record_alert_decision(*store, centre_id + 100, call_id, good, AlertDecision::dismissed, "dco.patel", now),
               std::invalid_argument);
  EXPECT_THROW(record_alert_decision(*store, centre_id, call_id, alert(1, "recording_device", 2.0, kSlot),
                                     AlertDecision::dismissed, "dco.patel", now),
               std::invalid_argument);
  EXPECT_TRUE(alert_decision_counts(*store, std::nullopt).empty());
}

TEST_P(SupervisionTest, WelfareCheckFromBooking) {
  const int64_t id = request_welfare_check(*store, centre_id, std::nullopt, booking_id, call_id, "cried at the end of the call",
                                           "dco.patel", at("2026-03-03T09:31:00Z"));
  auto check = find_welfare_check(*store, id);
  ASSERT_TRUE(check.has_value());
  EXPECT_EQ(check->centre_id, centre_id);
  EXPECT_EQ(check->detained_individual_id, person_id);
  EXPECT_EQ(check->detained_individual_name, "Amara Okafor");
  EXPECT_EQ(check->booking_id, booking_id);
  EXPECT_EQ(check->call_id, call_id);
  EXPECT_EQ(check->note, "cried at the end of the call");
  EXPECT_EQ(check->requested_by, "dco.patel");
  EXPECT_EQ(check->requested_at, at("2026-03-03T09:31:00Z"));
  EXPECT_EQ(check->completed_by, "");
  EXPECT_FALSE(check->completed_at.has_value());
}

TEST_P(SupervisionTest, WelfareCheckBadInputRejected) {
  const UtcTime now = at("2026-03-03T09:31:00Z");
  EXPECT_THROW(request_welfare_check(*store, centre_id, std::nullopt, std::nullopt, call_id, "note", "dco.patel", now),
               std::invalid_argument);
  EXPECT_THROW(request_welfare_check(*store, centre_id, person_id, std::nullopt, call_id, "", "dco.patel", now),
               std::invalid_argument);
  EXPECT_THROW(request_welfare_check(*store, centre_id, person_id, std::nullopt, "", "note", "dco.patel", now),
               std::invalid_argument);
  EXPECT_THROW(request_welfare_check(*store, centre_id, person_id, std::nullopt, call_id, "note", "", now),
               std::invalid_argument);
  EXPECT_THROW(request_welfare_check(*store, centre_id, std::nullopt, booking_id + 100, call_id, "note", "dco.patel", now),
               std::invalid_argument);
  EXPECT_THROW(request_welfare_check(*store, centre_id, person_id + 100, std::nullopt, call_id, "note", "dco.patel", now),
               std::invalid_argument);
  // Another centre's person, or this centre's booking under another person.
  EXPECT_THROW(request_welfare_check(*store, centre_id, other_person_id, std::nullopt, call_id, "note", "dco.patel", now),
               std::invalid_argument);
  EXPECT_THROW(request_welfare_check(*store, centre_id, other_person_id, booking_id, call_id, "note", "dco.patel", now),
               std::invalid_argument);
  EXPECT_THROW(request_welfare_check(*store, other_centre_id, std::nullopt, booking_id, call_id, "note", "dco.patel", now),
               std::invalid_argument);
  EXPECT_TRUE(list_welfare_checks(*store, std::nullopt, false).empty());
}

TEST_P(SupervisionTest, WelfareCheckCompletedOnce) {
  const int64_t id = request_welfare_check(*store, centre_id, person_id, std::nullopt, call_id, "seemed withdrawn",
                                           "dco.patel", at("2026-03-03T09:31:00Z"));
  EXPECT_TRUE(complete_welfare_check(*store, id, "welfare.ali", at("2026-03-03T11:00:00Z")));
  EXPECT_FALSE(complete_welfare_check(*store, id, "welfare.bo", at("2026-03-03T12:00:00Z")));
  EXPECT_FALSE(complete_welfare_check(*store, id + 100, "welfare.bo", at("2026-03-03T12:00:00Z")));

  auto check = find_welfare_check(*store, id);
  ASSERT_TRUE(check.has_value());
  EXPECT_EQ(check->completed_by, "welfare.ali");
  EXPECT_EQ(check->completed_at, at("2026-03-03T11:00:00Z"));
  EXPECT_THROW(complete_welfare_check(*store, id, "", at("2026-03-03T12:00:00Z")), std::invalid_argument);
}

TEST_P(SupervisionTest, WelfareChecksOpenFirst) {
  const int64_t first = request_welfare_check(*store, centre_id, person_id, std::nullopt, call_id, "first", "dco.patel",
                                              at("2026-03-03T09:31:00Z"));
  const int64_t second = request_welfare_check(*store, centre_id, person_id, std::nullopt, call_id, "second", "dco.patel",
                                               at("2026-03-03T09:32:00Z"));
  const int64_t third = request_welfare_check(*store, centre_id, person_id, std::nullopt, call_id, "third", "dco.patel",
                                              at("2026-03-03T09:33:00Z"));
  const int64_t elsewhere = request_welfare_check(*store, other_centre_id, other_person_id, std::nullopt, "booking-999",
                                                  "elsewhere", "dco.khan", at("2026-03-03T09:34:00Z"));
  ASSERT_TRUE(complete_welfare_check(*store, first, "welfare.ali", at("2026-03-03T10:00:00Z")));

  const auto all = list_welfare_checks(*store, centre_id, false);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, second);
  EXPECT_EQ(all[1].id, third);
  EXPECT_EQ(all[2].id, first);

  const auto open = list_welfare_checks(*store, centre_id, true);
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].id, second);
  EXPECT_EQ(open[1].id, third);

  const auto every_centre = list_welfare_checks(*store, std::nullopt, true);
  ASSERT_EQ(every_centre.size(), 3u);
  EXPECT_EQ(every_centre[2].id, elsewhere);
  EXPECT_EQ(every_centre[2].detained_individual_name, "Noor Haddad");
}

// A store written before migration 4, with a refused booking's report, is
// upgraded when opened: the old report reads with empty call fields and the
// new tables take records.
TEST(SupervisionMigration, UpgradesVersionThreeStore) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("sightline-v3-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string script =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL);";
    for (const Migration& migration : migrations()) {
      if (migration.version > 3) continue;
      script += std::string(migration.sql) + ";INSERT INTO schema_migrations VALUES (" + std::to_string(migration.version) +
                ", 'before', '2026-01-01T00:00:00Z');";
    }
    script +=
        "INSERT INTO centres (id, name, time_zone) VALUES (1, 'Harmondsworth', 'Europe/London');"
        "INSERT INTO incident_reports (centre_id, kind, reason, created_at) "
        "VALUES (1, 'short_notice', 'requested 2h before the slot', '2026-01-02T10:00:00Z');";
    char* error = nullptr;
    const int rc = sqlite3_exec(db, script.c_str(), nullptr, nullptr, &error);
    const std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }

  auto store = SqliteStore::open(path.string());
  EXPECT_EQ(store->schema_version(), migrations().back().version);
  const auto reports = list_incident_reports(*store);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, "short_notice");
  EXPECT_EQ(reports[0].call_id, "");
  EXPECT_EQ(reports[0].officer, "");
  EXPECT_EQ(reports[0].reason_code, "");
  EXPECT_TRUE(incident_alerts(*store, reports[0].id).empty());

  CallIncident incident{"id_check_refused", "booking-3", std::nullopt, 1, EndReason::other, "no photo ID", "dco.patel",
                        {}, parse_utc("2026-01-03T10:00:00Z").value()};
  EXPECT_GT(report_call_incident(*store, incident), reports[0].id);
  store.reset();
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}

}  // namespace
}  // namespace sightline::policy

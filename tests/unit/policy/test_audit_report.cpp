// The annual self-audit over a seeded year: counts in the CSV and the HTML,
// appeal deadlines at hour 47 and 49, and the same-manager check.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "policy/appeals.h"
#include "policy/audit_report.h"
#include "policy/bookings.h"
#include "policy/compact.h"
#include "policy/incident_report.h"
#include "policy/records.h"
#include "policy/risk_assessment.h"
#include "policy/sqlite_store.h"
#include "policy/suspensions.h"

namespace sightline::policy {
namespace {

using std::chrono::hours;

UtcTime at(const char* text) { return parse_utc(text).value(); }

std::vector<OpeningWindow> every_day(int start_minute, int end_minute) {
  std::vector<OpeningWindow> windows;
  for (int weekday = 0; weekday < 7; ++weekday) windows.push_back({weekday, start_minute, end_minute});
  return windows;
}

using CsvRecord = std::vector<std::string>;

// Parses RFC 4180 text: quoted fields with doubled quotes, CRLF line ends.
std::vector<CsvRecord> parse_csv(const std::string& text) {
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(field);
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      record.push_back(field);
      records.push_back(record);
      record.clear();
      field.clear();
      ++i;
    } else {
      field += c;
    }
  }
  return records;
}

// Columns of the audit CSV.
enum Column { kSection, kCentre, kDate, kItem, kValue, kNote };

std::vector<CsvRecord> rows_of(const std::vector<CsvRecord>& csv, const std::string& section) {
  std::vector<CsvRecord> rows;
  for (const CsvRecord& r : csv) {
    if (r.at(kSection) == section) rows.push_back(r);
  }
  return rows;
}

// The value of the first row with this section and item, or "(missing)".
std::string value_of(const std::vector<CsvRecord>& csv, const std::string& section, const std::string& item) {
  for (const CsvRecord& r : csv) {
    if (r.at(kSection) == section && r.at(kItem) == item) return r.at(kValue);
  }
  return "(missing)";
}

int occurrences(const std::string& text, const std::string& part) {
  int n = 0;
  for (size_t pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 1)) ++n;
  return n;
}

// Two centres in Europe/London, open 08:00 to 20:00, and a year of records:
// refusals, suspensions with reviews, appeals, daily availability figures,
// retention runs and one incident report that is not a refusal.
class AuditReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    harmondsworth = Records(*store, clock).add_centre("Harmondsworth", "Europe/London", every_day(8 * 60, 20 * 60)).value();
    colnbrook = Records(*store, clock).add_centre("Colnbrook", "Europe/London", every_day(8 * 60, 20 * 60)).value();
    person = add_person(harmondsworth, "HMD-0412");
    caller = add_caller(person);
    const int64_t other_person = add_person(colnbrook, "CBK-0031");
    const int64_t other_caller = add_caller(other_person);

    // Refusals, on Monday 2 March 2026 at 09:00 GMT.
    EXPECT_FALSE(book(person, caller, "2026-03-02T11:00:00Z").ok());  // short notice
    EXPECT_FALSE(book(person, caller, "2026-03-02T13:00:00Z").ok());  // short notice
    EXPECT_FALSE(book(person, caller, "2026-03-05T09:15:00Z").ok());  // off the slot grid
    EXPECT_FALSE(book(other_person, other_caller, "2026-03-02T12:00:00Z").ok());
    EXPECT_FALSE(book(999, 999, "2026-03-09T09:00:00Z").ok());  // unknown person: no centre
    // Either side of midnight on 1 January, local time.
    const Refusal taken{RefusalCode::slot_taken, "slot 2026-01-02T09:00:00Z is already booked"};
    report_refusal(*store, taken, harmondsworth, std::nullopt, std::nullopt, at("2025-12-31T23:59:59Z"));
    report_refusal(*store, taken, harmondsworth, std::nullopt, std::nullopt, at("2026-01-01T00:00:00Z"));
    store->execute("INSERT INTO incident_reports (centre_id, kind, reason, created_at) VALUES (?, 'call_terminated', ?, ?)",
                   {harmondsworth, "recording device seen on call 17", format_utc(at("2026-04-01T10:00:00Z"))});

    seed_suspensions();
    seed_appeals();
    seed_availability();
    run_retention(*store, at("2025-11-01T02:00:00Z"), RetentionTrigger::schedule);
    run_retention(*store, at("2026-09-04T02:00:00Z"), RetentionTrigger::command);
  }

  int64_t add_person(int64_t centre, const std::string& reference) {
    const int64_t id = Records(*store, clock).add_detained_individual(centre, reference, "Recorded Name", "R. Name").value();
    EXPECT_TRUE(Compacts(*store, clock).record({id, std::chrono::year{2026} / 2 / 27, "English", false, "DCO Patel"}).ok());
    EXPECT_TRUE(RiskAssessments(*store, clock).record(id, "DCO Patel", std::chrono::year{2026} / 12 / 1).ok());
    return id;
  }

  int64_t add_caller(int64_t detained) {
    const int64_t id = Records(*store, clock).add_caller(detained, "Family Member", "sister", "family@example.org").value();
    EXPECT_TRUE(RiskAssessments(*store, clock).approve_recipient(id, "Security Officer Lee", "none").ok());
    return id;
  }

  Result<Booking> book(int64_t detained, int64_t recipient, const char* slot) {
    return Bookings(*store, clock).request({detained, recipient, "terminal-1", at(slot), std::nullopt});
  }

  int64_t suspend(const char* from, const char* to, const std::string& authorised_by) {
    auto suspension = Suspensions(*store, clock).suspend(
        {person, "Manager Hughes", "misuse_of_service", "lent the tablet", at(from), at(to), authorised_by, "legal calls by phone"});
    EXPECT_TRUE(suspension.ok());
    return suspension.value().id;
  }

  void seed_suspensions() {
    // 21 days: reviews due on 8 and 15 April; one on time, one a day late.
    const int64_t three_weeks = suspend("2026-04-01T00:00:00Z", "2026-04-22T00:00:00Z", "Compliance Manager Shah");
    clock.set(at("2026-04-07T10:00:00Z"));
    ASSERT_TRUE(Suspensions(*store, clock).record_review(three_weeks, "Manager Ade", "continue").ok());
    clock.set(at("2026-04-16T10:00:00Z"));
    ASSERT_TRUE(Suspensions(*store, clock).record_review(three_weeks, "Manager Ade", "continue").ok());
    // 10 days with its one review missing; 3 days, which is not listed.
    suspend("2026-05-01T00:00:00Z", "2026-05-11T00:00:00Z", "Compliance Manager Shah");
    short_suspension = suspend("2026-06-01T00:00:00Z", "2026-06-04T00:00:00Z", "");
  }

  // Lodges an appeal at `lodged` and, unless `decided_after` is zero, has
  // Manager Ade decide it that many hours later.
  int64_t appeal(const char* lodged, bool imminent_removal, int decided_after_hours) {
    clock.set(at(lodged));
    Appeals appeals(*store, clock);
    const int64_t id = appeals.lodge(short_suspension, "I did not lend it", imminent_removal).value().id;
    if (decided_after_hours > 0) {
      clock.advance(hours{decided_after_hours});
      EXPECT_TRUE(appeals.decide(id, "Manager Ade", "upheld").ok());
    }
    return id;
  }

  void seed_appeals() {
    appeal("2026-06-01T10:00:00Z", false, 47);
    appeal("2026-06-05T10:00:00Z", false, 49);
    appeal("2026-06-10T10:00:00Z", true, 11);
    appeal("2026-06-12T10:00:00Z", true, 13);
    appeal("2026-11-01T10:00:00Z", false, 0);  // overdue at generation
    recent_appeal = appeal("2026-12-04T08:00:00Z", false, 0);
    // The rules refuse the manager who decided the suspension.
    auto same = Appeals(*store, clock).decide(recent_appeal, "Manager Hughes", "dismissed");
    ASSERT_FALSE(same.ok());
    EXPECT_EQ(same.refusal().code, RefusalCode::same_manager);
  }

  void seed_availability() {
    // Up from 1 to 5 March, except 3 March: 08:00 to 13:00 only.
    record_relay_up(*store, std::nullopt, at("2026-03-01T00:00:00Z"), at("2026-03-03T00:00:00Z"));
    record_relay_up(*store, std::nullopt, at("2026-03-03T08:00:00Z"), at("2026-03-03T13:00:00Z"));
    record_relay_up(*store, std::nullopt, at("2026-03-04T00:00:00Z"), at("2026-03-06T00:00:00Z"));
    ASSERT_EQ(AvailabilityRecorder(*store).close_finished_days(at("2026-03-06T00:30:00Z")).size(), 10u);
  }

  AuditReport report(std::optional<std::string> centre = "Harmondsworth") {
    auto built = build_audit_report(*store, 2026, centre, generated_at);
    EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.refusal().reason);
    return built.value();
  }

  std::unique_ptr<SqliteStore> store = SqliteStore::open(":memory:");
  FakeClock clock{at("2026-03-02T09:00:00Z")};
  const UtcTime generated_at = at("2026-12-04T09:00:00Z");
  int64_t harmondsworth = 0;
  int64_t colnbrook = 0;
  int64_t person = 0;
  int64_t caller = 0;
  int64_t short_suspension = 0;
  int64_t recent_appeal = 0;
};

TEST_F(AuditReportTest, CsvRefusalCounts) {
  const auto csv = parse_csv(render_audit_csv(report()));
  ASSERT_FALSE(csv.empty());
  EXPECT_EQ(csv[0], (CsvRecord{"section", "centre", "date", "item", "value", "note"}));
  EXPECT_EQ(value_of(csv, "refusals_by_reason", "short_notice"), "2");
  EXPECT_EQ(value_of(csv, "refusals_by_reason", "slot_off_grid"), "1");
  EXPECT_EQ(value_of(csv, "refusals_by_reason", "slot_taken"), "1");
  EXPECT_EQ(value_of(csv, "refusals_by_reason", "not_found"), "(missing)");
  const auto refusals = rows_of(csv, "refusal");
  ASSERT_EQ(refusals.size(), 4u);
  EXPECT_EQ(refusals[0].at(kDate), "2026-01-01 00:00");
  EXPECT_EQ(refusals[0].at(kCentre), "Harmondsworth");
  EXPECT_EQ(refusals[1].at(kItem), "short_notice");
  EXPECT_NE(refusals[1].at(kNote).find("24 hours are required"), std::string::npos) << refusals[1].at(kNote);
}

TEST_F(AuditReportTest, CsvAllCentres) {
  const auto csv = parse_csv(render_audit_csv(report(std::nullopt)));
  EXPECT_EQ(value_of(csv, "refusals_by_reason", "short_notice"), "3");
  EXPECT_EQ(value_of(csv, "refusals_by_reason", "not_found"), "1");
  EXPECT_EQ(rows_of(csv, "refusal").size(), 6u);
  EXPECT_EQ(rows_of(csv, "availability_day").size(), 10u);
}

TEST_F(AuditReportTest, CsvSuspensionsAndReviews) {
  const auto csv = parse_csv(render_audit_csv(report()));
  EXPECT_EQ(value_of(csv, "suspension_reviews", "on_time"), "1");
  EXPECT_EQ(value_of(csv, "suspension_reviews", "late"), "1");
  EXPECT_EQ(value_of(csv, "suspension_reviews", "missing"), "1");
  const auto suspensions = rows_of(csv, "suspension");
  ASSERT_EQ(suspensions.size(), 2u);
  EXPECT_EQ(suspensions[0].at(kValue), "21.00");
  EXPECT_EQ(suspensions[0].at(kDate), "2026-04-01 01:00");  // BST
  EXPECT_NE(suspensions[0].at(kNote).find("authorised by Compliance Manager Shah"), std::string::npos);
  EXPECT_EQ(suspensions[1].at(kValue), "10.00");
}

TEST_F(AuditReportTest, CsvAppealCounts) {
  const auto csv = parse_csv(render_audit_csv(report()));
  EXPECT_EQ(value_of(csv, "appeals", "in_time"), "2");
  EXPECT_EQ(value_of(csv, "appeals", "late"), "2");
  EXPECT_EQ(value_of(csv, "appeals", "overdue"), "1");
  EXPECT_EQ(value_of(csv, "appeals", "pending"), "1");
  EXPECT_EQ(value_of(csv, "appeals", "same_manager"), "0");
  EXPECT_EQ(rows_of(csv, "appeal").size(), 6u);
}

TEST_F(AuditReportTest, CsvAvailability) {
  const auto csv = parse_csv(render_audit_csv(report()));
  EXPECT_EQ(value_of(csv, "availability", "recorded"), "5");
  EXPECT_EQ(value_of(csv, "availability", "under_minimum"), "1");
  // 1 January to 3 December 2026 have finished at generation.
  EXPECT_EQ(value_of(csv, "availability", "finished"), "337");
  EXPECT_EQ(value_of(csv, "availability", "not_recorded"), "332");
  const auto days = rows_of(csv, "availability_day");
  ASSERT_EQ(days.size(), 5u);
  EXPECT_EQ(days[2].at(kDate), "2026-03-03");
  EXPECT_EQ(days[2].at(kValue), "5.00");
  EXPECT_EQ(days[2].at(kNote), "under_minimum");
  EXPECT_EQ(days[0].at(kValue), "12.00");
  EXPECT_EQ(days[0].at(kNote), "");
}

TEST_F(AuditReportTest, CsvRetentionAndIncidents) {
  const auto csv = parse_csv(render_audit_csv(report()));
  const auto runs = rows_of(csv, "retention_run");
  ASSERT_EQ(runs.size(), 2u);  // one run of 2026, two rows
  EXPECT_EQ(runs[0].at(kDate), "2026-09-04 02:00");
  EXPECT_EQ(runs[0].at(kItem), "individuals_deleted");
  EXPECT_EQ(runs[0].at(kValue), "0");
  EXPECT_EQ(runs[0].at(kNote), "command");
  EXPECT_EQ(runs[1].at(kItem), "recipients_deleted");
  EXPECT_EQ(value_of(csv, "incidents_by_kind", "call_terminated"), "1");
  EXPECT_EQ(value_of(csv, "incidents_by_kind", "short_notice"), "2");
}

TEST_F(AuditReportTest, CsvQuotesAndDefusesFormulas) {
  store->execute("INSERT INTO incident_reports (centre_id, kind, reason, created_at) VALUES (?, 'slot_taken', ?, ?)",
                 {harmondsworth, "=HYPERLINK(\"x\", \"y\")", format_utc(at("2026-05-01T10:00:00Z"))});
  const std::string text = render_audit_csv(report());
  EXPECT_NE(text.find("\"'=HYPERLINK(\"\"x\"\", \"\"y\"\")\""), std::string::npos);
  const auto refusals = rows_of(parse_csv(text), "refusal");
  ASSERT_EQ(refusals.size(), 5u);
  EXPECT_EQ(refusals[4].at(kNote), "'=HYPERLINK(\"x\", \"y\")");
}

TEST_F(AuditReportTest, HtmlSectionsAndCharts) {
  const std::string html = render_audit_html(report());
  for (const char* heading : {"<h2>Refusals and their reasons</h2>", "<h2>Suspensions over 7 days</h2>",
                              "<h2>Appeals against suspensions</h2>",
                              "<h2>Daily availability against the 7-hour minimum</h2>", "<h2>Retention runs</h2>",
                              "<h2>Incident reports by kind</h2>"}) {
    EXPECT_NE(html.find(heading), std::string::npos) << heading;
  }
  // Charts: refusals, appeals and one availability chart per centre.
  EXPECT_EQ(occurrences(html, "<svg "), 3);
  EXPECT_NE(html.find("7-hour minimum</text>"), std::string::npos);
  EXPECT_NE(html.find("Harmondsworth (Europe/London)"), std::string::npos);
  EXPECT_NE(html.find("annual self-audit 2026"), std::string::npos);
  EXPECT_NE(html.find("Generated: 2026-12-04 09:00 UTC"), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  EXPECT_NE(html.find("<caption>All refusals (4)</caption>"), std::string::npos);
  EXPECT_NE(html.find("<caption>Suspensions over 7 days (2)</caption>"), std::string::npos);
  EXPECT_NE(html.find("<caption>All appeals (6)</caption>"), std::string::npos);
  EXPECT_NE(html.find("<caption>Retention runs (1)</caption>"), std::string::npos);
  EXPECT_NE(html.find("<td>short_notice</td><td class=\"number\">2</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>2026-03-03</td><td class=\"warning\">5.00</td>"), std::string::npos);
}

TEST_F(AuditReportTest, HtmlSelfContained) {
  const std::string html = render_audit_html(report(std::nullopt));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // The only address is the SVG namespace name, which is never fetched.
  EXPECT_EQ(occurrences(html, "http"), occurrences(html, "xmlns=\"http://www.w3.org/2000/svg\""));
}

TEST_F(AuditReportTest, HtmlEscapesRecordedText) {
  store->execute("INSERT INTO incident_reports (centre_id, kind, reason, created_at) VALUES (?, 'slot_taken', ?, ?)",
                 {harmondsworth, "<img src=x onerror=alert(1)>", format_utc(at("2026-05-01T10:00:00Z"))});
  const std::string html = render_audit_html(report());
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
}

TEST_F(AuditReportTest, SameManagerNoneWhenRulesHold) {
  const AuditReport audit = report();
  for (const AuditAppeal& a : audit.appeals) EXPECT_FALSE(a.same_manager) << a.id;
  EXPECT_NE(render_audit_html(audit).find("None: every decided appeal was decided by a manager other than"),
            std::string::npos);
}

TEST_F(AuditReportTest, SameManagerReportedWhenStored) {
  // A decision written to the store directly, past the rules; the name
  // differs only in case and spacing.
  store->execute("UPDATE appeals SET decided_by = ?, decided_at = ?, outcome = 'dismissed' WHERE id = ?",
                 {std::string("manager  hughes "), format_utc(at("2026-12-04T08:30:00Z")), recent_appeal});
  const AuditReport audit = report();
  const auto csv = parse_csv(render_audit_csv(audit));
  EXPECT_EQ(value_of(csv, "appeals", "same_manager"), "1");
  EXPECT_EQ(value_of(csv, "appeals", "in_time"), "3");
  EXPECT_EQ(value_of(csv, "appeals", "pending"), "0");
  const std::string html = render_audit_html(audit);
  EXPECT_NE(html.find("<caption>Appeals decided by the same manager</caption>"), std::string::npos);
  EXPECT_EQ(html.find("None: every decided appeal"), std::string::npos);
}

TEST_F(AuditReportTest, AppealDeadlineBoundaries) {
  const AuditReport audit = report();
  ASSERT_EQ(audit.appeals.size(), 6u);
  EXPECT_EQ(audit.appeals[0].timing, AppealTiming::in_time);  // hour 47 of 48
  EXPECT_EQ(audit.appeals[1].timing, AppealTiming::late);     // hour 49 of 48
  EXPECT_EQ(audit.appeals[2].timing, AppealTiming::in_time);  // hour 11 of 12, imminent removal
  EXPECT_EQ(audit.appeals[3].timing, AppealTiming::late);     // hour 13 of 12, imminent removal
  EXPECT_EQ(audit.appeals[4].timing, AppealTiming::overdue);
  EXPECT_EQ(audit.appeals[5].timing, AppealTiming::pending);
  EXPECT_EQ(audit.appeals[0].due, "2026-06-03 11:00");  // BST
}

TEST_F(AuditReportTest, AppealAtExactDeadlineInTime) {
  const int64_t id = appeal("2026-07-01T10:00:00Z", false, 48);
  const AuditReport audit = report();
  ASSERT_EQ(audit.appeals.size(), 7u);
  ASSERT_EQ(audit.appeals[4].id, id);  // appeals are in the order lodged
  EXPECT_EQ(audit.appeals[4].timing, AppealTiming::in_time);
}

TEST_F(AuditReportTest, YearOutOfRange) {
  auto too_early = build_audit_report(*store, 2019, std::nullopt, generated_at);
  ASSERT_FALSE(too_early.ok());
  EXPECT_EQ(too_early.refusal().code, RefusalCode::invalid_input);
  auto future = build_audit_report(*store, 2027, std::nullopt, generated_at);
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.refusal().code, RefusalCode::invalid_input);
  EXPECT_NE(future.refusal().reason.find("2027"), std::string::npos);
}

TEST_F(AuditReportTest, UnknownCentre) {
  auto unknown = build_audit_report(*store, 2026, "Atlantis", generated_at);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.refusal().code, RefusalCode::not_found);
  EXPECT_NE(unknown.refusal().reason.find("Atlantis"), std::string::npos);
}

TEST_F(AuditReportTest, EmptyYearSaysNone) {
  const AuditReport audit = build_audit_report(*store, 2024, "Colnbrook", generated_at).value();
  EXPECT_TRUE(audit.refusals.empty());
  EXPECT_TRUE(audit.appeals.empty());
  const std::string html = render_audit_html(audit);
  EXPECT_NE(html.find("No retention run in this year."), std::string::npos);
  EXPECT_EQ(value_of(parse_csv(render_audit_csv(audit)), "availability", "finished"), "366");
}

}  // namespace
}  // namespace sightline::policy

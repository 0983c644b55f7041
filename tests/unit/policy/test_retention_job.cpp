// The daily retention job and the record of each retention run.
#include <gtest/gtest.h>

#include <memory>

#include "policy/bookings.h"
#include "policy/call_log.h"
#include "policy/compact.h"
#include "policy/records.h"
#include "policy/retention_job.h"
#include "policy/risk_assessment.h"
#include "policy/sqlite_store.h"

namespace sightline::policy {
namespace {

UtcTime at(const char* text) { return parse_utc(text).value(); }

std::vector<OpeningWindow> every_day(int start_minute, int end_minute) {
  std::vector<OpeningWindow> windows;
  for (int weekday = 0; weekday < 7; ++weekday) windows.push_back({weekday, start_minute, end_minute});
  return windows;
}

// One centre and two detained individuals, each with a compact, a risk
// assessment, approved recipients and one logged call: the first on
// 3 March 2026 with two recipients, the second on 3 July 2026 with one.
class RetentionJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Records records(*store, clock);
    centre_id = records.add_centre("Harmondsworth", "Europe/London", every_day(8 * 60, 20 * 60)).value();
    const int64_t first = add_person("HMD-0412", "Amara Okafor");
    const int64_t caller = add_recipient(first, "Chidi Okafor");
    add_recipient(first, "Ngozi Okafor");
    log_call(first, caller, at("2026-03-03T09:00:00Z"));

    const int64_t second = add_person("HMD-0977", "Tomas Berg");
    const int64_t other_caller = add_recipient(second, "Eva Berg");
    log_call(second, other_caller, at("2026-07-03T09:00:00Z"));
  }

  int64_t add_person(const std::string& reference, const std::string& name) {
    const int64_t id = Records(*store, clock).add_detained_individual(centre_id, reference, name, name).value();
    EXPECT_TRUE(Compacts(*store, clock).record({id, std::chrono::year{2026} / 2 / 27, "English", false, "DCO Patel"}).ok());
    EXPECT_TRUE(RiskAssessments(*store, clock).record(id, "DCO Patel", std::chrono::year{2026} / 12 / 1).ok());
    return id;
  }

  int64_t add_recipient(int64_t person, const std::string& name) {
    const int64_t id = Records(*store, clock).add_caller(person, name, "sibling", "family@example.org").value();
    EXPECT_TRUE(RiskAssessments(*store, clock).approve_recipient(id, "Security Officer Lee", "none").ok());
    return id;
  }

  // Books the slot a day ahead and logs a 20-minute call in it.
  void log_call(int64_t person, int64_t recipient, UtcTime slot) {
    clock.set(slot - std::chrono::days{2});
    auto booking = Bookings(*store, clock).request({person, recipient, "terminal-1", slot, std::nullopt});
    ASSERT_TRUE(booking.ok()) << booking.refusal().reason;
    ASSERT_TRUE(record_call(*store, booking.value().id, slot, std::chrono::minutes{20}).ok());
  }

  int64_t count(const char* table) {
    return store->query(std::string("SELECT COUNT(*) FROM ") + table).at(0).integer(0);
  }

  std::unique_ptr<SqliteStore> store = SqliteStore::open(":memory:");
  FakeClock clock{at("2026-03-01T09:00:00Z")};
  int64_t centre_id = 0;
};

TEST_F(RetentionJobTest, CountDeletesNothing) {
  const RetentionCounts due = count_due_for_deletion(*store, at("2026-09-04T09:00:00Z"));
  EXPECT_EQ(due.individuals, 1);
  EXPECT_EQ(due.recipients, 2);
  EXPECT_EQ(count("detained_individuals"), 2);
  EXPECT_EQ(count("recipients"), 3);
  EXPECT_EQ(count("retention_runs"), 0);
}

TEST_F(RetentionJobTest, CountAtDeadlineBoundary) {
  EXPECT_EQ(count_due_for_deletion(*store, at("2026-09-03T08:59:59Z")).individuals, 0);
  EXPECT_EQ(count_due_for_deletion(*store, at("2026-09-03T09:00:00Z")).individuals, 1);
}

TEST_F(RetentionJobTest, RunRecordsCounts) {
  const RetentionCounts deleted = run_retention(*store, at("2026-09-04T09:00:00Z"), RetentionTrigger::command);
  EXPECT_EQ(deleted.individuals, 1);
  EXPECT_EQ(deleted.recipients, 2);
  EXPECT_EQ(count("detained_individuals"), 1);
  EXPECT_EQ(count("recipients"), 1);

  const auto runs = list_retention_runs(*store, at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].ran_at, at("2026-09-04T09:00:00Z"));
  EXPECT_EQ(runs[0].individuals_deleted, 1);
  EXPECT_EQ(runs[0].recipients_deleted, std::optional<int64_t>(2));
  EXPECT_EQ(runs[0].started_by, "command");
}

TEST_F(RetentionJobTest, RunRecordsNoNames) {
  run_retention(*store, at("2026-09-04T09:00:00Z"), RetentionTrigger::command);
  for (const std::string& column : store->column_names("retention_runs")) {
    EXPECT_EQ(column.find("name"), std::string::npos) << column;
  }
}

TEST_F(RetentionJobTest, EmptyRunIsRecorded) {
  const RetentionCounts deleted = run_retention(*store, at("2026-05-01T09:00:00Z"), RetentionTrigger::command);
  EXPECT_EQ(deleted.individuals, 0);
  EXPECT_EQ(deleted.recipients, 0);
  const auto runs = list_retention_runs(*store, at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].individuals_deleted, 0);
  EXPECT_EQ(runs[0].recipients_deleted, std::optional<int64_t>(0));
}

TEST_F(RetentionJobTest, JobRunsOncePerDay) {
  RetentionJob job(*store);
  EXPECT_FALSE(job.tick(at("2026-09-04T01:59:00Z")).has_value());

  auto first = job.tick(at("2026-09-04T02:00:00Z"));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->individuals, 1);
  EXPECT_EQ(first->recipients, 2);
  EXPECT_FALSE(job.tick(at("2026-09-04T02:01:00Z")).has_value());
  EXPECT_FALSE(job.tick(at("2026-09-04T23:59:00Z")).has_value());

  auto next_day = job.tick(at("2026-09-05T02:00:00Z"));
  ASSERT_TRUE(next_day.has_value());
  EXPECT_EQ(next_day->individuals, 0);

  const auto runs = list_retention_runs(*store, at("2026-09-01T00:00:00Z"), at("2026-10-01T00:00:00Z"));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].started_by, "schedule");
  EXPECT_EQ(runs[0].recipients_deleted, std::optional<int64_t>(2));
  EXPECT_EQ(runs[1].started_by, "schedule");
  EXPECT_EQ(runs[1].individuals_deleted, 0);
}

TEST_F(RetentionJobTest, JobSurvivesRestart) {
  ASSERT_TRUE(RetentionJob(*store).tick(at("2026-09-04T02:00:00Z")).has_value());
  // A new job after a restart the same day finds the run in the store.
  EXPECT_FALSE(RetentionJob(*store).tick(at("2026-09-04T03:00:00Z")).has_value());
  EXPECT_EQ(count("retention_runs"), 1);
}

TEST_F(RetentionJobTest, CommandRunDoesNotReplaceSchedule) {
  run_retention(*store, at("2026-09-04T01:00:00Z"), RetentionTrigger::command);
  auto scheduled = RetentionJob(*store).tick(at("2026-09-04T02:00:00Z"));
  ASSERT_TRUE(scheduled.has_value());
  EXPECT_EQ(scheduled->individuals, 0);
  EXPECT_EQ(count("retention_runs"), 2);
}

TEST_F(RetentionJobTest, SecondPersonDeletedLater) {
  RetentionJob job(*store);
  ASSERT_TRUE(job.tick(at("2026-09-04T02:00:00Z")).has_value());
  auto later = job.tick(at("2027-01-04T02:00:00Z"));
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->individuals, 1);
  EXPECT_EQ(later->recipients, 1);
  EXPECT_EQ(count("detained_individuals"), 0);
}

}  // namespace
}  // namespace sightline::policy

// The daily availability figure: bookable hours during which the relay was
// up, per local day in Europe/London, including the 23- and 25-hour days.
#include <gtest/gtest.h>

#include <memory>

#include "policy/availability_record.h"
#include "policy/records.h"
#include "policy/sqlite_store.h"

namespace sightline::policy {
namespace {

using std::chrono::hours;
using std::chrono::local_days;
using std::chrono::minutes;
using std::chrono::seconds;

UtcTime at(const char* text) { return parse_utc(text).value(); }
local_days date(int y, unsigned m, unsigned d) {
  return local_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

std::vector<OpeningWindow> every_day(int start_minute, int end_minute) {
  std::vector<OpeningWindow> windows;
  for (int weekday = 0; weekday < 7; ++weekday) windows.push_back({weekday, start_minute, end_minute});
  return windows;
}

class AvailabilityRecordTest : public ::testing::Test {
 protected:
  // Open 08:00 to 20:00 local time every day, unless a test passes others.
  int64_t add_centre(const std::string& name, std::vector<OpeningWindow> windows = every_day(8 * 60, 20 * 60)) {
    return Records(*store, clock).add_centre(name, "Europe/London", windows).value();
  }
  Centre centre(int64_t id) { return Records(*store, clock).centre(id).value(); }

  std::unique_ptr<SqliteStore> store = SqliteStore::open(":memory:");
  FakeClock clock{at("2026-01-05T09:00:00Z")};
};

TEST_F(AvailabilityRecordTest, OrdinaryDayFullUptime) {
  const int64_t id = add_centre("Harmondsworth");
  record_relay_up(*store, std::nullopt, at("2026-03-10T00:00:00Z"), at("2026-03-11T00:00:00Z"));
  const DailyAvailability figure = compute_daily_availability(*store, centre(id), date(2026, 3, 10));
  EXPECT_EQ(figure.day_length, hours{24});
  EXPECT_EQ(figure.bookable, hours{12});
  EXPECT_EQ(figure.available, hours{12});
  EXPECT_FALSE(figure.below_minimum);
}

TEST_F(AvailabilityRecordTest, SevenHoursIsEnough) {
  const int64_t id = add_centre("Harmondsworth");
  // 08:00 to 15:00 GMT: exactly the minimum.
  record_relay_up(*store, std::nullopt, at("2026-03-10T08:00:00Z"), at("2026-03-10T15:00:00Z"));
  const DailyAvailability figure = compute_daily_availability(*store, centre(id), date(2026, 3, 10));
  EXPECT_EQ(figure.available, hours{7});
  EXPECT_FALSE(figure.below_minimum);
}

TEST_F(AvailabilityRecordTest, OneMinuteShortIsFlagged) {
  const int64_t id = add_centre("Harmondsworth");
  record_relay_up(*store, std::nullopt, at("2026-03-10T08:00:00Z"), at("2026-03-10T14:59:00Z"));
  const DailyAvailability figure = compute_daily_availability(*store, centre(id), date(2026, 3, 10));
  EXPECT_EQ(figure.available, hours{7} - minutes{1});
  EXPECT_TRUE(figure.below_minimum);
}

TEST_F(AvailabilityRecordTest, UptimeOutsideWindowsDoesNotCount) {
  const int64_t id = add_centre("Harmondsworth");
  record_relay_up(*store, std::nullopt, at("2026-03-10T00:00:00Z"), at("2026-03-10T08:00:00Z"));
  record_relay_up(*store, std::nullopt, at("2026-03-10T19:00:00Z"), at("2026-03-10T23:00:00Z"));
  const DailyAvailability figure = compute_daily_availability(*store, centre(id), date(2026, 3, 10));
  EXPECT_EQ(figure.available, hours{1});
  EXPECT_TRUE(figure.below_minimum);
}

TEST_F(AvailabilityRecordTest, CentreUptimeMergesWithAll) {
  const int64_t harmondsworth = add_centre("Harmondsworth");
  const int64_t colnbrook = add_centre("Colnbrook");
  record_relay_up(*store, std::nullopt, at("2026-03-10T08:00:00Z"), at("2026-03-10T12:00:00Z"));
  // Overlaps the relay-wide interval by an hour; that hour counts once.
  record_relay_up(*store, colnbrook, at("2026-03-10T11:00:00Z"), at("2026-03-10T16:00:00Z"));
  EXPECT_EQ(compute_daily_availability(*store, centre(colnbrook), date(2026, 3, 10)).available, hours{8});
  EXPECT_EQ(compute_daily_availability(*store, centre(harmondsworth), date(2026, 3, 10)).available, hours{4});
}

TEST_F(AvailabilityRecordTest, SpringForwardDay) {
  // Open from local midnight to 08:00: on the last Sunday of March the hour
  // from 01:00 to 02:00 does not exist, which leaves 7 bookable hours.
  const int64_t id = add_centre("Harmondsworth", every_day(0, 8 * 60));
  record_relay_up(*store, std::nullopt, at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z"));
  const DailyAvailability figure = compute_daily_availability(*store, centre(id), date(2026, 3, 29));
  EXPECT_EQ(figure.day_length, hours{23});
  EXPECT_EQ(figure.bookable, hours{7});
  EXPECT_EQ(figure.available, hours{7});
  EXPECT_FALSE(figure.below_minimum);
  EXPECT_EQ(compute_daily_availability(*store, centre(id), date(2026, 3, 28)).available, hours{8});
}

TEST_F(AvailabilityRecordTest, SpringForwardOutageFlagged) {
  const int64_t id = add_centre("Harmondsworth", every_day(0, 8 * 60));
  // Down from 00:00 to 01:00 GMT, then up from 02:00 BST (01:00 UTC).
  record_relay_up(*store, std::nullopt, at("2026-03-29T01:00:00Z"), at("2026-03-29T12:00:00Z"));
  const DailyAvailability figure = compute_daily_availability(*store, centre(id), date(2026, 3, 29));
  EXPECT_EQ(figure.available, hours{6});
  EXPECT_TRUE(figure.below_minimum);
}

TEST_F(AvailabilityRecordTest, FallBackDay) {
  // On the last Sunday of October the hour from 01:00 to 02:00 happens
  // twice: 9 bookable hours between local midnight and 08:00.
  const int64_t id = add_centre("Harmondsworth", every_day(0, 8 * 60));
  record_relay_up(*store, std::nullopt, at("2026-10-24T00:00:00Z"), at("2026-10-26T12:00:00Z"));
  const DailyAvailability figure = compute_daily_availability(*store, centre(id), date(2026, 10, 25));
  EXPECT_EQ(figure.day_length, hours{25});
  EXPECT_EQ(figure.bookable, hours{9});
  EXPECT_EQ(figure.available, hours{9});
  EXPECT_FALSE(figure.below_minimum);
}

TEST_F(AvailabilityRecordTest, FallBackDayStartsAtLocalMidnight) {
  const int64_t id = add_centre("Harmondsworth", every_day(0, 8 * 60));
  // Local midnight BST is 23:00 UTC the day before; up until 01:00 GMT,
  // which covers both runs of the repeated hour.
  record_relay_up(*store, std::nullopt, at("2026-10-24T23:00:00Z"), at("2026-10-25T01:00:00Z"));
  const DailyAvailability figure = compute_daily_availability(*store, centre(id), date(2026, 10, 25));
  EXPECT_EQ(figure.available, hours{2});
  EXPECT_TRUE(figure.below_minimum);
  EXPECT_EQ(compute_daily_availability(*store, centre(id), date(2026, 10, 24)).available, hours{0});
}

TEST_F(AvailabilityRecordTest, HeartbeatsCloseTheDay) {
  const int64_t id = add_centre("Harmondsworth");
  AvailabilityRecorder recorder(*store);
  size_t closed_before_midnight = 0;
  // A heartbeat every minute on Tuesday 10 March 2026 (GMT), with the relay
  // down after 10:00 until 12:00.
  for (UtcTime t = at("2026-03-10T00:00:00Z"); t < at("2026-03-11T00:00:00Z"); t += minutes{1}) {
    const bool up = t <= at("2026-03-10T10:00:00Z") || t >= at("2026-03-10T12:00:00Z");
    closed_before_midnight += recorder.tick(t, up).size();
  }
  EXPECT_EQ(closed_before_midnight, 0u);

  const auto closed = recorder.tick(at("2026-03-11T00:00:00Z"), true);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].centre_id, id);
  EXPECT_EQ(closed[0].day, date(2026, 3, 10));
  EXPECT_EQ(closed[0].available, hours{10});
  EXPECT_TRUE(recorder.tick(at("2026-03-11T00:01:00Z"), true).empty());

  const auto stored = stored_daily_availability(*store, id, date(2026, 3, 1), date(2026, 3, 31));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].available, hours{10});
  EXPECT_EQ(stored[0].bookable, hours{12});
  EXPECT_EQ(stored[0].day_length, hours{24});
  EXPECT_FALSE(stored[0].below_minimum);
}

TEST_F(AvailabilityRecordTest, MissedHeartbeatsAreDowntime) {
  const int64_t id = add_centre("Harmondsworth");
  AvailabilityRecorder recorder(*store);
  recorder.tick(at("2026-03-10T08:00:00Z"), true);
  recorder.tick(at("2026-03-10T08:02:00Z"), true);  // within kHeartbeatGapMax: one interval
  recorder.tick(at("2026-03-10T09:00:00Z"), true);  // after a gap: a new interval
  recorder.tick(at("2026-03-10T09:30:00Z"), true);
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM relay_up_intervals").at(0).integer(0), 3);
  const DailyAvailability figure = compute_daily_availability(*store, centre(id), date(2026, 3, 10));
  EXPECT_EQ(figure.available, minutes{2});
}

TEST_F(AvailabilityRecordTest, OutageDaysAreBackfilled) {
  const int64_t id = add_centre("Harmondsworth");
  AvailabilityRecorder recorder(*store);
  recorder.tick(at("2026-03-10T20:00:00Z"), true);
  // The server comes back three days later.
  const auto closed = recorder.tick(at("2026-03-13T09:00:00Z"), true);
  ASSERT_EQ(closed.size(), 3u);
  EXPECT_EQ(closed[0].day, date(2026, 3, 10));
  EXPECT_EQ(closed[1].day, date(2026, 3, 11));
  EXPECT_EQ(closed[1].available, seconds{0});
  EXPECT_TRUE(closed[1].below_minimum);
  EXPECT_EQ(closed[2].day, date(2026, 3, 12));
  EXPECT_EQ(stored_daily_availability(*store, id, date(2026, 3, 1), date(2026, 3, 31)).size(), 3u);
}

TEST_F(AvailabilityRecordTest, NothingBeforeFirstUptime) {
  add_centre("Harmondsworth");
  AvailabilityRecorder recorder(*store);
  EXPECT_TRUE(recorder.close_finished_days(at("2026-03-13T09:00:00Z")).empty());
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM daily_availability").at(0).integer(0), 0);
}

}  // namespace
}  // namespace sightline::policy

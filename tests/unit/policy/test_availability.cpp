// Opening windows, the slot grid and the 7-hour daily minimum, including the
// days the clocks change in Europe/London.
#include <gtest/gtest.h>

#include "policy/opening_windows.h"
#include "policy/records.h"
#include "policy_fixture.h"

namespace sightline::policy {
namespace {

using std::chrono::local_days;
using std::chrono::March;
using std::chrono::October;

const CentreTimeZone& london() {
  static const CentreTimeZone zone = CentreTimeZone::find("Europe/London").value();
  return zone;
}

TEST(Availability, SevenHoursAccepted) {
  EXPECT_FALSE(check_daily_availability(london(), every_day(9 * 60, 16 * 60), local_days{std::chrono::year{2026} / 1 / 1}, 366));
}

TEST(Availability, SixAndAHalfHoursRejected) {
  auto windows = every_day(9 * 60, 16 * 60);
  windows[3].end_minute = 15 * 60 + 30;  // Wednesday 09:00 to 15:30
  auto refusal = check_daily_availability(london(), windows, local_days{std::chrono::year{2026} / 1 / 1}, 366);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->code, RefusalCode::availability_below_minimum);
  EXPECT_NE(refusal->reason.find("Wednesday"), std::string::npos) << refusal->reason;
  EXPECT_NE(refusal->reason.find("6.5 hours"), std::string::npos) << refusal->reason;
}

TEST(Availability, SpringForwardDayHasTwentyThreeHours) {
  const local_days day{std::chrono::year{2026} / March / 29};  // last Sunday of March 2026
  EXPECT_EQ(london().start_of_day(day + std::chrono::days{1}) - london().start_of_day(day), std::chrono::hours{23});
  // Open from midnight to 07:00: the hour 01:00 to 02:00 does not exist.
  const auto windows = every_day(0, 7 * 60);
  EXPECT_EQ(bookable_time(london(), windows, day), std::chrono::minutes{6 * 60});
  EXPECT_EQ(bookable_time(london(), windows, day - std::chrono::days{7}), std::chrono::minutes{7 * 60});
}

TEST(Availability, SpringForwardShortfallRejected) {
  auto refusal = check_daily_availability(london(), every_day(0, 7 * 60), local_days{std::chrono::year{2026} / 1 / 1}, 366);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_NE(refusal->reason.find("Sunday 2026-03-29"), std::string::npos) << refusal->reason;
  EXPECT_NE(refusal->reason.find("6.0 hours"), std::string::npos) << refusal->reason;
}

TEST(Availability, FallBackDayHasTwentyFiveHours) {
  const local_days day{std::chrono::year{2026} / October / 25};  // last Sunday of October 2026
  EXPECT_EQ(london().start_of_day(day + std::chrono::days{1}) - london().start_of_day(day), std::chrono::hours{25});
  // The repeated hour 01:00 to 02:00 is offered twice.
  const auto slots = bookable_slots(london(), every_day(0, 7 * 60), day);
  EXPECT_EQ(slots.size(), 16u);
  EXPECT_EQ(format_utc(slots.at(2)), "2026-10-25T00:00:00Z");  // 01:00 BST
  EXPECT_EQ(format_utc(slots.at(4)), "2026-10-25T01:00:00Z");  // 01:00 GMT
}

TEST(Availability, SlotGridFollowsLocalTime) {
  const auto windows = every_day(8 * 60, 20 * 60);
  // 08:00 BST on 1 July is 07:00 UTC.
  EXPECT_TRUE(is_bookable_slot(london(), windows, at("2026-07-01T07:00:00Z")));
  EXPECT_FALSE(is_bookable_slot(london(), windows, at("2026-07-01T06:30:00Z")));
  EXPECT_FALSE(is_bookable_slot(london(), windows, at("2026-07-01T07:15:00Z")));
  // The last slot starts at 19:30 local time.
  EXPECT_TRUE(is_bookable_slot(london(), windows, at("2026-07-01T18:30:00Z")));
  EXPECT_FALSE(is_bookable_slot(london(), windows, at("2026-07-01T19:00:00Z")));
}

TEST(Availability, OverlappingWindowsRejected) {
  auto windows = every_day(8 * 60, 20 * 60);
  windows.push_back({1, 19 * 60, 21 * 60});
  auto refusal = check_window_shape(windows);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_NE(refusal->reason.find("Monday"), std::string::npos);
}

class CentreAvailability : public StoreTest {};
SIGHTLINE_POLICY_STORES(CentreAvailability);

TEST_P(CentreAvailability, ShortWindowsRefused) {
  FakeClock clock(at("2026-01-10T12:00:00Z"));
  Records records(*store, clock);
  auto added = records.add_centre("Colnbrook", "Europe/London", every_day(0, 7 * 60));
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.refusal().code, RefusalCode::availability_below_minimum);
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM centres").at(0).integer(0), 0);

  auto unknown_zone = records.add_centre("Colnbrook", "Europe/Atlantis", every_day(8 * 60, 20 * 60));
  ASSERT_FALSE(unknown_zone.ok());
  EXPECT_EQ(unknown_zone.refusal().code, RefusalCode::invalid_input);
}

}  // namespace
}  // namespace sightline::policy

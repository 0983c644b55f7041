// TickSchedule: a worker's tick runs a participant only when its timer is
// due, and polls for analysis's keyframe requests only after one was made.
#include "relay/call/tick_schedule.h"

#include <gtest/gtest.h>

#include <vector>

namespace sightline::call {
namespace {

// Due every `interval` after each tick; counts what the schedule ran.
class FakeParticipant final : public Scheduled {
 public:
  explicit FakeParticipant(Duration interval) : interval_(interval) {}

  TimePoint tick(TimePoint now) override {
    ticks.push_back(now);
    return now + interval_;
  }
  void poll_tap_keyframe_request(TimePoint) override { ++polls; }

  std::vector<TimePoint> ticks;
  int polls = 0;

 private:
  Duration interval_;
};

constexpr milliseconds kWorkerTick{10};

TEST(TickSchedule, RunsParticipantsOnlyWhenDue) {
  TickSchedule schedule;
  FakeParticipant every_50ms(milliseconds(50));
  FakeParticipant every_tick(milliseconds(0));
  schedule.add(every_50ms);
  schedule.add(every_tick);

  const TimePoint start = now();
  for (int i = 0; i < 100; ++i) schedule.run(start + i * kWorkerTick);

  // Due at once, then at 50 ms steps: 0, 50, ..., 950 ms.
  ASSERT_EQ(every_50ms.ticks.size(), 20u);
  for (size_t i = 0; i < every_50ms.ticks.size(); ++i) {
    EXPECT_EQ(every_50ms.ticks[i], start + milliseconds(50) * static_cast<int>(i));
  }
  EXPECT_EQ(every_tick.ticks.size(), 100u);
  EXPECT_EQ(schedule.ticks_run(), 120u);
  // No keyframe was requested, so no participant was polled.
  EXPECT_EQ(every_50ms.polls, 0);
  EXPECT_EQ(every_tick.polls, 0);
}

TEST(TickSchedule, PollsOnceAfterKeyframeRequest) {
  TickSchedule schedule;
  FakeParticipant first(milliseconds(1000));
  FakeParticipant second(milliseconds(1000));
  schedule.add(first);
  schedule.add(second);
  const TimePoint start = now();
  schedule.run(start);

  // The worker flag, as a participant's flag sets it on an analysis request.
  schedule.tap_requests()->store(true);
  schedule.run(start + kWorkerTick);
  schedule.run(start + 2 * kWorkerTick);
  EXPECT_EQ(first.polls, 1);
  EXPECT_EQ(second.polls, 1);
  // The requests were polled without running the participants' timers.
  EXPECT_EQ(first.ticks.size(), 1u);
}

TEST(TickSchedule, RemovedParticipantNotRun) {
  TickSchedule schedule;
  FakeParticipant staying(milliseconds(0));
  FakeParticipant leaving(milliseconds(0));
  FakeParticipant joining(milliseconds(0));
  schedule.add(staying);
  schedule.add(leaving);
  const TimePoint start = now();
  schedule.run(start);

  schedule.remove(leaving);
  schedule.remove(leaving);  // a second removal changes nothing
  schedule.add(joining);
  schedule.run(start + kWorkerTick);

  EXPECT_EQ(schedule.size(), 2u);
  EXPECT_EQ(staying.ticks.size(), 2u);
  EXPECT_EQ(leaving.ticks.size(), 1u);
  // Due at once when added.
  EXPECT_EQ(joining.ticks.size(), 1u);
}

}  // namespace
}  // namespace sightline::call

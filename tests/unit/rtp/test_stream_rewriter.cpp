// Tests of outbound sequence number and timestamp continuity across source
// switches and wraps.
#include "relay/rtp/stream_rewriter.h"

#include <gtest/gtest.h>

namespace sightline::rtp {
namespace {

constexpr uint32_t kOutboundSsrc = 0x0A0B0C0D;
constexpr uint32_t kVideoClockHz = 90000;

TEST(SequenceRewriter, KeepsFirstSource) {
  SequenceRewriter rewriter(kOutboundSsrc, kVideoClockHz);
  const auto header = rewriter.rewrite(111, 500, 9000, TimePoint{});
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->ssrc, kOutboundSsrc);
  EXPECT_EQ(header->sequence_number, 500);
  EXPECT_EQ(header->timestamp, 9000u);
}

TEST(SequenceRewriter, ContinuesAcrossSwitchAndWraps) {
  SequenceRewriter rewriter(kOutboundSsrc, kVideoClockHz);
  TimePoint now{};
  // Source A ends at seq 65535 and timestamp 0xFFFFFF00.
  ASSERT_TRUE(rewriter.rewrite(1, 65534, 0xFFFFF000, now).has_value());
  ASSERT_TRUE(rewriter.rewrite(1, 65535, 0xFFFFFF00, now).has_value());

  // Source B starts 40 ms later at unrelated numbers.
  now += milliseconds(40);
  const auto first = rewriter.rewrite(2, 1000, 5000, now);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->sequence_number, 0);
  EXPECT_EQ(first->timestamp, 0xFFFFFF00u + 3600u);  // wraps past 2^32
  EXPECT_EQ(rewriter.switch_count(), 1u);

  const auto second = rewriter.rewrite(2, 1001, 5000 + 3000, now + milliseconds(33));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->sequence_number, 1);
  EXPECT_EQ(second->timestamp, first->timestamp + 3000u);
}

TEST(SequenceRewriter, DropsPacketsBeforeSwitchPoint) {
  SequenceRewriter rewriter(kOutboundSsrc, kVideoClockHz);
  const TimePoint now{};
  ASSERT_TRUE(rewriter.rewrite(1, 10, 0, now).has_value());
  ASSERT_TRUE(rewriter.rewrite(2, 200, 0, now).has_value());
  EXPECT_FALSE(rewriter.rewrite(2, 199, 0, now).has_value());
  EXPECT_EQ(rewriter.dropped_count(), 1u);

  // Reordered packets after the switch point keep their place.
  const auto late = rewriter.rewrite(2, 202, 0, now);
  const auto early = rewriter.rewrite(2, 201, 0, now);
  ASSERT_TRUE(late.has_value());
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->sequence_number, 12);
  EXPECT_EQ(late->sequence_number, 13);
}

TEST(SequenceRewriter, InboundWrapAfterSwitch) {
  SequenceRewriter rewriter(kOutboundSsrc, kVideoClockHz);
  const TimePoint now{};
  ASSERT_TRUE(rewriter.rewrite(1, 100, 0, now).has_value());
  ASSERT_TRUE(rewriter.rewrite(2, 65535, 0, now).has_value());
  const auto wrapped = rewriter.rewrite(2, 0, 0, now);
  ASSERT_TRUE(wrapped.has_value());
  EXPECT_EQ(wrapped->sequence_number, 102);
  // Well past 32768 packets later the switch point is still behind.
  uint16_t seq = 0;
  for (int i = 0; i < 40000; ++i) {
    ++seq;
    ASSERT_TRUE(rewriter.rewrite(2, seq, 0, now).has_value());
  }
  EXPECT_TRUE(rewriter.rewrite(2, static_cast<uint16_t>(seq - 5), 0, now).has_value());
}

TEST(SequenceRewriter, StepsTimestampAtLeastOne) {
  SequenceRewriter rewriter(kOutboundSsrc, kVideoClockHz);
  const TimePoint now{};
  ASSERT_TRUE(rewriter.rewrite(1, 1, 777, now).has_value());
  const auto switched = rewriter.rewrite(2, 50, 123456, now);
  ASSERT_TRUE(switched.has_value());
  EXPECT_EQ(switched->timestamp, 778u);
}

TEST(SequenceRewriter, SkippedPacketsLeaveNoGap) {
  SequenceRewriter rewriter(kOutboundSsrc, kVideoClockHz);
  const TimePoint now{};
  ASSERT_EQ(rewriter.rewrite(7, 100, 0, now)->sequence_number, 100);
  // 101 and 102 belong to a thinned temporal layer.
  rewriter.skip(7, 101);
  rewriter.skip(7, 102);
  EXPECT_EQ(rewriter.rewrite(7, 103, 0, now)->sequence_number, 101);
  // A second skip of an old packet and a skip for another source change nothing.
  rewriter.skip(7, 101);
  rewriter.skip(8, 104);
  EXPECT_EQ(rewriter.rewrite(7, 104, 0, now)->sequence_number, 102);
  EXPECT_EQ(rewriter.skipped_count(), 2u);
  // A packet lost on the way in stays a gap the receiver can NACK.
  EXPECT_EQ(rewriter.rewrite(7, 106, 0, now)->sequence_number, 104);
}

}  // namespace
}  // namespace sightline::rtp

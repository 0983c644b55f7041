// Tests of RFC 3550 receiver statistics: sequence tracking, loss, jitter and
// round-trip time.
#include "relay/rtp/receive_statistics.h"

#include <gtest/gtest.h>

namespace sightline::rtp {
namespace {

constexpr uint32_t kVideoClockHz = 90000;

TEST(ReceiveStatistics, CountsWrapAndLoss) {
  ReceiveStatistics stats(42, kVideoClockHz);
  TimePoint now{};
  uint32_t timestamp = 1000;
  // 65530..65535, then 0..9 with 3 and 4 missing.
  for (uint32_t i = 65530; i < 65536 + 10; ++i) {
    const uint16_t seq = static_cast<uint16_t>(i);
    if (seq == 3 || seq == 4) continue;
    stats.on_packet(seq, timestamp, now);
    now += milliseconds(10);
    timestamp += 900;
  }
  EXPECT_TRUE(stats.is_valid());
  EXPECT_EQ(stats.extended_highest_sequence(), 65536u + 9);
  EXPECT_EQ(stats.cumulative_lost(), 2);

  const ReportBlock block = stats.build_report_block(now);
  EXPECT_EQ(block.ssrc, 42u);
  EXPECT_EQ(block.extended_highest_sequence, 65536u + 9);
  EXPECT_EQ(block.cumulative_lost, 2);
  // Probation skips the first packet: 15 expected from 65531, 2 lost.
  EXPECT_EQ(block.fraction_lost, (2 << 8) / 15);
  EXPECT_EQ(block.jitter, 0u);
}

TEST(ReceiveStatistics, FractionLostPerInterval) {
  ReceiveStatistics stats(1, kVideoClockHz);
  const TimePoint now{};
  for (uint16_t seq = 0; seq < 11; ++seq) stats.on_packet(seq, 0, now);
  EXPECT_EQ(stats.build_report_block(now).fraction_lost, 0);
  // Next interval: 10 expected (11..20), 5 received.
  for (uint16_t seq = 11; seq <= 20; seq += 2) stats.on_packet(seq, 0, now);
  stats.on_packet(20, 0, now);
  const ReportBlock block = stats.build_report_block(now);
  EXPECT_EQ(block.fraction_lost, (4 << 8) / 10);
  EXPECT_EQ(block.cumulative_lost, 4);
}

TEST(ReceiveStatistics, ProbationIgnoresFirstPacket) {
  ReceiveStatistics stats(1, kVideoClockHz);
  EXPECT_FALSE(stats.on_packet(100, 0, TimePoint{}));
  EXPECT_FALSE(stats.is_valid());
  EXPECT_TRUE(stats.on_packet(101, 0, TimePoint{}));
  EXPECT_TRUE(stats.is_valid());
  EXPECT_EQ(stats.received(), 1u);
}

TEST(ReceiveStatistics, ResyncsAfterRestart) {
  ReceiveStatistics stats(1, kVideoClockHz);
  const TimePoint now{};
  for (uint16_t seq = 0; seq < 10; ++seq) stats.on_packet(seq, 0, now);
  // A jump of 20000: the first packet is discarded, the second confirms.
  EXPECT_FALSE(stats.on_packet(20000, 0, now));
  EXPECT_TRUE(stats.on_packet(20001, 0, now));
  EXPECT_EQ(stats.extended_highest_sequence(), 20001u);
  EXPECT_EQ(stats.cumulative_lost(), 0);
}

TEST(ReceiveStatistics, JitterFromArrivalVariation) {
  ReceiveStatistics stats(1, kVideoClockHz);
  TimePoint now{};
  uint32_t timestamp = 0;
  // Packets every 20 ms of media time, arriving alternately 0 and 10 ms late:
  // |D| is 900 units each time after the first, so J converges toward 900.
  for (uint16_t seq = 0; seq < 200; ++seq) {
    const TimePoint arrival = now + milliseconds(seq % 2 == 0 ? 0 : 10);
    stats.on_packet(seq, timestamp, arrival);
    now += milliseconds(20);
    timestamp += 1800;
  }
  EXPECT_NEAR(static_cast<double>(stats.jitter()), 900.0, 10.0);
}

TEST(ReceiveStatistics, DelaySinceLastSr) {
  ReceiveStatistics stats(1, kVideoClockHz);
  const TimePoint arrival{};
  const uint64_t ntp = 0x0000123456789ABCULL;
  stats.on_sender_report(ntp, arrival);
  const ReportBlock block = stats.build_report_block(arrival + milliseconds(500));
  EXPECT_EQ(block.last_sr, 0x12345678u);
  EXPECT_EQ(block.delay_since_last_sr, 32768u);
}

TEST(ReceiveStatistics, RoundTripTime) {
  ReportBlock block;
  const uint64_t sent_ntp = uint64_t{4096} << 32;  // 4096 s
  block.last_sr = compact_ntp(sent_ntp);
  block.delay_since_last_sr = 65536 / 2;  // 500 ms held by the receiver
  // The report arrives 650 ms after the SR was sent.
  const uint64_t now_ntp = sent_ntp + ((uint64_t{650} << 32) / 1000);
  const auto rtt = rtt_from_report_block(block, now_ntp);
  ASSERT_TRUE(rtt.has_value());
  EXPECT_NEAR(static_cast<double>(to_us(*rtt)), 150'000.0, 50.0);
}

TEST(ReceiveStatistics, RoundTripTimeNeedsLastSr) {
  ReportBlock block;
  EXPECT_FALSE(rtt_from_report_block(block, 0x0001000000000000ULL).has_value());
  block.last_sr = 0x10000;
  block.delay_since_last_sr = 0x20000;
  EXPECT_FALSE(rtt_from_report_block(block, 0x0001000000000000ULL).has_value());
}

}  // namespace
}  // namespace sightline::rtp

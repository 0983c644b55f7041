// Tests of receiver-side loss detection and NACK scheduling.
#include "relay/rtp/nack_generator.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace sightline::rtp {
namespace {

std::vector<uint16_t> collect(NackGenerator& generator, TimePoint now) {
  std::array<uint16_t, 64> out{};
  const size_t count = generator.collect_nacks(now, out);
  return std::vector<uint16_t>(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(count));
}

TEST(NackGenerator, ReportsGapAcrossWrap) {
  NackGenerator generator;
  const TimePoint start{};
  generator.on_packet(65533, start);
  generator.on_packet(1, start);
  EXPECT_EQ(generator.missing_count(), 3u);
  EXPECT_EQ(collect(generator, start), (std::vector<uint16_t>{65534, 65535, 0}));
}

TEST(NackGenerator, RemovesRecoveredPacket) {
  NackGenerator generator;
  const TimePoint start{};
  generator.on_packet(10, start);
  generator.on_packet(14, start);
  EXPECT_TRUE(generator.on_packet(12, start));
  EXPECT_FALSE(generator.on_packet(12, start));
  EXPECT_EQ(collect(generator, start), (std::vector<uint16_t>{11, 13}));
}

TEST(NackGenerator, RetriesAfterRtt) {
  NackGenerator generator;
  generator.set_rtt(milliseconds(40));
  const TimePoint start{};
  generator.on_packet(1, start);
  generator.on_packet(3, start);
  EXPECT_EQ(collect(generator, start), (std::vector<uint16_t>{2}));
  EXPECT_TRUE(collect(generator, start + milliseconds(39)).empty());
  EXPECT_EQ(collect(generator, start + milliseconds(40)), (std::vector<uint16_t>{2}));
}

TEST(NackGenerator, ClampsRetryInterval) {
  NackGenerator generator;
  generator.set_rtt(milliseconds(1));
  const TimePoint start{};
  generator.on_packet(1, start);
  generator.on_packet(3, start);
  EXPECT_EQ(collect(generator, start).size(), 1u);
  EXPECT_TRUE(collect(generator, start + milliseconds(19)).empty());
  EXPECT_EQ(collect(generator, start + milliseconds(20)).size(), 1u);
}

TEST(NackGenerator, GivesUpAfterMaxRetries) {
  NackGenerator::Config config;
  config.max_retries = 10;
  config.max_age = seconds(10);
  NackGenerator generator(config);
  generator.set_rtt(milliseconds(20));
  TimePoint now{};
  generator.on_packet(1, now);
  generator.on_packet(3, now);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(collect(generator, now), (std::vector<uint16_t>{2})) << "attempt " << i;
    now += milliseconds(20);
  }
  EXPECT_TRUE(collect(generator, now).empty());
  EXPECT_EQ(generator.missing_count(), 0u);
  EXPECT_EQ(generator.given_up_count(), 1u);
}

TEST(NackGenerator, DropsExpiredEntries) {
  NackGenerator generator;
  const TimePoint start{};
  generator.on_packet(1, start);
  generator.on_packet(3, start);
  EXPECT_TRUE(collect(generator, start + milliseconds(1001)).empty());
  EXPECT_EQ(generator.missing_count(), 0u);
}

TEST(NackGenerator, ResetsOnLargeJump) {
  NackGenerator generator;
  const TimePoint start{};
  generator.on_packet(1, start);
  generator.on_packet(3, start);
  generator.on_packet(3 + 300, start);
  EXPECT_EQ(generator.reset_count(), 1u);
  EXPECT_EQ(generator.missing_count(), 0u);
  generator.on_packet(3 + 302, start);
  EXPECT_EQ(collect(generator, start), (std::vector<uint16_t>{3 + 301}));
}

TEST(NackGenerator, KeepsNewestWhenFull) {
  NackGenerator::Config config;
  config.max_missing = 4;
  NackGenerator generator(config);
  const TimePoint start{};
  generator.on_packet(0, start);
  generator.on_packet(4, start);  // 1, 2, 3 missing
  generator.on_packet(7, start);  // 5, 6 missing; 1 is dropped
  EXPECT_EQ(collect(generator, start), (std::vector<uint16_t>{2, 3, 5, 6}));
}

TEST(NackGenerator, LimitsOutputToSpan) {
  NackGenerator generator;
  const TimePoint start{};
  generator.on_packet(0, start);
  generator.on_packet(10, start);
  std::array<uint16_t, 4> out{};
  EXPECT_EQ(generator.collect_nacks(start, out), 4u);
  EXPECT_EQ(out[3], 4);
  std::array<uint16_t, 16> rest{};
  EXPECT_EQ(generator.collect_nacks(start, rest), 5u);
  EXPECT_EQ(rest[0], 5);
}

}  // namespace
}  // namespace sightline::rtp

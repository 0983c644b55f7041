// Tests of transport-wide congestion feedback built from packet arrivals:
// the feedback is parsed back and compared with what arrived.
#include "relay/rtp/transport_feedback_generator.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "relay/rtp/rate_meter.h"
#include "relay/rtp/rtcp_packet.h"

namespace sightline::rtp {
namespace {

constexpr uint32_t kSenderSsrc = 0x11111111;
constexpr uint32_t kMediaSsrc = 0x22222222;

struct ReportedPacket {
  uint16_t sequence = 0;
  bool received = false;
  int64_t arrival_us = 0;  // reference time plus the running sum of deltas
};

class FeedbackCollector final : public RtcpVisitor {
 public:
  void on_transport_feedback(const TransportFeedback& feedback) override {
    ++feedback_packets;
    EXPECT_EQ(feedback.sender_ssrc(), kSenderSsrc);
    EXPECT_EQ(feedback.media_ssrc(), kMediaSsrc);
    feedback_counts.push_back(feedback.feedback_count());
    int64_t time_us = feedback.reference_time_us();
    feedback.for_each_packet([&](uint16_t sequence, bool received, int64_t delta_us) {
      time_us += delta_us;
      packets.push_back({sequence, received, received ? time_us : 0});
    });
  }
  size_t feedback_packets = 0;
  std::vector<uint8_t> feedback_counts;
  std::vector<ReportedPacket> packets;
};

FeedbackCollector write_and_parse(TransportFeedbackGenerator& generator, size_t* written = nullptr) {
  std::array<uint8_t, 1200> buffer{};
  RtcpWriter writer{MutableByteView(buffer)};
  const size_t count = generator.write_feedback(writer, kSenderSsrc, kMediaSsrc);
  if (written != nullptr) *written = count;
  FeedbackCollector collector;
  EXPECT_EQ(parse_rtcp_compound(writer.data(), collector), RtcpParseError::ok);
  return collector;
}

// A time point with a whole number of 250 us units since the epoch, so that
// the arrival times survive the feedback's 250 us resolution exactly.
TimePoint at_us(int64_t us) { return TimePoint{} + microseconds(us); }

TEST(TransportFeedbackGenerator, ReportsArrivalsAndGaps) {
  TransportFeedbackGenerator generator;
  const int64_t start = 10'000'000;
  generator.on_packet(100, at_us(start));
  generator.on_packet(101, at_us(start + 5'000));
  // 102 is lost; 104 arrives before 103.
  generator.on_packet(104, at_us(start + 20'000));
  generator.on_packet(103, at_us(start + 21'000));
  ASSERT_TRUE(generator.has_pending());

  const FeedbackCollector feedback = write_and_parse(generator);
  ASSERT_EQ(feedback.feedback_packets, 1u);
  ASSERT_EQ(feedback.packets.size(), 5u);
  const std::array<bool, 5> received = {true, true, false, true, true};
  const std::array<int64_t, 5> arrival = {start, start + 5'000, 0, start + 21'000, start + 20'000};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(feedback.packets[i].sequence, 100 + i) << i;
    EXPECT_EQ(feedback.packets[i].received, received[i]) << i;
    // The reference time plus the running sum of deltas gives back each arrival.
    EXPECT_EQ(feedback.packets[i].arrival_us, arrival[i]) << i;
  }
  EXPECT_FALSE(generator.has_pending());
}

TEST(TransportFeedbackGenerator, ContinuesAfterFeedbackWithoutRepeats) {
  TransportFeedbackGenerator generator;
  generator.on_packet(7, at_us(1'000'000));
  generator.on_packet(8, at_us(1'010'000));
  const FeedbackCollector first = write_and_parse(generator);
  ASSERT_EQ(first.packets.size(), 2u);

  // A late copy of a reported packet is not reported again.
  generator.on_packet(8, at_us(1'020'000));
  EXPECT_FALSE(generator.has_pending());
  generator.on_packet(10, at_us(1'030'000));
  const FeedbackCollector second = write_and_parse(generator);
  ASSERT_EQ(second.packets.size(), 2u);
  EXPECT_EQ(second.packets[0].sequence, 9);
  EXPECT_FALSE(second.packets[0].received);
  EXPECT_EQ(second.packets[1].sequence, 10);
  EXPECT_TRUE(second.packets[1].received);
  ASSERT_EQ(second.feedback_counts.size(), 1u);
  EXPECT_EQ(second.feedback_counts[0], 1);
}

TEST(TransportFeedbackGenerator, WrapsSequenceNumbers) {
  TransportFeedbackGenerator generator;
  generator.on_packet(65534, at_us(2'000'000));
  generator.on_packet(65535, at_us(2'001'000));
  generator.on_packet(0, at_us(2'002'000));
  generator.on_packet(1, at_us(2'003'000));
  const FeedbackCollector feedback = write_and_parse(generator);
  ASSERT_EQ(feedback.packets.size(), 4u);
  EXPECT_EQ(feedback.packets[0].sequence, 65534);
  EXPECT_EQ(feedback.packets[3].sequence, 1);
  for (const ReportedPacket& packet : feedback.packets) EXPECT_TRUE(packet.received);
  EXPECT_EQ(feedback.packets[3].arrival_us - feedback.packets[0].arrival_us, 3'000);
}

TEST(TransportFeedbackGenerator, SplitsLongRoundsAndLongGaps) {
  TransportFeedbackGenerator generator;
  const size_t total = TransportFeedbackGenerator::kMaxPacketsPerFeedback + 50;
  for (size_t i = 0; i < total; ++i) {
    generator.on_packet(static_cast<uint16_t>(i), at_us(5'000'000 + static_cast<int64_t>(i) * 1'000));
  }
  // A pause of 10 s does not fit a 16-bit delta of 250 us units.
  generator.on_packet(static_cast<uint16_t>(total), at_us(15'000'000));
  size_t written = 0;
  const FeedbackCollector feedback = write_and_parse(generator, &written);
  EXPECT_EQ(written, 3u);
  ASSERT_EQ(feedback.packets.size(), total + 1);
  for (size_t i = 0; i < feedback.packets.size(); ++i) {
    EXPECT_EQ(feedback.packets[i].sequence, i);
    EXPECT_TRUE(feedback.packets[i].received);
  }
  EXPECT_EQ(feedback.packets.back().arrival_us, 15'000'000);
}

TEST(TransportFeedbackGenerator, CutsLongRunOfLosses) {
  TransportFeedbackGenerator generator;
  generator.on_packet(0, at_us(1'000'000));
  ASSERT_EQ(write_and_parse(generator).packets.size(), 1u);
  // 500 packets lost, then one arrives.
  generator.on_packet(501, at_us(1'100'000));
  const FeedbackCollector feedback = write_and_parse(generator);
  ASSERT_EQ(feedback.packets.size(), TransportFeedbackGenerator::kMaxPacketsPerFeedback);
  EXPECT_EQ(feedback.packets.back().sequence, 501);
  EXPECT_TRUE(feedback.packets.back().received);
  EXPECT_FALSE(feedback.packets.front().received);
  EXPECT_FALSE(generator.has_pending());
}

TEST(RateMeter, MeasuresLastSecond) {
  RateMeter meter;
  TimePoint now = at_us(50'000'000);
  // 125 000 bytes per second is 1 Mbit/s.
  for (int i = 0; i < 100; ++i) {
    meter.add(1250, now);
    now += milliseconds(10);
  }
  EXPECT_NEAR(static_cast<double>(meter.rate_bps(now)), 1'000'000.0, 110'000.0);
  EXPECT_EQ(meter.rate_bps(now + seconds(2)), 0u);
}

}  // namespace
}  // namespace sightline::rtp

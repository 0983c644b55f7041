// Tests of the subscriber bandwidth estimate: growth on a clear path, and
// cuts on queuing delay growth and on loss. Feedback is built with the
// relay's own generator, as a subscriber's browser would send it.
#include "relay/rtp/send_side_estimator.h"

#include <gtest/gtest.h>

#include <array>

#include "relay/rtp/rtcp_packet.h"
#include "relay/rtp/transport_feedback_generator.h"

namespace sightline::rtp {
namespace {

class FeedbackRelay final : public RtcpVisitor {
 public:
  FeedbackRelay(SendSideEstimator& estimator, TimePoint now) : estimator_(estimator), now_(now) {}
  void on_transport_feedback(const TransportFeedback& feedback) override { estimator_.on_feedback(feedback, now_); }

 private:
  SendSideEstimator& estimator_;
  TimePoint now_;
};

// A path from the relay to a subscriber: packets of 1000 bytes every 5 ms
// (1.6 Mbit/s), delivered after `delay`, or lost, as the test decides;
// feedback every 50 ms.
class PathSimulation {
 public:
  // Runs for `duration`; delay_for(i) gives the one-way delay of packet i and
  // lost(i) whether it is lost.
  template <typename Delay, typename Loss>
  void run(Duration duration, Delay delay_for, Loss lost) {
    const TimePoint end = now_ + duration;
    while (now_ < end) {
      for (int i = 0; i < 10; ++i) {
        const uint16_t sequence = next_sequence_++;
        estimator.on_packet_sent(sequence, 1000, now_);
        if (!lost(packet_index_)) receiver_.on_packet(sequence, now_ + delay_for(packet_index_));
        ++packet_index_;
        now_ += milliseconds(5);
      }
      // Feedback reaches the relay after the newest packet's delay.
      std::array<uint8_t, 1200> buffer{};
      RtcpWriter writer{MutableByteView(buffer)};
      receiver_.write_feedback(writer, 1, 2);
      FeedbackRelay relay(estimator, now_ + delay_for(packet_index_ - 1));
      ASSERT_EQ(parse_rtcp_compound(writer.data(), relay), RtcpParseError::ok);
    }
  }

  SendSideEstimator estimator;

 private:
  TransportFeedbackGenerator receiver_;
  TimePoint now_ = TimePoint{} + seconds(100);
  uint16_t next_sequence_ = 65000;  // wraps during the run
  int64_t packet_index_ = 0;
};

auto constant_delay() {
  return [](int64_t) { return milliseconds(30); };
}
auto no_loss() {
  return [](int64_t) { return false; };
}

TEST(SendSideEstimator, GrowsOnClearPath) {
  PathSimulation path;
  path.run(seconds(5), constant_delay(), no_loss());
  EXPECT_GT(path.estimator.estimate_bps(), SendSideEstimator::kInitialBps * 13 / 10);
  EXPECT_LT(path.estimator.queuing_delay_us(), 5'000);
  EXPECT_EQ(path.estimator.loss_fraction(), 0.0);
  EXPECT_FALSE(path.estimator.congested());
}

TEST(SendSideEstimator, CutsOnDelayGrowth) {
  PathSimulation path;
  path.run(seconds(3), constant_delay(), no_loss());
  const uint64_t before = path.estimator.estimate_bps();
  // A queue builds: every packet waits 1 ms longer than the one before.
  int64_t first = -1;
  path.run(seconds(1), [&](int64_t index) {
    if (first < 0) first = index;
    return milliseconds(30 + (index - first));
  }, no_loss());
  EXPECT_GT(path.estimator.queuing_delay_us(), 60'000);
  EXPECT_TRUE(path.estimator.congested());
  // Below what the path delivered in the last second, 1.6 Mbit/s.
  EXPECT_LT(path.estimator.estimate_bps(), before);
  EXPECT_LE(path.estimator.estimate_bps(), 1'600'000u * 9 / 10);
}

TEST(SendSideEstimator, CutsOnLoss) {
  PathSimulation path;
  path.run(seconds(3), constant_delay(), no_loss());
  const uint64_t before = path.estimator.estimate_bps();
  // Every fourth packet lost.
  path.run(seconds(2), constant_delay(), [](int64_t index) { return index % 4 == 0; });
  EXPECT_NEAR(path.estimator.loss_fraction(), 0.25, 0.05);
  EXPECT_TRUE(path.estimator.congested());
  // Cut by an eighth at most every 300 ms while 25% is lost.
  EXPECT_LT(path.estimator.estimate_bps(), before * 6 / 10);
}

TEST(SendSideEstimator, HoldsOnLightLoss) {
  PathSimulation path;
  path.run(seconds(2), constant_delay(), no_loss());
  // One packet in 20 lost: 5%, between the thresholds.
  path.run(seconds(1), constant_delay(), [](int64_t index) { return index % 20 == 0; });
  const uint64_t before = path.estimator.estimate_bps();
  path.run(seconds(2), constant_delay(), [](int64_t index) { return index % 20 == 0; });
  EXPECT_EQ(path.estimator.estimate_bps(), before);
}

TEST(SendSideEstimator, IgnoresUnknownPackets) {
  SendSideEstimator estimator;
  TransportFeedbackGenerator receiver;
  receiver.on_packet(40000, TimePoint{} + seconds(1));
  std::array<uint8_t, 1200> buffer{};
  RtcpWriter writer{MutableByteView(buffer)};
  receiver.write_feedback(writer, 1, 2);
  FeedbackRelay relay(estimator, TimePoint{} + seconds(1));
  ASSERT_EQ(parse_rtcp_compound(writer.data(), relay), RtcpParseError::ok);
  EXPECT_EQ(estimator.estimate_bps(), SendSideEstimator::kInitialBps);
  EXPECT_EQ(estimator.loss_fraction(), 0.0);
}

}  // namespace
}  // namespace sightline::rtp

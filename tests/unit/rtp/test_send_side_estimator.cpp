// Tests of the subscriber bandwidth estimate: growth on a clear path, and
// cuts on queuing delay growth and on loss. Feedback is built with the
// relay's own generator, as a subscriber's browser would send it.
#include "relay/rtp/send_side_estimator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>

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
// (1.6 Mbit/s) unless the test sends fewer, delivered after `delay`, or
// lost, as the test decides; feedback every 50 ms.
class PathSimulation {
 public:
  // Runs for `duration`; delay_for(i) gives the one-way delay of packet i and
  // lost(i) whether it is lost. `packets_per_feedback` packets are sent,
  // evenly spaced, in each 50 ms between feedback packets.
  template <typename Delay, typename Loss>
  void run(Duration duration, Delay delay_for, Loss lost, int packets_per_feedback = 10) {
    const TimePoint end = now_ + duration;
    const Duration spacing = milliseconds(50) / packets_per_feedback;
    while (now_ < end) {
      for (int i = 0; i < packets_per_feedback; ++i) {
        const uint16_t sequence = next_sequence_++;
        estimator.on_packet_sent(sequence, 1000, now_);
        if (!lost(packet_index_)) receiver_.on_packet(sequence, now_ + delay_for(packet_index_));
        ++packet_index_;
        now_ += spacing;
      }
      // Feedback reaches the relay after the newest packet's delay.
      std::array<uint8_t, 1200> buffer{};
      RtcpWriter writer{MutableByteView(buffer)};
      // Without a packet received since the last feedback there is none.
      if (receiver_.write_feedback(writer, 1, 2) == 0) continue;
      FeedbackRelay relay(estimator, now_ + delay_for(packet_index_ - 1));
      ASSERT_EQ(parse_rtcp_compound(writer.data(), relay), RtcpParseError::ok);
    }
  }

  SendSideEstimator estimator;
  // The send time of the packet being sent.
  TimePoint now() const { return now_; }

 private:
  TransportFeedbackGenerator receiver_;
  TimePoint now_ = TimePoint{} + seconds(100);
  uint16_t next_sequence_ = 65000;  // wraps during the run
  int64_t packet_index_ = 0;
};

// A bottleneck that the simulated path meets from its first packet on: it
// forwards 1000-byte packets at `rate_bps` with a tail-drop queue of at most
// `queue` (as a token bucket filter does), 30 ms of propagation delay on top.
// Computes lost() and delay_for() for each packet index once, in
// order, from the packet's send time on `path`.
class Bottleneck {
 public:
  Bottleneck(const PathSimulation& path, uint64_t rate_bps, milliseconds queue)
      : path_(path),
        service_us_(int64_t{8'000} * 1'000'000 / static_cast<int64_t>(rate_bps)),
        queue_us_(to_us(queue)) {}

  bool lost(int64_t index) { return !queued_for(index).has_value(); }
  microseconds delay_for(int64_t index) {
    // A lost packet's delay is requested only as the feedback's timing: a full queue.
    return microseconds(30'000 + queued_for(index).value_or(queue_us_));
  }

 private:
  std::optional<int64_t> queued_for(int64_t index) {
    const auto found = results_.find(index);
    if (found != results_.end()) return found->second;
    const int64_t sent_us = to_us(path_.now().time_since_epoch());
    std::optional<int64_t> result;
    if (next_free_us_ - sent_us <= queue_us_) {
      const int64_t departure_us = std::max(sent_us, next_free_us_) + service_us_;
      next_free_us_ = departure_us;
      result = departure_us - sent_us;
    }
    results_.emplace(index, result);
    return result;
  }

  const PathSimulation& path_;
  int64_t service_us_;
  int64_t queue_us_;
  int64_t next_free_us_ = 0;
  std::map<int64_t, std::optional<int64_t>> results_;
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
  EXPECT_FALSE(path.estimator.lossy());
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
  // Queuing without loss: the decoder still gets every picture.
  EXPECT_FALSE(path.estimator.lossy());
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

TEST(SendSideEstimator, FollowsBottleneckAtOnset) {
  PathSimulation path;
  path.run(seconds(3), constant_delay(), no_loss());
  ASSERT_FALSE(path.estimator.congested());
  // The 1.6 Mbit/s stream meets a 400 kbit/s bottleneck with a 150 ms queue,
  // which drops three packets in four once full.
  Bottleneck bottleneck(path, 400'000, milliseconds(150));
  const auto delay = [&](int64_t index) { return bottleneck.delay_for(index); };
  const auto lost = [&](int64_t index) { return bottleneck.lost(index); };
  path.run(milliseconds(100), delay, lost);
  EXPECT_TRUE(path.estimator.congested());
  // Within two feedback packets the estimate is below what the bottleneck
  // delivers, not near what the path carried over the last half second.
  EXPECT_LE(path.estimator.estimate_bps(), 400'000u);
  EXPECT_NEAR(static_cast<double>(path.estimator.delivery_rate_bps()), 400'000.0, 40'000.0);

  // The sender does not slow down here, so the loss goes on: the estimate
  // stays at the share of the delivery rate that overuse leaves.
  path.run(seconds(1), delay, lost);
  EXPECT_TRUE(path.estimator.congested());
  EXPECT_GT(path.estimator.loss_fraction(), 0.5);
  EXPECT_GE(path.estimator.estimate_bps(), 300'000u);
  EXPECT_LE(path.estimator.estimate_bps(), 400'000u);
}

TEST(SendSideEstimator, KeepsEstimateWhileQueueDrains) {
  PathSimulation path;
  path.run(seconds(3), constant_delay(), no_loss());
  Bottleneck bottleneck(path, 400'000, milliseconds(150));
  const auto delay = [&](int64_t index) { return bottleneck.delay_for(index); };
  const auto lost = [&](int64_t index) { return bottleneck.lost(index); };
  path.run(milliseconds(300), delay, lost);
  ASSERT_TRUE(path.estimator.congested());
  const uint64_t congested_estimate = path.estimator.estimate_bps();

  // The relay moves to a smaller layer of 320 kbit/s: the queue drains,
  // and the losses of the packets it dropped before are still being
  // reported. Neither those losses nor what the subscriber receives now
  // (no measure of the path once the queue is empty) may cut the estimate.
  path.run(seconds(1), delay, lost, 2);
  EXPECT_FALSE(path.estimator.congested());
  EXPECT_GE(path.estimator.estimate_bps(), congested_estimate * 8 / 10);
  EXPECT_GE(path.estimator.estimate_bps(), 250'000u);
}

TEST(SendSideEstimator, SeesSuddenHeavyLossAtOnce) {
  PathSimulation path;
  path.run(seconds(3), constant_delay(), no_loss());
  const uint64_t before = path.estimator.estimate_bps();
  // Half the packets lost from now on, without queuing: 150 ms of it is
  // under 10% of the last second's reports, but half of the last 300 ms.
  path.run(milliseconds(150), constant_delay(), [](int64_t index) { return index % 2 == 0; });
  EXPECT_TRUE(path.estimator.congested());
  EXPECT_TRUE(path.estimator.lossy());
  EXPECT_LT(path.estimator.loss_fraction(), 0.1);
  EXPECT_GT(path.estimator.recent_loss_fraction(), 0.2);
  EXPECT_LT(path.estimator.estimate_bps(), before);
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

// A retransmission repeats the original's transport-wide sequence number,
// so its delay must count from the resend: the copy arrives late, and
// without on_packet_resent that lateness reads as queuing.
TEST(SendSideEstimator, RetransmissionTimedFromResend) {
  for (const bool record_resend : {false, true}) {
    SendSideEstimator estimator;
    TransportFeedbackGenerator receiver;
    TimePoint now = TimePoint{} + seconds(100);
    uint16_t sequence = 1;
    const auto send_feedback = [&](TimePoint at) {
      std::array<uint8_t, 1200> buffer{};
      RtcpWriter writer{MutableByteView(buffer)};
      ASSERT_GT(receiver.write_feedback(writer, 1, 2), 0u);
      FeedbackRelay relay(estimator, at);
      ASSERT_EQ(parse_rtcp_compound(writer.data(), relay), RtcpParseError::ok);
    };

    // One second on a clear path: 30 ms one way, feedback every 50 ms.
    for (int i = 1; i <= 200; ++i) {
      estimator.on_packet_sent(sequence, 1000, now);
      receiver.on_packet(sequence, now + milliseconds(30));
      ++sequence;
      now += milliseconds(5);
      if (i % 10 == 0) send_feedback(now + milliseconds(30));
    }
    ASSERT_LT(estimator.queuing_delay_us(), 1000);

    // A packet lost before any feedback covers it, resent 400 ms later.
    const uint16_t lost = sequence++;
    estimator.on_packet_sent(lost, 1000, now);
    now += milliseconds(400);
    if (record_resend) estimator.on_packet_resent(lost, now);
    receiver.on_packet(lost, now + milliseconds(30));
    send_feedback(now + milliseconds(30));

    if (record_resend) {
      EXPECT_LT(estimator.queuing_delay_us(), 1000) << "the resent copy counted as queued";
    } else {
      // The control: timed from the first send, the copy looks 400 ms late.
      EXPECT_GT(estimator.queuing_delay_us(), 10'000);
    }
  }
}

// A bottleneck that drops the original of every other packet: the
// receiver reports those lost, the relay resends them, and the copies
// arrive in between the originals. The receiver reports each copy in a
// later feedback (Chromium moves its feedback window back for a packet it
// reported missing). The path then carried every packet's bytes, so the
// delivery rate must count the copies too. Without them it reads half the
// path's rate, and the estimate at a bottleneck falls far below it.
TEST(SendSideEstimator, DeliveryRateCountsRetransmissions) {
  for (const bool report_copies : {false, true}) {
    SendSideEstimator estimator;
    TransportFeedbackGenerator receiver;
    TimePoint now = TimePoint{} + seconds(100);
    uint16_t sequence = 1;
    const auto send_feedback = [&](TransportFeedbackGenerator& from, TimePoint at) {
      std::array<uint8_t, 1200> buffer{};
      RtcpWriter writer{MutableByteView(buffer)};
      ASSERT_GT(from.write_feedback(writer, 1, 2), 0u);
      FeedbackRelay relay(estimator, at);
      ASSERT_EQ(parse_rtcp_compound(writer.data(), relay), RtcpParseError::ok);
    };

    // 1000-byte packets every 5 ms, 1.6 Mbit/s; every other one lost for
    // 250 ms, its copy arriving 2.5 ms after the next original.
    TransportFeedbackGenerator copies;
    for (int i = 1; i <= 50; ++i) {
      estimator.on_packet_sent(sequence, 1000, now);
      const TimePoint arrival = now + milliseconds(30);
      if (i % 2 == 0) {
        receiver.on_packet(sequence, arrival);
      } else {
        copies.on_packet(sequence, arrival + microseconds(7500));
      }
      ++sequence;
      now += milliseconds(5);
      if (i % 10 == 0) send_feedback(receiver, now + milliseconds(30));
    }
    if (report_copies) send_feedback(copies, now + milliseconds(40));

    const double delivered = static_cast<double>(estimator.delivery_rate_bps());
    if (report_copies) {
      EXPECT_NEAR(delivered, 1'600'000.0, 160'000.0);
    } else {
      // The control: the originals alone are half of what crossed the path.
      EXPECT_NEAR(delivered, 800'000.0, 80'000.0);
    }
    // The loss figure keeps the first report of each packet.
    EXPECT_NEAR(estimator.loss_fraction(), 0.5, 0.05);
  }
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

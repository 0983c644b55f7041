// Bandwidth estimate of the path from the relay to one subscriber, from
// the transport-wide feedback the subscriber returns about the packets the
// relay sent it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "relay/base/clock.h"
#include "relay/rtp/rate_meter.h"
#include "relay/rtp/sequence_number.h"
#include "relay/rtp/transport_feedback.h"

namespace sightline::rtp {

// A delay-based and a loss-based estimate, the smaller of which is the
// result:
//  - Delay: each acknowledged packet gives a one-way delay sample (arrival
//    minus send time, with an unknown clock offset). The queuing delay is the
//    smoothed sample minus the smallest sample of the last 10 s. Above
//    kOveruseDelay the estimate drops to 85% of the rate the subscriber
//    acknowledged in the last 500 ms; below kUnderuseDelay it grows by 8% a
//    second.
//  - Loss: the share of packets reported lost over the feedback of the last
//    second. Above 10% the estimate is cut by half the loss share, and to no
//    more than the rate acknowledged in the last 500 ms, at most once per
//    300 ms. Between 2% and 10% it holds.
// Growth needs no probing: the relay forwards whole layers, so the estimate
// rises while the path shows no queuing and falls back when it does.
class SendSideEstimator {
 public:
  static constexpr uint64_t kInitialBps = 1'000'000;
  static constexpr uint64_t kMinBps = 50'000;
  static constexpr uint64_t kMaxBps = 20'000'000;
  static constexpr milliseconds kOveruseDelay{60};
  static constexpr milliseconds kUnderuseDelay{20};
  static constexpr size_t kHistory = 4096;

  // Records a packet the relay sent with this transport-wide sequence number.
  void on_packet_sent(uint16_t transport_sequence, size_t bytes, TimePoint now);
  // Processes one feedback packet from the subscriber.
  void on_feedback(const TransportFeedback& feedback, TimePoint now);

  uint64_t estimate_bps() const { return estimate_bps_; }
  // Smoothed queuing delay, for metrics and tests.
  int64_t queuing_delay_us() const { return smoothed_delay_us_ - min_delay_us_; }
  double loss_fraction() const { return loss_fraction_; }
  // The last feedback showed queuing over kOveruseDelay or loss over 10%.
  bool congested() const { return congested_; }
  uint64_t acknowledged_bps(TimePoint now) const { return acknowledged_.rate_bps(now); }

 private:
  struct SentPacket {
    int64_t sequence = -1;  // unwrapped, -1 when the slot is free
    int64_t send_us = 0;
    uint32_t bytes = 0;
    bool reported = false;
  };

  void update_delay(int64_t sample_us, int64_t now_us);
  void update_estimate(TimePoint now, size_t lost, size_t received);

  SequenceUnwrapper sent_unwrapper_;
  std::array<SentPacket, kHistory> sent_{};
  RateMeter acknowledged_;

  uint64_t estimate_bps_ = kInitialBps;
  std::optional<TimePoint> last_update_;
  std::optional<TimePoint> last_loss_cut_;

  // Delay state. The minimum is kept over two 5 s halves so that it can
  // follow a route change.
  bool has_delay_ = false;
  int64_t smoothed_delay_us_ = 0;
  int64_t min_delay_us_ = 0;
  int64_t min_current_half_us_ = 0;
  int64_t min_previous_half_us_ = 0;
  int64_t half_started_us_ = 0;

  // Packets reported lost, and reported at all, in the last second.
  RateMeter lost_packets_;
  RateMeter reported_packets_;
  double loss_fraction_ = 0;
  bool congested_ = false;
};

}  // namespace sightline::rtp

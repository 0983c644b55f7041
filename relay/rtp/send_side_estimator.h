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
//    smoothed sample minus the smallest sample of the last 10 s. The path is
//    overused when even the smallest queuing delay within the last feedback
//    packet exceeds kOveruseDelay (a queue that did not empty once), and the
//    one before or the smoothed value agrees. The estimate then drops to 85%
//    of the delivery rate. Below kUnderuseDelay it grows by 8% a second.
//  - Loss: the share of packets reported lost over the last 300 ms, of
//    those sent after the last cut (the losses of packets queued before it
//    would otherwise cut again). Above 10% the estimate is cut by half that
//    share, at most once per 300 ms.
//    When the path is saturated, the cut goes to no more than the delivery
//    rate and stops at 85% of it. Between 2% over the last second and 10%
//    it holds.
// The delivery rate is what the subscriber received over the last 250 ms of
// its own arrival times, retransmissions included: a packet first reported
// lost and then received was resent (under the same transport-wide sequence
// number) and took its share of the path. It counts only while the path is
// saturated (a
// queue of over kUnderuseDelay never emptied during the last feedback), when
// it is the bottleneck's rate, not what the relay happened to send.
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
  static constexpr milliseconds kDeliveryWindow{250};

  // Records a packet the relay sent with this transport-wide sequence number.
  void on_packet_sent(uint16_t transport_sequence, size_t bytes, TimePoint now);
  // Records that the packet with this transport-wide sequence number was sent
  // again unchanged (a retransmission). If no feedback has reported it yet,
  // its delay is measured from this send, so a late arrival of the copy does
  // not count as queuing.
  void on_packet_resent(uint16_t transport_sequence, TimePoint now);
  // Processes one feedback packet from the subscriber.
  void on_feedback(const TransportFeedback& feedback, TimePoint now);

  uint64_t estimate_bps() const { return estimate_bps_; }
  // Smoothed queuing delay, for metrics and tests.
  int64_t queuing_delay_us() const { return smoothed_delay_us_ - min_delay_us_; }
  // Share of packets reported lost over the last second, and over the last
  // 300 ms of those sent after the last cut.
  double loss_fraction() const { return loss_fraction_; }
  double recent_loss_fraction() const { return recent_loss_fraction_; }
  // The last feedback showed overuse, or loss over 10% in the last 300 ms.
  bool congested() const { return congested_; }
  // The last feedback showed loss over 10% in the last 300 ms.
  bool lossy() const { return lossy_; }
  uint64_t acknowledged_bps(TimePoint now) const { return acknowledged_.rate_bps(now); }
  // Bit/s received by the subscriber over the last kDeliveryWindow of its
  // arrival times, 0 until two packets were acknowledged in that window.
  // The path's capacity only while it is saturated.
  uint64_t delivery_rate_bps() const;

 private:
  struct SentPacket {
    int64_t sequence = -1;  // unwrapped, -1 when the slot is free
    int64_t send_us = 0;
    uint32_t bytes = 0;
    bool reported = false;
    // Reported lost, and not yet reported received since.
    bool reported_lost = false;
  };

  // Arrival time and size of one acknowledged packet.
  struct Arrival {
    int64_t arrival_us = 0;
    uint32_t bytes = 0;
  };

  // Packets one feedback reported lost and received, all of them and those
  // sent after the last cut of the estimate.
  struct LossCounts {
    size_t lost = 0;
    size_t received = 0;
    size_t fresh_lost = 0;
    size_t fresh_received = 0;
  };

  void update_delay(int64_t sample_us, int64_t now_us);
  void record_arrival(int64_t arrival_us, uint32_t bytes);
  void update_estimate(TimePoint now, const LossCounts& counts);

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

  // Smallest queuing delay within each of the last two feedback packets
  // that acknowledged a packet, -1 until there are two.
  int64_t feedback_min_queuing_us_ = -1;
  int64_t previous_feedback_min_queuing_us_ = -1;

  // The most recent acknowledged packets, in arrival order, for the delivery rate.
  static constexpr size_t kArrivals = 512;
  std::array<Arrival, kArrivals> arrivals_{};
  size_t arrival_count_ = 0;  // total recorded; the newest is at (count - 1) % kArrivals

  // Packets reported lost, and reported at all, in the last second.
  RateMeter lost_packets_;
  RateMeter reported_packets_;
  // The same for packets sent after the last cut (unwrapped sequence
  // numbers above reaction_sequence_), which the loss rule judges.
  RateMeter fresh_lost_packets_;
  RateMeter fresh_reported_packets_;
  int64_t last_sent_sequence_ = -1;
  int64_t reaction_sequence_ = -1;
  double loss_fraction_ = 0;
  double recent_loss_fraction_ = 0;
  bool congested_ = false;
  bool lossy_ = false;
};

}  // namespace sightline::rtp

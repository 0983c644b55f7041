#include "relay/rtp/send_side_estimator.h"

#include <algorithm>
#include <cmath>

namespace sightline::rtp {

namespace {
constexpr int64_t kMinimumHalfUs = 5'000'000;
constexpr double kDelayBackoff = 0.85;
constexpr double kGrowthPerSecond = 1.08;
constexpr double kHighLoss = 0.10;
// Loss is judged over the last 300 ms, the interval between cuts, and only
// for packets sent after the last cut. So a new bottleneck that drops most
// of a layer shows within one or two feedback packets, and the losses of
// packets queued before the relay reacted cause no further cut.
constexpr size_t kRecentLossBuckets = 3;
constexpr double kLowLoss = 0.02;
constexpr milliseconds kLossCutInterval{300};
// Loss is judged only from at least this many reports in the last second.
constexpr uint64_t kMinReportsForLoss = 10;
// Weight of a new delay sample in the moving average, 1/16.
constexpr int64_t kDelaySmoothingShift = 4;
}  // namespace

void SendSideEstimator::on_packet_sent(uint16_t transport_sequence, size_t bytes, TimePoint now) {
  const int64_t sequence = sent_unwrapper_.unwrap(transport_sequence);
  last_sent_sequence_ = std::max(last_sent_sequence_, sequence);
  SentPacket& slot = sent_[static_cast<size_t>(sequence) % kHistory];
  slot.sequence = sequence;
  slot.send_us = to_us(now.time_since_epoch());
  slot.bytes = static_cast<uint32_t>(bytes);
  slot.reported = false;
  slot.reported_lost = false;
}

void SendSideEstimator::on_packet_resent(uint16_t transport_sequence, TimePoint now) {
  const int64_t sequence = sent_unwrapper_.peek(transport_sequence);
  SentPacket& slot = sent_[static_cast<size_t>(sequence) % kHistory];
  if (slot.sequence != sequence || slot.reported) return;
  slot.send_us = to_us(now.time_since_epoch());
}

void SendSideEstimator::on_feedback(const TransportFeedback& feedback, TimePoint now) {
  const int64_t now_us = to_us(now.time_since_epoch());
  int64_t arrival_us = feedback.reference_time_us();
  LossCounts counts;
  int64_t smallest_sample_us = 0;
  bool has_sample = false;
  feedback.for_each_packet([&](uint16_t transport_sequence, bool was_received, int64_t delta_us) {
    if (was_received) arrival_us += delta_us;
    const int64_t sequence = sent_unwrapper_.peek(transport_sequence);
    SentPacket& slot = sent_[static_cast<size_t>(sequence) % kHistory];
    // Unknown packets (never sent, or too old to remember) are skipped.
    if (slot.sequence != sequence) return;
    if (slot.reported) {
      // A packet received after a report of its loss (a retransmission)
      // used the path, so the delivery rate counts it. The loss and delay
      // figures keep the first report.
      if (was_received && slot.reported_lost) {
        slot.reported_lost = false;
        acknowledged_.add(slot.bytes, now);
        record_arrival(arrival_us, slot.bytes);
      }
      return;
    }
    slot.reported = true;
    const bool fresh = sequence > reaction_sequence_;
    if (!was_received) {
      slot.reported_lost = true;
      ++counts.lost;
      if (fresh) ++counts.fresh_lost;
      return;
    }
    ++counts.received;
    if (fresh) ++counts.fresh_received;
    acknowledged_.add(slot.bytes, now);
    record_arrival(arrival_us, slot.bytes);
    // The subscriber's clock has an unknown offset, which the minimum removes.
    const int64_t sample_us = arrival_us - slot.send_us;
    update_delay(sample_us, now_us);
    smallest_sample_us = has_sample ? std::min(smallest_sample_us, sample_us) : sample_us;
    has_sample = true;
  });
  if (has_sample) {
    previous_feedback_min_queuing_us_ = feedback_min_queuing_us_;
    feedback_min_queuing_us_ = smallest_sample_us - min_delay_us_;
  }
  update_estimate(now, counts);
}

void SendSideEstimator::record_arrival(int64_t arrival_us, uint32_t bytes) {
  arrivals_[arrival_count_ % kArrivals] = Arrival{arrival_us, bytes};
  ++arrival_count_;
}

uint64_t SendSideEstimator::delivery_rate_bps() const {
  if (arrival_count_ < 2) return 0;
  const size_t available = std::min(arrival_count_, kArrivals);
  const size_t newest_index = arrival_count_ - 1;
  int64_t latest_us = arrivals_[newest_index % kArrivals].arrival_us;
  // Packets are recorded in sequence order, which reordering on the path
  // can make differ from arrival order, so the window ends at the latest
  // arrival among the packets in it.
  const int64_t window_us = to_us(kDeliveryWindow);
  int64_t earliest_us = latest_us;
  uint64_t bytes = 0;
  uint64_t earliest_bytes = 0;
  size_t packets = 0;
  for (size_t back = 0; back < available; ++back) {
    const Arrival& arrival = arrivals_[(newest_index - back) % kArrivals];
    if (arrival.arrival_us < latest_us - window_us) break;
    latest_us = std::max(latest_us, arrival.arrival_us);
    bytes += arrival.bytes;
    ++packets;
    if (arrival.arrival_us <= earliest_us) {
      earliest_us = arrival.arrival_us;
      earliest_bytes = arrival.bytes;
    }
  }
  const int64_t span_us = latest_us - earliest_us;
  if (packets < 2 || span_us <= 0) return 0;
  // The earliest packet's bytes arrived at the start of the span, not within it.
  return (bytes - earliest_bytes) * 8 * 1'000'000 / static_cast<uint64_t>(span_us);
}

void SendSideEstimator::update_delay(int64_t sample_us, int64_t now_us) {
  if (!has_delay_) {
    has_delay_ = true;
    smoothed_delay_us_ = sample_us;
    min_current_half_us_ = sample_us;
    min_previous_half_us_ = sample_us;
    half_started_us_ = now_us;
  }
  smoothed_delay_us_ += (sample_us - smoothed_delay_us_) >> kDelaySmoothingShift;
  if (now_us - half_started_us_ >= kMinimumHalfUs) {
    min_previous_half_us_ = min_current_half_us_;
    min_current_half_us_ = sample_us;
    half_started_us_ = now_us;
  }
  min_current_half_us_ = std::min(min_current_half_us_, sample_us);
  min_delay_us_ = std::min(min_current_half_us_, min_previous_half_us_);
}

void SendSideEstimator::update_estimate(TimePoint now, const LossCounts& counts) {
  lost_packets_.add(counts.lost, now);
  reported_packets_.add(counts.lost + counts.received, now);
  const uint64_t reports = reported_packets_.total(now);
  loss_fraction_ = reports == 0 ? 0.0 : static_cast<double>(lost_packets_.total(now)) / static_cast<double>(reports);
  fresh_lost_packets_.add(counts.fresh_lost, now);
  fresh_reported_packets_.add(counts.fresh_lost + counts.fresh_received, now);
  const uint64_t recent_reports = fresh_reported_packets_.total(now, kRecentLossBuckets);
  recent_loss_fraction_ = recent_reports == 0
                              ? 0.0
                              : static_cast<double>(fresh_lost_packets_.total(now, kRecentLossBuckets)) /
                                    static_cast<double>(recent_reports);

  const double elapsed_s = last_update_ ? std::max(0.0, static_cast<double>(to_us(now - *last_update_)) / 1e6) : 0.0;
  last_update_ = now;
  double estimate = static_cast<double>(estimate_bps_);

  // A queue that did not empty once during the last feedback's packets:
  // the path is saturated, so what it delivered is its capacity. Otherwise
  // the delivery rate is only what the relay happened to send.
  const bool saturated = has_delay_ && feedback_min_queuing_us_ > to_us(kUnderuseDelay);
  const uint64_t delivered = saturated ? delivery_rate_bps() : 0;
  const int64_t overuse_us = to_us(kOveruseDelay);
  const bool standing_queue = feedback_min_queuing_us_ > overuse_us &&
                              (previous_feedback_min_queuing_us_ > overuse_us || queuing_delay_us() > overuse_us);
  const bool high_loss = recent_reports >= kMinReportsForLoss && recent_loss_fraction_ > kHighLoss;
  congested_ = high_loss || standing_queue;
  lossy_ = high_loss;

  const bool cut_allowed = !last_loss_cut_ || now - *last_loss_cut_ >= kLossCutInterval;
  if (high_loss && cut_allowed) {
    estimate *= 1.0 - 0.5 * recent_loss_fraction_;
    if (delivered > 0) {
      // Heavy loss at a saturated path: it delivers no more than it did,
      // and the cut stops at the share of that which overuse leaves.
      const double rate = static_cast<double>(delivered);
      estimate = std::min({static_cast<double>(estimate_bps_), std::max(estimate, kDelayBackoff * rate), rate});
    }
    last_loss_cut_ = now;
  }
  if (standing_queue) {
    // Queues are building: fall below what the path delivered.
    if (delivered > 0) estimate = std::min(estimate, kDelayBackoff * static_cast<double>(delivered));
  } else if (queuing_delay_us() < to_us(kUnderuseDelay) && loss_fraction_ < kLowLoss) {
    estimate *= std::pow(kGrowthPerSecond, elapsed_s);
  }
  const uint64_t previous = estimate_bps_;
  estimate_bps_ = static_cast<uint64_t>(
      std::clamp(estimate, static_cast<double>(kMinBps), static_cast<double>(kMaxBps)));
  if (estimate_bps_ < previous) {
    // The losses of packets sent before this cut were the reason for it,
    // or came from the queue it reacts to: they must not cut again.
    reaction_sequence_ = last_sent_sequence_;
    fresh_lost_packets_ = RateMeter{};
    fresh_reported_packets_ = RateMeter{};
  }
}

}  // namespace sightline::rtp

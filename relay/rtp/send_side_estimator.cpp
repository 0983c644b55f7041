#include "relay/rtp/send_side_estimator.h"

#include <algorithm>
#include <cmath>

namespace sightline::rtp {

namespace {
constexpr int64_t kMinimumHalfUs = 5'000'000;
constexpr double kDelayBackoff = 0.85;
constexpr double kGrowthPerSecond = 1.08;
constexpr double kHighLoss = 0.10;
constexpr double kLowLoss = 0.02;
constexpr milliseconds kLossCutInterval{300};
// Under congestion the estimate follows the rate acknowledged over the last
// 500 ms, which reflects a new bottleneck within half a second.
constexpr size_t kCongestedRateBuckets = 5;
// Loss is judged only from at least this many reports in the last second.
constexpr uint64_t kMinReportsForLoss = 10;
// Weight of a new delay sample in the moving average, 1/16.
constexpr int64_t kDelaySmoothingShift = 4;
}  // namespace

void SendSideEstimator::on_packet_sent(uint16_t transport_sequence, size_t bytes, TimePoint now) {
  const int64_t sequence = sent_unwrapper_.unwrap(transport_sequence);
  SentPacket& slot = sent_[static_cast<size_t>(sequence) % kHistory];
  slot.sequence = sequence;
  slot.send_us = to_us(now.time_since_epoch());
  slot.bytes = static_cast<uint32_t>(bytes);
  slot.reported = false;
}

void SendSideEstimator::on_feedback(const TransportFeedback& feedback, TimePoint now) {
  const int64_t now_us = to_us(now.time_since_epoch());
  int64_t arrival_us = feedback.reference_time_us();
  size_t lost = 0;
  size_t received = 0;
  feedback.for_each_packet([&](uint16_t transport_sequence, bool was_received, int64_t delta_us) {
    if (was_received) arrival_us += delta_us;
    const int64_t sequence = sent_unwrapper_.peek(transport_sequence);
    SentPacket& slot = sent_[static_cast<size_t>(sequence) % kHistory];
    // Unknown packets (never sent, or too old to remember) and packets
    // already reported by an earlier feedback are skipped.
    if (slot.sequence != sequence || slot.reported) return;
    slot.reported = true;
    if (!was_received) {
      ++lost;
      return;
    }
    ++received;
    acknowledged_.add(slot.bytes, now);
    // The subscriber's clock has an unknown offset, which the minimum removes.
    update_delay(arrival_us - slot.send_us, now_us);
  });
  update_estimate(now, lost, received);
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

void SendSideEstimator::update_estimate(TimePoint now, size_t lost, size_t received) {
  lost_packets_.add(lost, now);
  reported_packets_.add(lost + received, now);
  const uint64_t reports = reported_packets_.total(now);
  loss_fraction_ = reports == 0 ? 0.0 : static_cast<double>(lost_packets_.total(now)) / static_cast<double>(reports);

  const double elapsed_s = last_update_ ? std::max(0.0, static_cast<double>(to_us(now - *last_update_)) / 1e6) : 0.0;
  last_update_ = now;
  const uint64_t acknowledged = acknowledged_.rate_bps(now, kCongestedRateBuckets);
  double estimate = static_cast<double>(estimate_bps_);

  const bool loss_known = reports >= kMinReportsForLoss;
  const bool cut_allowed = !last_loss_cut_ || now - *last_loss_cut_ >= kLossCutInterval;
  const bool high_loss = loss_known && loss_fraction_ > kHighLoss;
  const bool overuse = has_delay_ && queuing_delay_us() > to_us(kOveruseDelay);
  congested_ = high_loss || overuse;
  if (high_loss) {
    if (cut_allowed) {
      estimate *= 1.0 - 0.5 * loss_fraction_;
      // Heavy loss means the path delivers no more than was acknowledged.
      if (acknowledged > 0) estimate = std::min(estimate, static_cast<double>(acknowledged));
      last_loss_cut_ = now;
    }
  } else if (overuse) {
    // Queues are building: fall below what the path delivered.
    if (acknowledged > 0) estimate = std::min(estimate, kDelayBackoff * static_cast<double>(acknowledged));
  } else if (queuing_delay_us() < to_us(kUnderuseDelay) && loss_fraction_ < kLowLoss) {
    estimate *= std::pow(kGrowthPerSecond, elapsed_s);
  }
  estimate_bps_ = static_cast<uint64_t>(
      std::clamp(estimate, static_cast<double>(kMinBps), static_cast<double>(kMaxBps)));
}

}  // namespace sightline::rtp

// Receiver statistics per RFC 3550 appendix A.1, A.3 and A.8.
#include "relay/rtp/receive_statistics.h"

#include <algorithm>
#include <cstdlib>

namespace sightline::rtp {

namespace {

constexpr int64_t kUsPerSecond = 1'000'000;
constexpr int32_t kMaxCumulativeLost = (1 << 23) - 1;
constexpr int32_t kMinCumulativeLost = -(1 << 23);
constexpr int64_t kCompactNtpUnitsPerSecond = 65536;

}  // namespace

ReceiveStatistics::ReceiveStatistics(uint32_t ssrc, uint32_t clock_rate_hz)
    : ssrc_(ssrc), clock_rate_hz_(clock_rate_hz == 0 ? 1 : clock_rate_hz) {}

void ReceiveStatistics::init_sequence(uint16_t seq) {
  base_seq_ = seq;
  max_seq_ = seq;
  bad_seq_ = kSequenceModulo + 1;  // so seq == bad_seq_ is false
  cycles_ = 0;
  received_ = 0;
  received_prior_ = 0;
  expected_prior_ = 0;
}

// RFC 3550 A.1 update_seq(), in the same steps.
bool ReceiveStatistics::update_sequence(uint16_t seq) {
  const uint16_t delta = static_cast<uint16_t>(seq - max_seq_);

  // Probation: the source becomes valid after kMinSequential packets in a row.
  if (probation_ > 0) {
    if (seq == static_cast<uint16_t>(max_seq_ + 1)) {
      --probation_;
      max_seq_ = seq;
      if (probation_ == 0) {
        init_sequence(seq);
        ++received_;
        return true;
      }
    } else {
      probation_ = kMinSequential - 1;
      max_seq_ = seq;
    }
    return false;
  }

  if (delta < kMaxDropout) {
    // In order, possibly with a gap. A smaller value after the add means a wrap.
    if (seq < max_seq_) cycles_ += kSequenceModulo;
    max_seq_ = seq;
  } else if (delta <= kSequenceModulo - kMaxMisorder) {
    // A very large jump. Two packets in a row at the new place mean the
    // sender restarted, so resynchronise; a single one is discarded.
    if (seq == bad_seq_) {
      init_sequence(seq);
    } else {
      bad_seq_ = (seq + 1u) & (kSequenceModulo - 1);
      return false;
    }
  }
  // Otherwise a duplicate or reordered packet, which is counted.
  ++received_;
  return true;
}

bool ReceiveStatistics::on_packet(uint16_t seq, uint32_t rtp_timestamp, TimePoint arrival) {
  if (!started_) {
    started_ = true;
    init_sequence(seq);
    max_seq_ = static_cast<uint16_t>(seq - 1);
    probation_ = kMinSequential;
    first_arrival_ = arrival;
  }
  const uint16_t previous_max = max_seq_;
  const bool was_valid = probation_ == 0;
  if (!update_sequence(seq)) return false;

  // Jitter uses in-order packets only: a retransmitted or reordered packet
  // arrives late by design and would inflate it.
  if (!was_valid || static_cast<int16_t>(seq - previous_max) > 0) update_jitter(rtp_timestamp, arrival);
  return true;
}

// RFC 3550 A.8: J += (|D| - J) / 16, with D the change in transit time, kept
// in 1/16 units so the division does not lose precision.
void ReceiveStatistics::update_jitter(uint32_t rtp_timestamp, TimePoint arrival) {
  const int64_t arrival_units = to_us(arrival - first_arrival_) * clock_rate_hz_ / kUsPerSecond;
  // Transit time modulo 2^32, because the RTP timestamp wraps.
  const int64_t transit = static_cast<int32_t>(static_cast<uint32_t>(arrival_units) - rtp_timestamp);
  if (has_transit_) {
    const int64_t change = std::llabs(static_cast<int32_t>(static_cast<uint32_t>(transit - last_transit_)));
    jitter_q4_ += change - ((jitter_q4_ + 8) >> 4);
  }
  has_transit_ = true;
  last_transit_ = transit;
}

void ReceiveStatistics::on_sender_report(uint64_t ntp_timestamp, TimePoint arrival) {
  last_sr_ = compact_ntp(ntp_timestamp);
  last_sr_arrival_ = arrival;
}

int64_t ReceiveStatistics::cumulative_lost() const {
  const int64_t expected = static_cast<int64_t>(extended_highest_sequence()) - base_seq_ + 1;
  return expected - static_cast<int64_t>(received_);
}

ReportBlock ReceiveStatistics::build_report_block(TimePoint now) {
  ReportBlock block;
  block.ssrc = ssrc_;
  if (is_valid()) {
    // RFC 3550 A.3: loss over the interval since the last report.
    const int64_t expected = static_cast<int64_t>(extended_highest_sequence()) - base_seq_ + 1;
    const int64_t expected_interval = expected - expected_prior_;
    const int64_t received_interval = static_cast<int64_t>(received_ - received_prior_);
    const int64_t lost_interval = expected_interval - received_interval;
    expected_prior_ = expected;
    received_prior_ = received_;
    if (expected_interval > 0 && lost_interval > 0) {
      block.fraction_lost = static_cast<uint8_t>(std::min<int64_t>(255, (lost_interval << 8) / expected_interval));
    }
    block.cumulative_lost =
        static_cast<int32_t>(std::clamp<int64_t>(cumulative_lost(), kMinCumulativeLost, kMaxCumulativeLost));
    block.extended_highest_sequence = extended_highest_sequence();
    block.jitter = jitter();
  }
  if (last_sr_.has_value()) {
    block.last_sr = *last_sr_;
    const int64_t delay_us = std::max<int64_t>(0, to_us(now - last_sr_arrival_));
    block.delay_since_last_sr = static_cast<uint32_t>(delay_us * kCompactNtpUnitsPerSecond / kUsPerSecond);
  }
  return block;
}

std::optional<Duration> rtt_from_report_block(const ReportBlock& block, uint64_t now_ntp) {
  if (block.last_sr == 0) return std::nullopt;
  // Modulo 2^32 arithmetic, because the compact NTP time wraps every 18 hours.
  const uint32_t rtt_units = compact_ntp(now_ntp) - block.last_sr - block.delay_since_last_sr;
  if (static_cast<int32_t>(rtt_units) < 0) return std::nullopt;
  return microseconds(static_cast<int64_t>(rtt_units) * kUsPerSecond / kCompactNtpUnitsPerSecond);
}

}  // namespace sightline::rtp

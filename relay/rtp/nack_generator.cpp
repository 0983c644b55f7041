// Loss detection and NACK scheduling for one inbound RTP stream.
#include "relay/rtp/nack_generator.h"

#include <algorithm>

#include "relay/rtp/sequence_number.h"

namespace sightline::rtp {

NackGenerator::NackGenerator() : NackGenerator(Config{}) {}

NackGenerator::NackGenerator(const Config& config)
    : config_(config), retry_interval_(config.max_retry_interval) {
  config_.max_missing = std::clamp<size_t>(config_.max_missing, 1, 32767);
  missing_.reserve(config_.max_missing);
}

void NackGenerator::set_rtt(Duration rtt) {
  retry_interval_ = std::clamp(rtt, config_.min_retry_interval, config_.max_retry_interval);
}

void NackGenerator::reset(uint16_t seq) {
  missing_.clear();
  newest_seq_ = seq;
  ++reset_count_;
}

// Adds first .. end-1 (modulo 2^16), dropping the oldest entries when full.
void NackGenerator::add_missing_range(uint16_t first, uint16_t end, TimePoint now) {
  for (uint16_t seq = first; seq != end; ++seq) {
    if (missing_.size() == config_.max_missing) {
      missing_.erase(missing_.begin());
      ++given_up_count_;
    }
    missing_.push_back(Missing{seq, 0, now, TimePoint{}});
  }
}

bool NackGenerator::on_packet(uint16_t seq, TimePoint now) {
  if (!started_) {
    started_ = true;
    newest_seq_ = seq;
    return false;
  }

  const int32_t distance = sequence_distance(newest_seq_, seq);
  if (distance > static_cast<int32_t>(config_.max_missing) + 1) {
    reset(seq);
    return false;
  }
  if (distance > 0) {
    add_missing_range(static_cast<uint16_t>(newest_seq_ + 1), seq, now);
    newest_seq_ = seq;
    return false;
  }
  if (distance == 0) return false;

  // An older packet: a retransmission or reordering fills its gap.
  const auto it = std::find_if(missing_.begin(), missing_.end(), [seq](const Missing& m) { return m.seq == seq; });
  if (it == missing_.end()) return false;
  missing_.erase(it);
  return true;
}

size_t NackGenerator::collect_nacks(TimePoint now, std::span<uint16_t> out) {
  size_t written = 0;
  auto keep_end = missing_.begin();
  for (auto it = missing_.begin(); it != missing_.end(); ++it) {
    Missing& entry = *it;
    const bool expired = now - entry.first_seen > config_.max_age;
    const bool exhausted = entry.retries >= config_.max_retries;
    if (expired || exhausted) {
      ++given_up_count_;
      continue;
    }

    const bool due = entry.retries == 0 || now - entry.last_sent >= retry_interval_;
    if (due && written < out.size()) {
      out[written++] = entry.seq;
      entry.last_sent = now;
      ++entry.retries;
    }
    *keep_end++ = entry;
  }
  missing_.erase(keep_end, missing_.end());
  return written;
}

}  // namespace sightline::rtp

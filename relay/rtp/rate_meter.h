// Bitrate over a sliding window, kept in fixed time buckets so that adding a
// packet is constant time and never allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "relay/base/clock.h"

namespace sightline::rtp {

// Counts bytes in ten 100 ms buckets and returns the rate over the last
// second. The bucket being filled is included, so the rate rises at once.
class RateMeter {
 public:
  static constexpr milliseconds kBucket{100};
  static constexpr size_t kBuckets = 10;

  void add(size_t bytes, TimePoint now) {
    advance(now);
    buckets_[current_ % kBuckets] += bytes;
  }

  // Bits per second over the last kBuckets * kBucket.
  uint64_t rate_bps(TimePoint now) {
    advance(now);
    uint64_t bytes = 0;
    for (uint64_t bucket : buckets_) bytes += bucket;
    constexpr uint64_t kWindowMs = kBuckets * static_cast<uint64_t>(kBucket.count());
    return bytes * 8 * 1000 / kWindowMs;
  }

 private:
  // Empties the buckets that the time since the last call has passed over.
  void advance(TimePoint now) {
    const int64_t index = to_ms(now.time_since_epoch()) / kBucket.count();
    if (!started_) {
      started_ = true;
      current_ = index;
      return;
    }
    if (index <= current_) return;
    const int64_t steps = index - current_;
    if (steps >= static_cast<int64_t>(kBuckets)) {
      buckets_.fill(0);
    } else {
      for (int64_t i = 1; i <= steps; ++i) buckets_[static_cast<size_t>(current_ + i) % kBuckets] = 0;
    }
    current_ = index;
  }

  std::array<uint64_t, kBuckets> buckets_{};
  int64_t current_ = 0;
  bool started_ = false;
};

}  // namespace sightline::rtp

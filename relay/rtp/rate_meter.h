// Bitrate over a sliding window, kept in fixed time buckets so that adding a
// packet is constant time and never allocates.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "relay/base/clock.h"

namespace sightline::rtp {

// Sums amounts (bytes, or packets) in ten 100 ms buckets and reports the sum
// or rate over the last second. The bucket being filled is included, so the
// rate rises at once.
class RateMeter {
 public:
  static constexpr milliseconds kBucket{100};
  static constexpr size_t kBuckets = 10;

  void add(uint64_t amount, TimePoint now) {
    const int64_t index = bucket_index(now);
    const size_t slot = static_cast<size_t>(index % static_cast<int64_t>(kBuckets));
    if (indices_[slot] != index) {
      indices_[slot] = index;
      sums_[slot] = 0;
    }
    sums_[slot] += amount;
  }

  // Sum of the amounts added in the last `buckets` buckets (at most
  // kBuckets), the one being filled included.
  uint64_t total(TimePoint now, size_t buckets = kBuckets) const {
    const int64_t index = bucket_index(now);
    const int64_t oldest = index - static_cast<int64_t>(std::min(buckets, kBuckets));
    uint64_t sum = 0;
    for (size_t slot = 0; slot < kBuckets; ++slot) {
      if (indices_[slot] > oldest && indices_[slot] <= index) sum += sums_[slot];
    }
    return sum;
  }

  // Bits per second over the last `buckets` buckets, taking the amounts as bytes.
  uint64_t rate_bps(TimePoint now, size_t buckets = kBuckets) const {
    const uint64_t window_ms = std::min(buckets, kBuckets) * static_cast<uint64_t>(kBucket.count());
    return window_ms == 0 ? 0 : total(now, buckets) * 8 * 1000 / window_ms;
  }

 private:
  static int64_t bucket_index(TimePoint now) { return to_ms(now.time_since_epoch()) / kBucket.count(); }

  std::array<uint64_t, kBuckets> sums_{};
  // The bucket number stored in each slot, -1 when the slot is unused.
  std::array<int64_t, kBuckets> indices_ = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
};

}  // namespace sightline::rtp

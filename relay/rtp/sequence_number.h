// Comparison and unwrapping of 16-bit RTP sequence numbers, which wrap from
// 65535 to 0 (RFC 3550 section 5.1).
#pragma once

#include <cstdint>

namespace sightline::rtp {

// Signed distance from `from` to `to` in sequence-number space, in the range
// -32768..32767: positive when `to` is newer than `from`.
inline int32_t sequence_distance(uint16_t from, uint16_t to) {
  return static_cast<int16_t>(static_cast<uint16_t>(to - from));
}

// Returns true when `a` is newer than `b`, treating a forward distance under
// half the sequence space as newer.
inline bool is_newer_sequence(uint16_t a, uint16_t b) { return sequence_distance(b, a) > 0; }

// Extends 16-bit sequence numbers to 64 bits by counting wraps relative to the
// newest number seen so far, so ordering stays correct across any number of
// wraps as long as consecutive packets are less than 32768 apart.
class SequenceUnwrapper {
 public:
  int64_t unwrap(uint16_t seq) {
    if (!started_) {
      started_ = true;
      newest_ = kFirstCycle + seq;
      return newest_;
    }
    const int64_t value = newest_ + sequence_distance(static_cast<uint16_t>(newest_), seq);
    if (value > newest_) newest_ = value;
    return value;
  }

  // Returns the extended value of `seq` without recording it as seen.
  int64_t peek(uint16_t seq) const {
    if (!started_) return kFirstCycle + seq;
    return newest_ + sequence_distance(static_cast<uint16_t>(newest_), seq);
  }

  void reset() { started_ = false; }

 private:
  // The first packet lands in cycle 1 rather than 0, so that packets
  // reordered to just before it still unwrap to positive values.
  static constexpr int64_t kFirstCycle = 65536;

  bool started_ = false;
  int64_t newest_ = 0;
};

}  // namespace sightline::rtp

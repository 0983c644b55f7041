// Receiver-side loss detection for one RTP stream: tracks missing sequence
// numbers and decides which to request in a generic NACK (RFC 4585 6.2.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "relay/base/clock.h"

namespace sightline::rtp {

class NackGenerator {
 public:
  struct Config {
    // Missing packets tracked at once. A forward jump larger than this is a
    // reset: the list is cleared, and the caller should request a keyframe
    // instead, because so many retransmissions would arrive too late anyway.
    size_t max_missing = 256;
    // Requests per missing packet before giving up on it.
    uint32_t max_retries = 10;
    // A missing packet older than this is dropped, because the jitter buffer
    // has moved past it.
    Duration max_age = milliseconds(1000);
    // Bounds of the interval between requests for the same packet, which
    // follows the round-trip time.
    Duration min_retry_interval = milliseconds(20);
    Duration max_retry_interval = milliseconds(100);
  };

  NackGenerator();
  explicit NackGenerator(const Config& config);

  // Records a received packet. Returns true when it filled a gap (a
  // retransmission or a reordered packet).
  bool on_packet(uint16_t seq, TimePoint now);

  // Writes into `out` the sequence numbers to request now, oldest first, and
  // returns how many were written. Drops entries past max_retries or
  // max_age. Entries that do not fit in `out` wait for the next call.
  size_t collect_nacks(TimePoint now, std::span<uint16_t> out);

  // Sets the round-trip time that paces repeated requests, clamped to the
  // configured retry interval bounds.
  void set_rtt(Duration rtt);

  size_t missing_count() const { return missing_.size(); }
  uint64_t reset_count() const { return reset_count_; }
  // Packets dropped from the list after max_retries or max_age.
  uint64_t given_up_count() const { return given_up_count_; }

 private:
  struct Missing {
    uint16_t seq = 0;
    uint32_t retries = 0;
    TimePoint first_seen{};
    TimePoint last_sent{};
  };

  void add_missing_range(uint16_t first, uint16_t end, TimePoint now);
  void reset(uint16_t seq);

  Config config_;
  Duration retry_interval_;
  bool started_ = false;
  uint16_t newest_seq_ = 0;
  // Ordered by sequence number, oldest first. Capacity reserved up front.
  std::vector<Missing> missing_;
  uint64_t reset_count_ = 0;
  uint64_t given_up_count_ = 0;
};

}  // namespace sightline::rtp

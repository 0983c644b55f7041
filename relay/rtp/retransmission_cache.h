// Per outbound stream store of recently sent RTP packets, so that NACKed
// packets (RFC 4585 6.2.1) can be sent again. Fixed memory, chosen once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "relay/base/bytes.h"
#include "relay/base/clock.h"

namespace sightline::rtp {

// Ring of preallocated slots indexed by sequence number modulo the capacity.
// All memory is allocated in the constructor; store() and find() never
// allocate. Holds plain (unencrypted) packets, because each subscriber's
// SRTP context encrypts the retransmission again.
class RetransmissionCache {
 public:
  static constexpr int64_t kNackCacheMs = 1000;
  static constexpr size_t kDefaultCapacity = 512;
  static constexpr size_t kDefaultMaxPacketSize = 1500;

  // `capacity` is the number of slots, rounded up to a power of two.
  explicit RetransmissionCache(size_t capacity = kDefaultCapacity, size_t max_packet_size = kDefaultMaxPacketSize,
                               Duration max_age = milliseconds(kNackCacheMs));

  // Copies `packet` into the slot for `seq`. A sequence number at least
  // `capacity` away from the newest stored one, ahead or behind, is treated
  // as a stream restart and empties the cache first. Packets larger than
  // max_packet_size are not stored and are counted in oversize_count().
  void store(ByteView packet, uint16_t seq, TimePoint now);

  // Returns the packet stored for `seq` if it is within `capacity` of the
  // newest one and was stored at most max_age before `now`. The view stays
  // valid until the next store() or reset().
  std::optional<ByteView> find(uint16_t seq, TimePoint now) const;

  // Looks up a packet to resend, as find() does, but returns nothing (and
  // counts it in held_count()) when it was resent less than `hold` ago. A
  // receiver repeats its NACK every round trip, so a repeat often comes
  // while the first copy still waits in the bottleneck's queue.
  // It also returns nothing (counted in superseded_count()) for a packet
  // sent before the last key frame marked: the key frame replaces every
  // picture before it, so resending one only takes bandwidth from the key
  // frame's own repair.
  std::optional<ByteView> take_for_resend(uint16_t seq, TimePoint now, Duration hold);

  // Marks the packet with `seq`, stored just before, as the first packet of
  // a key frame.
  void mark_keyframe(uint16_t seq);

  void reset();

  size_t capacity() const { return slots_.size(); }
  uint64_t oversize_count() const { return oversize_count_; }
  uint64_t reset_count() const { return reset_count_; }
  // Requests that take_for_resend() held back.
  uint64_t held_count() const { return held_count_; }
  // Requests that take_for_resend() refused as older than the last key frame.
  uint64_t superseded_count() const { return superseded_count_; }

 private:
  struct Slot {
    bool used = false;
    uint16_t seq = 0;
    uint16_t size = 0;
    TimePoint stored_at{};
    // Time of the last resend, if the packet was resent.
    std::optional<TimePoint> resent_at;
  };

  // The slot holding `seq` within the window and max_age, or nullptr.
  const Slot* slot_for(uint16_t seq, TimePoint now) const;

  size_t index_of(uint16_t seq) const { return seq & (slots_.size() - 1); }

  std::vector<Slot> slots_;
  std::vector<uint8_t> storage_;
  size_t max_packet_size_;
  Duration max_age_;
  bool has_newest_ = false;
  uint16_t newest_seq_ = 0;
  uint64_t oversize_count_ = 0;
  uint64_t reset_count_ = 0;
  uint64_t held_count_ = 0;
  uint64_t superseded_count_ = 0;
  std::optional<uint16_t> keyframe_seq_;
};

}  // namespace sightline::rtp

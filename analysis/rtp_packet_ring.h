// A single-producer single-consumer ring of RTP packets with fixed-size
// slots, allocated once per track: the media worker copies packets in and an
// analysis thread takes them out, neither ever waiting for the other.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "relay/base/bytes.h"

namespace sightline::analysis {

// Room for the payload of any packet that fits a 1500-byte Ethernet MTU,
// with room to spare below it for IP, UDP and RTP headers.
inline constexpr size_t kMaxRingPayloadBytes = 1472;

struct RingPacket {
  uint16_t sequence_number = 0;
  uint32_t timestamp = 0;
  bool marker = false;
  uint16_t size = 0;
  uint8_t payload[kMaxRingPayloadBytes];

  ByteView bytes() const { return ByteView(payload, size); }
};

class RtpPacketRing {
 public:
  // `capacity` is rounded up to a power of two, at least 2.
  explicit RtpPacketRing(size_t capacity);

  // Producer side. Returns false, copying nothing, when the ring is full or
  // the payload is larger than kMaxRingPayloadBytes.
  bool push(uint16_t sequence_number, uint32_t timestamp, bool marker, ByteView payload);

  // Consumer side. Returns the oldest packet or null when the ring is empty;
  // the packet stays valid until pop().
  const RingPacket* front() const;
  void pop();

  size_t capacity() const { return mask_ + 1; }

 private:
  size_t mask_;
  std::unique_ptr<RingPacket[]> slots_;
  // Each index is written by one side only; acquire/release pairs publish
  // the slot contents to the other side.
  alignas(64) std::atomic<size_t> head_{0};  // Next slot the producer writes.
  alignas(64) std::atomic<size_t> tail_{0};  // Next slot the consumer reads.
};

}  // namespace sightline::analysis

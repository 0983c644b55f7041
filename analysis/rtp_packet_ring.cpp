// Single-producer single-consumer RTP packet ring.
#include "analysis/rtp_packet_ring.h"

#include <bit>
#include <cstring>

namespace sightline::analysis {

RtpPacketRing::RtpPacketRing(size_t capacity)
    : mask_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity) - 1),
      slots_(std::make_unique<RingPacket[]>(mask_ + 1)) {}

bool RtpPacketRing::push(uint16_t sequence_number, uint32_t timestamp, bool marker, ByteView payload) {
  if (payload.size() > kMaxRingPayloadBytes) return false;
  const size_t head = head_.load(std::memory_order_relaxed);
  if (head - tail_.load(std::memory_order_acquire) > mask_) return false;

  RingPacket& slot = slots_[head & mask_];
  slot.sequence_number = sequence_number;
  slot.timestamp = timestamp;
  slot.marker = marker;
  slot.size = static_cast<uint16_t>(payload.size());
  if (!payload.empty()) std::memcpy(slot.payload, payload.data(), payload.size());
  head_.store(head + 1, std::memory_order_release);
  return true;
}

const RingPacket* RtpPacketRing::front() const {
  const size_t tail = tail_.load(std::memory_order_relaxed);
  if (tail == head_.load(std::memory_order_acquire)) return nullptr;
  return &slots_[tail & mask_];
}

void RtpPacketRing::pop() { tail_.store(tail_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

}  // namespace sightline::analysis

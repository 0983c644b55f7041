// Retransmission cache that serves packets requested by NACKs (RFC 4585 6.2.1).
#include "relay/rtp/retransmission_cache.h"

#include <algorithm>
#include <bit>

#include "relay/rtp/sequence_number.h"

namespace sightline::rtp {

namespace {

// Slot sizes are kept in 16 bits, and half the sequence space is the most a
// window can span while "newer" stays well defined.
constexpr size_t kMaxPacketSizeLimit = 65535;
constexpr size_t kMaxCapacity = 32768;

}  // namespace

RetransmissionCache::RetransmissionCache(size_t capacity, size_t max_packet_size, Duration max_age)
    : slots_(std::bit_ceil(std::clamp<size_t>(capacity, 1, kMaxCapacity))),
      max_packet_size_(std::min(max_packet_size, kMaxPacketSizeLimit)),
      max_age_(max_age) {
  storage_.resize(slots_.size() * max_packet_size_);
}

void RetransmissionCache::store(ByteView packet, uint16_t seq, TimePoint now) {
  if (packet.size() > max_packet_size_) {
    ++oversize_count_;
    return;
  }

  if (has_newest_) {
    const int32_t distance = sequence_distance(newest_seq_, seq);
    const int32_t window = static_cast<int32_t>(slots_.size());
    if (distance >= window || distance <= -window) {
      reset();
      ++reset_count_;
    }
  }
  if (!has_newest_ || is_newer_sequence(seq, newest_seq_)) {
    has_newest_ = true;
    newest_seq_ = seq;
  }

  const size_t index = index_of(seq);
  Slot& slot = slots_[index];
  slot.used = true;
  slot.seq = seq;
  slot.size = static_cast<uint16_t>(packet.size());
  slot.stored_at = now;
  slot.resent_at.reset();
  std::copy(packet.begin(), packet.end(), storage_.begin() + static_cast<std::ptrdiff_t>(index * max_packet_size_));
}

const RetransmissionCache::Slot* RetransmissionCache::slot_for(uint16_t seq, TimePoint now) const {
  if (!has_newest_) return nullptr;
  const int32_t age_in_packets = sequence_distance(seq, newest_seq_);
  if (age_in_packets < 0 || age_in_packets >= static_cast<int32_t>(slots_.size())) return nullptr;

  const Slot& slot = slots_[index_of(seq)];
  if (!slot.used || slot.seq != seq || now - slot.stored_at > max_age_) return nullptr;
  return &slot;
}

std::optional<ByteView> RetransmissionCache::find(uint16_t seq, TimePoint now) const {
  const Slot* slot = slot_for(seq, now);
  if (slot == nullptr) return std::nullopt;
  return ByteView(storage_.data() + index_of(seq) * max_packet_size_, slot->size);
}

std::optional<ByteView> RetransmissionCache::take_for_resend(uint16_t seq, TimePoint now, Duration hold) {
  if (slot_for(seq, now) == nullptr) return std::nullopt;
  if (keyframe_seq_ && is_newer_sequence(*keyframe_seq_, seq)) {
    ++superseded_count_;
    return std::nullopt;
  }
  const size_t index = index_of(seq);
  Slot& slot = slots_[index];
  if (slot.resent_at && now - *slot.resent_at < hold) {
    ++held_count_;
    return std::nullopt;
  }
  slot.resent_at = now;
  return ByteView(storage_.data() + index * max_packet_size_, slot.size);
}

void RetransmissionCache::mark_keyframe(uint16_t seq) {
  // A key frame older than the one marked (a reordered packet) changes nothing.
  if (!keyframe_seq_ || is_newer_sequence(seq, *keyframe_seq_)) keyframe_seq_ = seq;
}

void RetransmissionCache::reset() {
  for (Slot& slot : slots_) slot.used = false;
  has_newest_ = false;
  newest_seq_ = 0;
  keyframe_seq_.reset();
}

}  // namespace sightline::rtp

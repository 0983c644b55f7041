// Transport-wide congestion control feedback parsing and encoding
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1).
#include "relay/rtp/transport_feedback.h"

#include <limits>

namespace sightline::rtp {

namespace {

constexpr uint8_t kSymbolNotReceived = 0;
constexpr uint8_t kSymbolSmallDelta = 1;
constexpr uint8_t kSymbolLargeDelta = 2;
constexpr uint8_t kSymbolReserved = 3;
constexpr size_t kMaxRunLength = 0x1FFF;  // 13 bits
constexpr size_t kOneBitVectorSymbols = 14;
constexpr size_t kTwoBitVectorSymbols = 7;
constexpr size_t kChunkSize = 2;
constexpr int32_t kMinReferenceTime = -(1 << 23);
constexpr int32_t kMaxReferenceTime = (1 << 23) - 1;

size_t delta_size(uint8_t symbol) {
  if (symbol == kSymbolSmallDelta) return 1;
  if (symbol == kSymbolLargeDelta) return 2;
  return 0;
}

// Returns the symbol for `status`, or kSymbolReserved when its delta does
// not fit the 2-byte signed form.
uint8_t symbol_for(const TransportPacketStatus& status) {
  if (!status.received) return kSymbolNotReceived;
  const int64_t units = status.delta_us / TransportFeedback::kDeltaUnitUs;
  if (units >= 0 && units <= std::numeric_limits<uint8_t>::max()) return kSymbolSmallDelta;
  if (units >= std::numeric_limits<int16_t>::min() && units <= std::numeric_limits<int16_t>::max()) {
    return kSymbolLargeDelta;
  }
  return kSymbolReserved;
}

size_t run_length_at(std::span<const TransportPacketStatus> packets, size_t start) {
  const uint8_t symbol = symbol_for(packets[start]);
  size_t end = start + 1;
  while (end < packets.size() && end - start < kMaxRunLength && symbol_for(packets[end]) == symbol) ++end;
  return end - start;
}

// Chooses the next chunk at `start`: a run-length chunk for runs of at least
// 14 equal symbols, else a 1-bit vector when the next 14 symbols need no
// large delta, else a 2-bit vector. Returns the chunk and the symbols it covers.
uint16_t next_chunk(std::span<const TransportPacketStatus> packets, size_t start, size_t& covered) {
  const size_t run = run_length_at(packets, start);
  if (run >= kOneBitVectorSymbols || start + run == packets.size()) {
    covered = run;
    return static_cast<uint16_t>((symbol_for(packets[start]) << 13) | run);
  }

  bool one_bit_fits = true;
  const size_t one_bit_count = std::min(kOneBitVectorSymbols, packets.size() - start);
  for (size_t i = 0; i < one_bit_count; ++i) {
    if (symbol_for(packets[start + i]) == kSymbolLargeDelta) one_bit_fits = false;
  }
  if (one_bit_fits) {
    uint16_t chunk = 0x8000;
    for (size_t i = 0; i < one_bit_count; ++i) {
      chunk = static_cast<uint16_t>(chunk | (symbol_for(packets[start + i]) << (13 - i)));
    }
    covered = one_bit_count;
    return chunk;
  }

  const size_t two_bit_count = std::min(kTwoBitVectorSymbols, packets.size() - start);
  uint16_t chunk = 0xC000;
  for (size_t i = 0; i < two_bit_count; ++i) {
    chunk = static_cast<uint16_t>(chunk | (symbol_for(packets[start + i]) << (12 - 2 * i)));
  }
  covered = two_bit_count;
  return chunk;
}

}  // namespace

uint8_t TransportFeedback::chunk_symbol(uint16_t chunk, size_t index) {
  if ((chunk & 0x8000) == 0) return static_cast<uint8_t>((chunk >> 13) & 0x03);
  if ((chunk & 0x4000) == 0) return static_cast<uint8_t>((chunk >> (13 - index)) & 0x01);
  return static_cast<uint8_t>((chunk >> (12 - 2 * index)) & 0x03);
}

size_t TransportFeedback::chunk_symbol_count(uint16_t chunk) {
  if ((chunk & 0x8000) == 0) return chunk & kMaxRunLength;
  return (chunk & 0x4000) == 0 ? kOneBitVectorSymbols : kTwoBitVectorSymbols;
}

bool TransportFeedback::parse(uint32_t sender_ssrc, uint32_t media_ssrc, ByteView fci, TransportFeedback& out) {
  out = TransportFeedback();
  if (fci.size() < kFixedSize) return false;

  TransportFeedback feedback;
  feedback.sender_ssrc_ = sender_ssrc;
  feedback.media_ssrc_ = media_ssrc;
  feedback.base_sequence_number_ = load_be16(fci.data());
  feedback.packet_status_count_ = load_be16(fci.data() + 2);
  // Sign-extend the 24-bit reference time.
  feedback.reference_time_ = static_cast<int32_t>(load_be24(fci.data() + 4) << 8) >> 8;
  feedback.feedback_count_ = fci[7];

  // Walk the chunks until they cover the status count, summing delta sizes.
  size_t offset = kFixedSize;
  size_t covered = 0;
  size_t deltas_size = 0;
  while (covered < feedback.packet_status_count_) {
    if (fci.size() - offset < kChunkSize) return false;
    const uint16_t chunk = load_be16(fci.data() + offset);
    offset += kChunkSize;
    const size_t symbols = chunk_symbol_count(chunk);
    for (size_t i = 0; i < symbols && covered < feedback.packet_status_count_; ++i, ++covered) {
      const uint8_t symbol = chunk_symbol(chunk, i);
      if (symbol == kSymbolReserved) return false;
      if (symbol != kSymbolNotReceived) ++feedback.received_count_;
      deltas_size += delta_size(symbol);
    }
  }
  if (fci.size() - offset < deltas_size) return false;

  feedback.chunks_ = fci.subspan(kFixedSize, offset - kFixedSize);
  feedback.deltas_ = fci.subspan(offset, deltas_size);
  out = feedback;
  return true;
}

size_t transport_feedback_size(std::span<const TransportPacketStatus> packets) {
  if (packets.empty() || packets.size() > std::numeric_limits<uint16_t>::max()) return 0;
  size_t size = TransportFeedback::kFixedSize;
  size_t start = 0;
  while (start < packets.size()) {
    size_t covered = 0;
    next_chunk(packets, start, covered);
    size += kChunkSize;
    start += covered;
  }
  for (const TransportPacketStatus& status : packets) {
    const uint8_t symbol = symbol_for(status);
    if (symbol == kSymbolReserved) return 0;
    size += delta_size(symbol);
  }
  return (size + 3) & ~size_t{3};
}

size_t encode_transport_feedback(const TransportFeedbackHeader& header,
                                 std::span<const TransportPacketStatus> packets, MutableByteView out) {
  const size_t size = transport_feedback_size(packets);
  if (size == 0 || out.size() < size) return 0;
  if (header.reference_time < kMinReferenceTime || header.reference_time > kMaxReferenceTime) return 0;

  uint8_t* p = out.data();
  store_be16(p, header.base_sequence_number);
  store_be16(p + 2, static_cast<uint16_t>(packets.size()));
  store_be24(p + 4, static_cast<uint32_t>(header.reference_time) & 0xFFFFFF);
  p[7] = header.feedback_count;
  size_t offset = TransportFeedback::kFixedSize;

  size_t start = 0;
  while (start < packets.size()) {
    size_t covered = 0;
    store_be16(p + offset, next_chunk(packets, start, covered));
    offset += kChunkSize;
    start += covered;
  }

  for (const TransportPacketStatus& status : packets) {
    const uint8_t symbol = symbol_for(status);
    const int64_t units = status.delta_us / TransportFeedback::kDeltaUnitUs;
    if (symbol == kSymbolSmallDelta) {
      p[offset] = static_cast<uint8_t>(units);
      offset += 1;
    } else if (symbol == kSymbolLargeDelta) {
      store_be16(p + offset, static_cast<uint16_t>(static_cast<int16_t>(units)));
      offset += 2;
    }
  }
  while (offset < size) p[offset++] = 0;
  return size;
}

}  // namespace sightline::rtp

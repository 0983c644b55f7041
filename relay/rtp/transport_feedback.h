// Transport-wide congestion control feedback (RTPFB FMT 15,
// draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1): a view that
// parses and iterates the per-packet arrival deltas, and the matching encoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "relay/base/bytes.h"

namespace sightline::rtp {

// Feedback control information (FCI) of one transport-wide feedback packet,
// viewed in place. The RTCP packet around it carries the two SSRCs.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |      base sequence number     |      packet status count      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                 reference time                | fb pkt. count |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |          packet chunk         |         packet chunk          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |         recv delta            |  recv delta   | zero padding  |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// A packet chunk is either a run-length chunk (bit 0 = 0: 2-bit symbol,
// 13-bit run length) or a status vector chunk (bit 0 = 1, bit 1 = symbol size:
// fourteen 1-bit or seven 2-bit symbols). Symbols: 0 not received, 1 received
// with a 1-byte unsigned delta, 2 received with a 2-byte signed delta, 3
// reserved. Deltas are in units of 250 us.
class TransportFeedback {
 public:
  static constexpr int64_t kDeltaUnitUs = 250;
  static constexpr int64_t kReferenceTimeUnitUs = 64000;
  static constexpr size_t kFixedSize = 8;

  // Parses `fci`, checking that the chunks cover the packet status count and
  // that every announced delta is present. Trailing bytes after the deltas
  // (zero padding) are allowed. Returns false when the FCI is malformed.
  static bool parse(uint32_t sender_ssrc, uint32_t media_ssrc, ByteView fci, TransportFeedback& out);

  uint32_t sender_ssrc() const { return sender_ssrc_; }
  uint32_t media_ssrc() const { return media_ssrc_; }
  uint16_t base_sequence_number() const { return base_sequence_number_; }
  uint16_t packet_status_count() const { return packet_status_count_; }
  // Signed 24-bit reference time in units of 64 ms.
  int32_t reference_time() const { return reference_time_; }
  int64_t reference_time_us() const { return reference_time_ * kReferenceTimeUnitUs; }
  uint8_t feedback_count() const { return feedback_count_; }
  size_t received_count() const { return received_count_; }

  // Calls fn(uint16_t seq, bool received, int64_t delta_us) for every packet
  // in the status count, in sequence order. delta_us is 0 for lost packets.
  template <typename Fn>
  void for_each_packet(Fn&& fn) const;

 private:
  // Symbol `index` (0-based) of `chunk`, and how many symbols the chunk holds.
  static uint8_t chunk_symbol(uint16_t chunk, size_t index);
  static size_t chunk_symbol_count(uint16_t chunk);

  uint32_t sender_ssrc_ = 0;
  uint32_t media_ssrc_ = 0;
  uint16_t base_sequence_number_ = 0;
  uint16_t packet_status_count_ = 0;
  int32_t reference_time_ = 0;
  uint8_t feedback_count_ = 0;
  size_t received_count_ = 0;
  ByteView chunks_;
  ByteView deltas_;
};

// Arrival status of one packet, input to encode_transport_feedback().
struct TransportPacketStatus {
  bool received = false;
  // Arrival time minus the previous received packet's arrival (or the
  // reference time for the first one). Truncated toward zero to 250 us units.
  int64_t delta_us = 0;
};

// Fields of the FCI header, input to encode_transport_feedback().
struct TransportFeedbackHeader {
  uint16_t base_sequence_number = 0;
  int32_t reference_time = 0;  // units of 64 ms, signed 24 bits
  uint8_t feedback_count = 0;
};

// Returns the FCI size in bytes, padded to a multiple of 4, that
// encode_transport_feedback() writes for `packets`, or 0 when the packets
// cannot be encoded (empty, more than 65535, or a delta outside int16 units).
size_t transport_feedback_size(std::span<const TransportPacketStatus> packets);

// Writes the FCI for `packets` (consecutive sequence numbers from
// header.base_sequence_number) into `out`, which must hold
// transport_feedback_size(packets) bytes. Returns the bytes written, 0 on
// failure.
size_t encode_transport_feedback(const TransportFeedbackHeader& header,
                                 std::span<const TransportPacketStatus> packets, MutableByteView out);

template <typename Fn>
void TransportFeedback::for_each_packet(Fn&& fn) const {
  size_t chunk_offset = 0;
  size_t delta_offset = 0;
  size_t done = 0;
  while (done < packet_status_count_ && chunk_offset + 2 <= chunks_.size()) {
    const uint16_t chunk = load_be16(chunks_.data() + chunk_offset);
    chunk_offset += 2;
    const size_t symbols = chunk_symbol_count(chunk);
    for (size_t i = 0; i < symbols && done < packet_status_count_; ++i, ++done) {
      const uint16_t seq = static_cast<uint16_t>(base_sequence_number_ + done);
      const uint8_t symbol = chunk_symbol(chunk, i);
      int64_t delta_units = 0;
      if (symbol == 1) {
        delta_units = deltas_[delta_offset];
        delta_offset += 1;
      } else if (symbol == 2) {
        delta_units = static_cast<int16_t>(load_be16(deltas_.data() + delta_offset));
        delta_offset += 2;
      }
      fn(seq, symbol != 0, delta_units * kDeltaUnitUs);
    }
  }
}

}  // namespace sightline::rtp

// RTCP compound packet validation and dispatch to an RtcpVisitor.
#include "relay/rtp/rtcp_packet.h"

#include <array>

namespace sightline::rtp {

namespace {

constexpr uint8_t kRtcpVersion = 2;
constexpr size_t kSsrcSize = 4;
constexpr size_t kSenderInfoSize = 20;
constexpr size_t kFeedbackHeaderSize = 8;  // sender SSRC and media source SSRC
constexpr uint32_t kRembIdentifier = 0x52454D42;  // "REMB"
constexpr size_t kRembFixedSize = 8;  // identifier, SSRC count, exponent and mantissa
constexpr uint8_t kSdesEnd = 0;
constexpr uint8_t kSdesCname = 1;
constexpr uint8_t kFirstRtcpType = 192;
constexpr uint8_t kLastRtcpType = 223;

// One packet of a compound after the common header, with padding removed.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P| count/FMT |      PT       |      length (words - 1)       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
struct PacketView {
  uint8_t count = 0;  // report count, source count or feedback FMT
  uint8_t type = 0;
  ByteView body;
};

// SR (RFC 3550 6.4.1): SSRC, 20 bytes of sender info, then report blocks.
// RR (6.4.2): SSRC, then report blocks. Profile extensions may follow.
RtcpParseError parse_report(const PacketView& packet, RtcpVisitor* visitor) {
  const bool is_sender = packet.type == kRtcpSenderReport;
  const size_t fixed_size = is_sender ? kSsrcSize + kSenderInfoSize : kSsrcSize;
  if (packet.body.size() < fixed_size) {
    return is_sender ? RtcpParseError::sender_report_truncated : RtcpParseError::receiver_report_truncated;
  }
  const ByteView blocks_bytes = packet.body.subspan(fixed_size);
  if (blocks_bytes.size() / ReportBlock::kWireSize < packet.count) return RtcpParseError::report_blocks_truncated;
  if (visitor == nullptr) return RtcpParseError::ok;

  const uint8_t* p = packet.body.data();
  const ReportBlockList blocks(blocks_bytes, packet.count);
  if (is_sender) {
    SenderInfo sender{load_be32(p), load_be64(p + 4), load_be32(p + 12), load_be32(p + 16), load_be32(p + 20)};
    visitor->on_sender_report(sender, blocks);
  } else {
    visitor->on_receiver_report(load_be32(p), blocks);
  }
  return RtcpParseError::ok;
}

// SDES (RFC 3550 6.5): `count` chunks, each an SSRC followed by items
// (type, length, text) and ended by a zero byte plus padding to the next
// 32-bit boundary.
RtcpParseError parse_sdes(const PacketView& packet, RtcpVisitor* visitor) {
  std::array<SdesChunk, kMaxRtcpCount> chunks;
  const ByteView body = packet.body;
  size_t offset = 0;
  for (size_t i = 0; i < packet.count; ++i) {
    if (body.size() - offset < kSsrcSize) return RtcpParseError::sdes_truncated;
    SdesChunk chunk;
    chunk.ssrc = load_be32(body.data() + offset);
    offset += kSsrcSize;

    while (true) {
      if (offset >= body.size()) return RtcpParseError::sdes_truncated;
      const uint8_t item_type = body[offset];
      if (item_type == kSdesEnd) {
        // The end byte and the padding after it reach the next multiple of 4.
        offset = (offset + 4) & ~size_t{3};
        if (offset > body.size()) return RtcpParseError::sdes_truncated;
        break;
      }
      if (body.size() - offset < 2) return RtcpParseError::sdes_truncated;
      const size_t length = body[offset + 1];
      if (body.size() - offset - 2 < length) return RtcpParseError::sdes_truncated;
      if (item_type == kSdesCname) {
        chunk.cname = std::string_view(reinterpret_cast<const char*>(body.data() + offset + 2), length);
      }
      offset += 2 + length;
    }
    chunks[i] = chunk;
  }
  if (visitor != nullptr) visitor->on_sdes(std::span<const SdesChunk>(chunks.data(), packet.count));
  return RtcpParseError::ok;
}

// BYE (RFC 3550 6.6): `count` SSRCs, then an optional length-prefixed reason.
RtcpParseError parse_bye(const PacketView& packet, RtcpVisitor* visitor) {
  const ByteView body = packet.body;
  const size_t ssrcs_size = kSsrcSize * packet.count;
  if (body.size() < ssrcs_size) return RtcpParseError::bye_truncated;
  std::string_view reason;
  if (body.size() > ssrcs_size) {
    const size_t length = body[ssrcs_size];
    if (body.size() - ssrcs_size - 1 < length) return RtcpParseError::bye_truncated;
    reason = std::string_view(reinterpret_cast<const char*>(body.data() + ssrcs_size + 1), length);
  }
  if (visitor != nullptr) visitor->on_bye(SsrcList(body.first(ssrcs_size), packet.count), reason);
  return RtcpParseError::ok;
}

// RTPFB (RFC 4585 6.2): generic NACK and transport-wide feedback.
RtcpParseError parse_rtp_feedback(const PacketView& packet, RtcpVisitor* visitor) {
  if (packet.body.size() < kFeedbackHeaderSize) return RtcpParseError::feedback_truncated;
  const uint32_t sender_ssrc = load_be32(packet.body.data());
  const uint32_t media_ssrc = load_be32(packet.body.data() + 4);
  const ByteView fci = packet.body.subspan(kFeedbackHeaderSize);

  if (packet.count == kFormatNack) {
    if (fci.empty() || fci.size() % NackItem::kWireSize != 0) return RtcpParseError::nack_invalid;
    if (visitor != nullptr) visitor->on_nack(sender_ssrc, media_ssrc, NackList(fci, fci.size() / NackItem::kWireSize));
    return RtcpParseError::ok;
  }
  if (packet.count == kFormatTransportFeedback) {
    TransportFeedback feedback;
    if (!TransportFeedback::parse(sender_ssrc, media_ssrc, fci, feedback)) {
      return RtcpParseError::transport_feedback_invalid;
    }
    if (visitor != nullptr) visitor->on_transport_feedback(feedback);
    return RtcpParseError::ok;
  }
  if (visitor != nullptr) visitor->on_skipped(packet.type, packet.count, RtcpSkipReason::unknown_feedback_format);
  return RtcpParseError::ok;
}

// REMB (draft-alvestrand-rmcat-remb), inside PSFB FMT 15:
//
//  |  Unique identifier 'R' 'E' 'M' 'B'                            |
//  |  Num SSRC     | BR Exp    |  BR Mantissa                       |
//  |   SSRC feedback ...                                            |
RtcpParseError parse_application_feedback(const PacketView& packet, uint32_t sender_ssrc, ByteView fci,
                                          RtcpVisitor* visitor) {
  // Other applications use the same FMT, so only the identifier marks REMB.
  if (fci.size() < 4 || load_be32(fci.data()) != kRembIdentifier) {
    if (visitor != nullptr) {
      visitor->on_skipped(packet.type, packet.count, RtcpSkipReason::unknown_application_feedback);
    }
    return RtcpParseError::ok;
  }
  if (fci.size() < kRembFixedSize) return RtcpParseError::remb_invalid;
  const size_t ssrc_count = fci[4];
  if ((fci.size() - kRembFixedSize) / kSsrcSize < ssrc_count) return RtcpParseError::remb_invalid;
  if (visitor == nullptr) return RtcpParseError::ok;

  const uint8_t exponent = fci[5] >> 2;
  const uint64_t mantissa = (static_cast<uint64_t>(fci[5] & 0x03) << 16) | load_be16(fci.data() + 6);
  // An 18-bit mantissa shifted by more than 46 bits overflows 64 bits, so
  // such a value saturates.
  constexpr uint8_t kMaxExponent = 64 - 18;
  const uint64_t bitrate_bps = exponent > kMaxExponent ? UINT64_MAX : mantissa << exponent;
  visitor->on_remb(sender_ssrc, bitrate_bps, SsrcList(fci.subspan(kRembFixedSize), ssrc_count));
  return RtcpParseError::ok;
}

// PSFB (RFC 4585 6.3): PLI, FIR (RFC 5104 4.3.1) and application feedback.
RtcpParseError parse_payload_feedback(const PacketView& packet, RtcpVisitor* visitor) {
  if (packet.body.size() < kFeedbackHeaderSize) return RtcpParseError::feedback_truncated;
  const uint32_t sender_ssrc = load_be32(packet.body.data());
  const uint32_t media_ssrc = load_be32(packet.body.data() + 4);
  const ByteView fci = packet.body.subspan(kFeedbackHeaderSize);

  switch (packet.count) {
    case kFormatPli:
      // PLI has no FCI (RFC 4585 6.3.1), so trailing bytes are ignored.
      if (visitor != nullptr) visitor->on_pli(sender_ssrc, media_ssrc);
      return RtcpParseError::ok;
    case kFormatFir:
      if (fci.empty() || fci.size() % FirEntry::kWireSize != 0) return RtcpParseError::fir_invalid;
      if (visitor != nullptr) visitor->on_fir(sender_ssrc, FirList(fci, fci.size() / FirEntry::kWireSize));
      return RtcpParseError::ok;
    case kFormatApplicationFeedback:
      return parse_application_feedback(packet, sender_ssrc, fci, visitor);
    default:
      if (visitor != nullptr) visitor->on_skipped(packet.type, packet.count, RtcpSkipReason::unknown_feedback_format);
      return RtcpParseError::ok;
  }
}

RtcpParseError parse_packet(const PacketView& packet, RtcpVisitor* visitor) {
  switch (packet.type) {
    case kRtcpSenderReport:
    case kRtcpReceiverReport:
      return parse_report(packet, visitor);
    case kRtcpSdes:
      return parse_sdes(packet, visitor);
    case kRtcpBye:
      return parse_bye(packet, visitor);
    case kRtcpRtpFeedback:
      return parse_rtp_feedback(packet, visitor);
    case kRtcpPayloadFeedback:
      return parse_payload_feedback(packet, visitor);
    default:
      if (visitor != nullptr) visitor->on_skipped(packet.type, packet.count, RtcpSkipReason::unknown_packet_type);
      return RtcpParseError::ok;
  }
}

// Splits the compound into packets and parses each. With a null visitor it
// only validates.
RtcpParseError walk_compound(ByteView data, RtcpVisitor* visitor) {
  if (data.size() < kRtcpHeaderSize) return RtcpParseError::too_short;
  size_t offset = 0;
  while (offset < data.size()) {
    const size_t remaining = data.size() - offset;
    if (remaining < kRtcpHeaderSize) return RtcpParseError::too_short;
    const uint8_t* p = data.data() + offset;
    if ((p[0] >> 6) != kRtcpVersion) return RtcpParseError::bad_version;
    const size_t packet_size = 4 * (static_cast<size_t>(load_be16(p + 2)) + 1);
    if (packet_size > remaining) return RtcpParseError::length_exceeds_buffer;

    PacketView packet;
    packet.count = p[0] & 0x1F;
    packet.type = p[1];
    packet.body = data.subspan(offset + kRtcpHeaderSize, packet_size - kRtcpHeaderSize);

    // RFC 3550 6.4.1: padding goes in the last packet of a compound only.
    if ((p[0] & 0x20) != 0) {
      if (packet_size != remaining) return RtcpParseError::padding_not_last;
      const size_t padding = data[offset + packet_size - 1];
      if (padding == 0 || padding > packet.body.size()) return RtcpParseError::padding_invalid;
      packet.body = packet.body.first(packet.body.size() - padding);
    }

    const RtcpParseError error = parse_packet(packet, visitor);
    if (error != RtcpParseError::ok) return error;
    offset += packet_size;
  }
  return RtcpParseError::ok;
}

}  // namespace

std::string_view to_string(RtcpParseError error) {
  switch (error) {
    case RtcpParseError::ok: return "ok";
    case RtcpParseError::too_short: return "too_short";
    case RtcpParseError::bad_version: return "bad_version";
    case RtcpParseError::length_exceeds_buffer: return "length_exceeds_buffer";
    case RtcpParseError::padding_invalid: return "padding_invalid";
    case RtcpParseError::padding_not_last: return "padding_not_last";
    case RtcpParseError::sender_report_truncated: return "sender_report_truncated";
    case RtcpParseError::receiver_report_truncated: return "receiver_report_truncated";
    case RtcpParseError::report_blocks_truncated: return "report_blocks_truncated";
    case RtcpParseError::sdes_truncated: return "sdes_truncated";
    case RtcpParseError::bye_truncated: return "bye_truncated";
    case RtcpParseError::feedback_truncated: return "feedback_truncated";
    case RtcpParseError::nack_invalid: return "nack_invalid";
    case RtcpParseError::fir_invalid: return "fir_invalid";
    case RtcpParseError::remb_invalid: return "remb_invalid";
    case RtcpParseError::transport_feedback_invalid: return "transport_feedback_invalid";
  }
  return "unknown";
}

std::string_view to_string(RtcpSkipReason reason) {
  switch (reason) {
    case RtcpSkipReason::unknown_packet_type: return "unknown_packet_type";
    case RtcpSkipReason::unknown_feedback_format: return "unknown_feedback_format";
    case RtcpSkipReason::unknown_application_feedback: return "unknown_application_feedback";
  }
  return "unknown";
}

ReportBlock ReportBlock::decode(const uint8_t* p) {
  ReportBlock block;
  block.ssrc = load_be32(p);
  block.fraction_lost = p[4];
  // Sign-extend the 24-bit cumulative number of packets lost.
  block.cumulative_lost = static_cast<int32_t>(load_be24(p + 5) << 8) >> 8;
  block.extended_highest_sequence = load_be32(p + 8);
  block.jitter = load_be32(p + 12);
  block.last_sr = load_be32(p + 16);
  block.delay_since_last_sr = load_be32(p + 20);
  return block;
}

void ReportBlock::encode(uint8_t* p) const {
  store_be32(p, ssrc);
  p[4] = fraction_lost;
  store_be24(p + 5, static_cast<uint32_t>(cumulative_lost) & 0xFFFFFF);
  store_be32(p + 8, extended_highest_sequence);
  store_be32(p + 12, jitter);
  store_be32(p + 16, last_sr);
  store_be32(p + 20, delay_since_last_sr);
}

RtcpParseError parse_rtcp_compound(ByteView data, RtcpVisitor& visitor) {
  const RtcpParseError error = walk_compound(data, nullptr);
  if (error != RtcpParseError::ok) return error;
  return walk_compound(data, &visitor);
}

bool is_rtcp(ByteView data) {
  return data.size() >= kRtcpHeaderSize && data[1] >= kFirstRtcpType && data[1] <= kLastRtcpType;
}

}  // namespace sightline::rtp

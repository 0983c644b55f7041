// RTCP packet building (RFC 3550 6.4-6.6, RFC 4585 6.2-6.3, RFC 5104 4.3.1,
// draft-alvestrand-rmcat-remb, transport-wide feedback).
#include "relay/rtp/rtcp_writer.h"

#include <algorithm>

#include "relay/rtp/sequence_number.h"

namespace sightline::rtp {

namespace {

constexpr size_t kSsrcSize = 4;
constexpr size_t kSenderInfoSize = 20;
constexpr size_t kFeedbackHeaderSize = 8;
constexpr size_t kMaxCnameSize = 255;
constexpr size_t kMaxRembSsrcs = 255;
constexpr uint32_t kRembIdentifier = 0x52454D42;  // "REMB"
constexpr uint64_t kRembMantissaLimit = uint64_t{1} << 18;
constexpr size_t kMaxPacketSize = 4 * 65536;  // the 16-bit length field counts words minus one
constexpr uint8_t kSdesCname = 1;
constexpr int32_t kNackBitmaskSpan = 16;

size_t count_nack_items(std::span<const uint16_t> lost) {
  size_t items = 0;
  uint16_t packet_id = 0;
  for (size_t i = 0; i < lost.size(); ++i) {
    const int32_t distance = sequence_distance(packet_id, lost[i]);
    if (i == 0 || distance < 1 || distance > kNackBitmaskSpan) {
      packet_id = lost[i];
      ++items;
    }
  }
  return items;
}

}  // namespace

uint8_t* RtcpWriter::begin_packet(uint8_t count_or_format, uint8_t packet_type, size_t packet_size) {
  if (packet_size % 4 != 0 || packet_size > kMaxPacketSize || buffer_.size() - size_ < packet_size) return nullptr;
  uint8_t* p = buffer_.data() + size_;
  p[0] = static_cast<uint8_t>(0x80 | (count_or_format & 0x1F));
  p[1] = packet_type;
  store_be16(p + 2, static_cast<uint16_t>(packet_size / 4 - 1));
  size_ += packet_size;
  return p;
}

bool RtcpWriter::add_sender_report(const SenderInfo& sender, std::span<const ReportBlock> blocks) {
  if (blocks.size() > kMaxRtcpCount) return false;
  const size_t size = kRtcpHeaderSize + kSsrcSize + kSenderInfoSize + ReportBlock::kWireSize * blocks.size();
  uint8_t* p = begin_packet(static_cast<uint8_t>(blocks.size()), kRtcpSenderReport, size);
  if (p == nullptr) return false;
  store_be32(p + 4, sender.ssrc);
  store_be64(p + 8, sender.ntp_timestamp);
  store_be32(p + 16, sender.rtp_timestamp);
  store_be32(p + 20, sender.packet_count);
  store_be32(p + 24, sender.octet_count);
  for (size_t i = 0; i < blocks.size(); ++i) blocks[i].encode(p + 28 + ReportBlock::kWireSize * i);
  return true;
}

bool RtcpWriter::add_receiver_report(uint32_t sender_ssrc, std::span<const ReportBlock> blocks) {
  if (blocks.size() > kMaxRtcpCount) return false;
  const size_t size = kRtcpHeaderSize + kSsrcSize + ReportBlock::kWireSize * blocks.size();
  uint8_t* p = begin_packet(static_cast<uint8_t>(blocks.size()), kRtcpReceiverReport, size);
  if (p == nullptr) return false;
  store_be32(p + 4, sender_ssrc);
  for (size_t i = 0; i < blocks.size(); ++i) blocks[i].encode(p + 8 + ReportBlock::kWireSize * i);
  return true;
}

bool RtcpWriter::add_sdes_cname(uint32_t ssrc, std::string_view cname) {
  if (cname.size() > kMaxCnameSize) return false;
  // SSRC, item type, item length, text, then at least one zero byte (the
  // end item) padded to a 32-bit boundary (RFC 3550 6.5).
  const size_t chunk_size = (kSsrcSize + 2 + cname.size() + 1 + 3) & ~size_t{3};
  uint8_t* p = begin_packet(1, kRtcpSdes, kRtcpHeaderSize + chunk_size);
  if (p == nullptr) return false;
  uint8_t* chunk = p + kRtcpHeaderSize;
  std::fill(chunk, chunk + chunk_size, uint8_t{0});
  store_be32(chunk, ssrc);
  chunk[4] = kSdesCname;
  chunk[5] = static_cast<uint8_t>(cname.size());
  std::copy(cname.begin(), cname.end(), chunk + 6);
  return true;
}

bool RtcpWriter::add_bye(std::span<const uint32_t> ssrcs) {
  if (ssrcs.size() > kMaxRtcpCount) return false;
  uint8_t* p = begin_packet(static_cast<uint8_t>(ssrcs.size()), kRtcpBye, kRtcpHeaderSize + kSsrcSize * ssrcs.size());
  if (p == nullptr) return false;
  for (size_t i = 0; i < ssrcs.size(); ++i) store_be32(p + 4 + kSsrcSize * i, ssrcs[i]);
  return true;
}

bool RtcpWriter::add_nack(uint32_t sender_ssrc, uint32_t media_ssrc, std::span<const uint16_t> lost) {
  const size_t items = count_nack_items(lost);
  if (items == 0) return false;
  uint8_t* p = begin_packet(kFormatNack, kRtcpRtpFeedback, kRtcpHeaderSize + kFeedbackHeaderSize + 4 * items);
  if (p == nullptr) return false;
  store_be32(p + 4, sender_ssrc);
  store_be32(p + 8, media_ssrc);

  uint8_t* item = p + 12 - NackItem::kWireSize;
  uint16_t packet_id = 0;
  uint16_t bitmask = 0;
  for (size_t i = 0; i < lost.size(); ++i) {
    const int32_t distance = sequence_distance(packet_id, lost[i]);
    if (i == 0 || distance < 1 || distance > kNackBitmaskSpan) {
      item += NackItem::kWireSize;
      packet_id = lost[i];
      bitmask = 0;
      store_be16(item, packet_id);
    } else {
      bitmask = static_cast<uint16_t>(bitmask | (1u << (distance - 1)));
    }
    store_be16(item + 2, bitmask);
  }
  return true;
}

bool RtcpWriter::add_pli(uint32_t sender_ssrc, uint32_t media_ssrc) {
  uint8_t* p = begin_packet(kFormatPli, kRtcpPayloadFeedback, kRtcpHeaderSize + kFeedbackHeaderSize);
  if (p == nullptr) return false;
  store_be32(p + 4, sender_ssrc);
  store_be32(p + 8, media_ssrc);
  return true;
}

bool RtcpWriter::add_fir(uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t sequence_number) {
  const size_t size = kRtcpHeaderSize + kFeedbackHeaderSize + FirEntry::kWireSize;
  uint8_t* p = begin_packet(kFormatFir, kRtcpPayloadFeedback, size);
  if (p == nullptr) return false;
  store_be32(p + 4, sender_ssrc);
  store_be32(p + 8, 0);
  store_be32(p + 12, media_ssrc);
  store_be32(p + 16, static_cast<uint32_t>(sequence_number) << 24);
  return true;
}

bool RtcpWriter::add_remb(uint32_t sender_ssrc, uint64_t bitrate_bps, std::span<const uint32_t> ssrcs) {
  if (ssrcs.size() > kMaxRembSsrcs) return false;
  uint8_t exponent = 0;
  while ((bitrate_bps >> exponent) >= kRembMantissaLimit) ++exponent;
  const uint32_t mantissa = static_cast<uint32_t>(bitrate_bps >> exponent);

  const size_t size = kRtcpHeaderSize + kFeedbackHeaderSize + 8 + kSsrcSize * ssrcs.size();
  uint8_t* p = begin_packet(kFormatApplicationFeedback, kRtcpPayloadFeedback, size);
  if (p == nullptr) return false;
  store_be32(p + 4, sender_ssrc);
  store_be32(p + 8, 0);  // media source is unused and 0 in REMB
  store_be32(p + 12, kRembIdentifier);
  p[16] = static_cast<uint8_t>(ssrcs.size());
  p[17] = static_cast<uint8_t>((exponent << 2) | (mantissa >> 16));
  store_be16(p + 18, static_cast<uint16_t>(mantissa));
  for (size_t i = 0; i < ssrcs.size(); ++i) store_be32(p + 20 + kSsrcSize * i, ssrcs[i]);
  return true;
}

bool RtcpWriter::add_transport_feedback(uint32_t sender_ssrc, uint32_t media_ssrc,
                                        const TransportFeedbackHeader& header,
                                        std::span<const TransportPacketStatus> packets) {
  const size_t fci_size = transport_feedback_size(packets);
  if (fci_size == 0) return false;
  const size_t size = kRtcpHeaderSize + kFeedbackHeaderSize + fci_size;
  if (size % 4 != 0 || size > kMaxPacketSize || buffer_.size() - size_ < size) return false;

  uint8_t* p = buffer_.data() + size_;
  const MutableByteView fci(p + kRtcpHeaderSize + kFeedbackHeaderSize, fci_size);
  if (encode_transport_feedback(header, packets, fci) != fci_size) return false;
  begin_packet(kFormatTransportFeedback, kRtcpRtpFeedback, size);
  store_be32(p + 4, sender_ssrc);
  store_be32(p + 8, media_ssrc);
  return true;
}

}  // namespace sightline::rtp

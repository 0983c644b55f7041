// Builder of RTCP compound packets into a caller-owned buffer, the
// counterpart of parse_rtcp_compound(). No allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "relay/base/bytes.h"
#include "relay/rtp/rtcp_packet.h"
#include "relay/rtp/transport_feedback.h"

namespace sightline::rtp {

// Appends RTCP packets one after another into `buffer`. Each add_* method
// writes one whole packet and returns false, writing nothing, when it does
// not fit in the space left or its input cannot be encoded.
class RtcpWriter {
 public:
  explicit RtcpWriter(MutableByteView buffer) : buffer_(buffer) {}

  size_t size() const { return size_; }
  ByteView data() const { return ByteView(buffer_).first(size_); }
  void clear() { size_ = 0; }

  // At most 31 report blocks per SR or RR (the 5-bit count field).
  bool add_sender_report(const SenderInfo& sender, std::span<const ReportBlock> blocks);
  bool add_receiver_report(uint32_t sender_ssrc, std::span<const ReportBlock> blocks);
  // One chunk with one CNAME item of at most 255 bytes.
  bool add_sdes_cname(uint32_t ssrc, std::string_view cname);
  // At most 31 SSRCs, no reason text.
  bool add_bye(std::span<const uint32_t> ssrcs);
  // Packs `lost` into (PID, BLP) pairs: a sequence number within 16 after the
  // current PID sets a bit, any other starts a new pair. Sorted input gives
  // the fewest pairs.
  bool add_nack(uint32_t sender_ssrc, uint32_t media_ssrc, std::span<const uint16_t> lost);
  bool add_pli(uint32_t sender_ssrc, uint32_t media_ssrc);
  // One FIR entry for `media_ssrc`; the header's media source is 0 as
  // RFC 5104 4.3.1 requires.
  bool add_fir(uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t sequence_number);
  // At most 255 SSRCs. The bitrate is rounded down to the 18-bit mantissa.
  bool add_remb(uint32_t sender_ssrc, uint64_t bitrate_bps, std::span<const uint32_t> ssrcs);
  bool add_transport_feedback(uint32_t sender_ssrc, uint32_t media_ssrc, const TransportFeedbackHeader& header,
                              std::span<const TransportPacketStatus> packets);

 private:
  // Returns where a packet of `packet_size` bytes starts, after writing its
  // common header, or nullptr when it does not fit.
  uint8_t* begin_packet(uint8_t count_or_format, uint8_t packet_type, size_t packet_size);

  MutableByteView buffer_;
  size_t size_ = 0;
};

}  // namespace sightline::rtp

// RTCP compound packet parsing without allocation (RFC 3550 6.4-6.6,
// RFC 4585 6.2.1 NACK and 6.3.1 PLI, RFC 5104 4.3.1 FIR, REMB from
// draft-alvestrand-rmcat-remb, transport-wide feedback): validated packets
// are delivered to an RtcpVisitor as views over the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>

#include "relay/base/bytes.h"
#include "relay/rtp/transport_feedback.h"

namespace sightline::rtp {

// RTCP packet types (RFC 3550 12.1, RFC 4585 6.1, RFC 3611).
constexpr uint8_t kRtcpSenderReport = 200;
constexpr uint8_t kRtcpReceiverReport = 201;
constexpr uint8_t kRtcpSdes = 202;
constexpr uint8_t kRtcpBye = 203;
constexpr uint8_t kRtcpApp = 204;
constexpr uint8_t kRtcpRtpFeedback = 205;
constexpr uint8_t kRtcpPayloadFeedback = 206;
constexpr uint8_t kRtcpExtendedReport = 207;

// Feedback message types (FMT field) of RTPFB and PSFB packets.
constexpr uint8_t kFormatNack = 1;                  // RTPFB, RFC 4585 6.2.1
constexpr uint8_t kFormatTransportFeedback = 15;    // RTPFB, transport-wide CC
constexpr uint8_t kFormatPli = 1;                   // PSFB, RFC 4585 6.3.1
constexpr uint8_t kFormatFir = 4;                   // PSFB, RFC 5104 4.3.1
constexpr uint8_t kFormatApplicationFeedback = 15;  // PSFB, RFC 4585 6.4 (REMB)

constexpr size_t kRtcpHeaderSize = 4;
constexpr size_t kMaxRtcpCount = 31;  // the 5-bit count field

// Reason an RTCP compound packet is rejected.
enum class RtcpParseError : uint8_t {
  ok,
  too_short,                  // fewer than 4 bytes where a packet header should start
  bad_version,                // a packet's version field is not 2
  length_exceeds_buffer,      // a packet's length field runs past the compound
  padding_invalid,            // padding count is 0 or larger than the packet body
  padding_not_last,           // padding bit set on a packet that is not the last (RFC 3550 6.4.1)
  sender_report_truncated,    // SR shorter than its SSRC and sender info
  receiver_report_truncated,  // RR shorter than its SSRC
  report_blocks_truncated,    // fewer report blocks present than the count field announces
  sdes_truncated,             // an SDES chunk or item runs past the packet
  bye_truncated,              // BYE SSRC list or reason runs past the packet
  feedback_truncated,         // RTPFB or PSFB shorter than its two SSRCs
  nack_invalid,               // generic NACK with no FCI or an FCI not a multiple of 4 bytes
  fir_invalid,                // FIR with no FCI or an FCI not a multiple of 8 bytes
  remb_invalid,               // 'REMB' feedback whose SSRC list runs past the packet
  transport_feedback_invalid, // transport-wide feedback whose chunks or deltas are malformed
};
std::string_view to_string(RtcpParseError error);

// Reason a well-formed packet was skipped without a visitor callback.
enum class RtcpSkipReason : uint8_t {
  unknown_packet_type,           // e.g. APP or XR, which the relay does not use
  unknown_feedback_format,       // RTPFB or PSFB with an FMT this parser does not handle
  unknown_application_feedback,  // PSFB application-layer feedback that is not 'REMB'
};
std::string_view to_string(RtcpSkipReason reason);

// Sender information of an SR (RFC 3550 6.4.1).
struct SenderInfo {
  uint32_t ssrc = 0;
  uint64_t ntp_timestamp = 0;
  uint32_t rtp_timestamp = 0;
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;
};

// Reception report block of an SR or RR (RFC 3550 6.4.1).
struct ReportBlock {
  static constexpr size_t kWireSize = 24;
  static ReportBlock decode(const uint8_t* p);
  void encode(uint8_t* p) const;

  uint32_t ssrc = 0;
  uint8_t fraction_lost = 0;     // fixed point, lost / expected * 256
  int32_t cumulative_lost = 0;   // signed 24 bits
  uint32_t extended_highest_sequence = 0;
  uint32_t jitter = 0;           // RTP timestamp units
  uint32_t last_sr = 0;          // middle 32 bits of the last SR's NTP timestamp
  uint32_t delay_since_last_sr = 0;  // units of 1/65536 s

  bool operator==(const ReportBlock&) const = default;
};

// One (PID, BLP) pair of a generic NACK (RFC 4585 6.2.1): PID is lost, and
// bit i of BLP set means PID + i + 1 is lost too.
struct NackItem {
  static constexpr size_t kWireSize = 4;
  static NackItem decode(const uint8_t* p) { return NackItem{load_be16(p), load_be16(p + 2)}; }

  uint16_t packet_id = 0;
  uint16_t lost_bitmask = 0;
};

// One FIR entry (RFC 5104 4.3.1.1): the media sender to refresh and the
// command sequence number.
struct FirEntry {
  static constexpr size_t kWireSize = 8;
  static FirEntry decode(const uint8_t* p) { return FirEntry{load_be32(p), p[4]}; }

  uint32_t ssrc = 0;
  uint8_t sequence_number = 0;
};

struct SsrcEntry {
  static constexpr size_t kWireSize = 4;
  static uint32_t decode(const uint8_t* p) { return load_be32(p); }
};

// Read-only list of fixed-size wire entries, decoded on access, over a
// buffer that the parser has already checked contains `size()` entries.
template <typename Entry, typename Value = Entry>
class WireList {
 public:
  class Iterator {
   public:
    using value_type = Value;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    explicit Iterator(const uint8_t* p) : p_(p) {}
    Value operator*() const { return Entry::decode(p_); }
    Iterator& operator++() {
      p_ += Entry::kWireSize;
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const Iterator&) const = default;

   private:
    const uint8_t* p_ = nullptr;
  };

  WireList() = default;
  WireList(ByteView bytes, size_t count) : bytes_(bytes), count_(count) {}

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  Value operator[](size_t index) const { return Entry::decode(bytes_.data() + index * Entry::kWireSize); }
  Iterator begin() const { return Iterator(bytes_.data()); }
  Iterator end() const { return Iterator(bytes_.data() + count_ * Entry::kWireSize); }

 private:
  ByteView bytes_;
  size_t count_ = 0;
};

using ReportBlockList = WireList<ReportBlock>;
using NackList = WireList<NackItem>;
using FirList = WireList<FirEntry>;
using SsrcList = WireList<SsrcEntry, uint32_t>;

// One SDES chunk: the source and its CNAME item, empty when the chunk has none.
// Other item types are validated and skipped.
struct SdesChunk {
  uint32_t ssrc = 0;
  std::string_view cname;
};

// Receives the packets of a compound that passed validation, in order. Every
// method has an empty default, so a visitor overrides only what it uses.
// The views passed in point into the parsed buffer.
class RtcpVisitor {
 public:
  virtual ~RtcpVisitor() = default;

  virtual void on_sender_report(const SenderInfo& /*sender*/, ReportBlockList /*blocks*/) {}
  virtual void on_receiver_report(uint32_t /*sender_ssrc*/, ReportBlockList /*blocks*/) {}
  virtual void on_sdes(std::span<const SdesChunk> /*chunks*/) {}
  virtual void on_bye(SsrcList /*ssrcs*/, std::string_view /*reason*/) {}
  virtual void on_nack(uint32_t /*sender_ssrc*/, uint32_t /*media_ssrc*/, NackList /*items*/) {}
  virtual void on_pli(uint32_t /*sender_ssrc*/, uint32_t /*media_ssrc*/) {}
  virtual void on_fir(uint32_t /*sender_ssrc*/, FirList /*entries*/) {}
  virtual void on_remb(uint32_t /*sender_ssrc*/, uint64_t /*bitrate_bps*/, SsrcList /*ssrcs*/) {}
  virtual void on_transport_feedback(const TransportFeedback& /*feedback*/) {}
  virtual void on_skipped(uint8_t /*packet_type*/, uint8_t /*format*/, RtcpSkipReason /*reason*/) {}
};

// Validates every packet of the compound in `data` first and, only when all
// of them are valid, delivers them to `visitor`. One invalid packet rejects
// the whole compound, following the validity checks of RFC 3550 appendix A.2,
// because its length fields can no longer be trusted to frame the rest.
// Unlike A.2 the first packet need not be an SR or RR, because reduced-size
// RTCP (RFC 5506), which browsers negotiate with a=rtcp-rsize, allows
// feedback on its own.
RtcpParseError parse_rtcp_compound(ByteView data, RtcpVisitor& visitor);

// Returns true when `data` looks like RTCP rather than RTP on a multiplexed
// port: packet types 192..223 in the second byte (RFC 5761).
bool is_rtcp(ByteView data);

// Expands a NACK item into the lost sequence numbers, calling fn(uint16_t)
// for the packet ID and for each set bit of the bitmask.
template <typename Fn>
void for_each_lost_sequence(const NackItem& item, Fn&& fn) {
  fn(item.packet_id);
  for (uint16_t bit = 0; bit < 16; ++bit) {
    if ((item.lost_bitmask >> bit) & 1u) fn(static_cast<uint16_t>(item.packet_id + bit + 1));
  }
}

}  // namespace sightline::rtp

// Packet classification for the shared media port (RFC 7983, RFC 5761).
#include "relay/ice/demux.h"

namespace sightline::ice {

namespace {

// RFC 7983 section 7: the first byte of the datagram selects the protocol.
//
//                  +----------------+
//                  |        [0..3] -+--> forward to STUN
//                  |                |
//                  |      [16..19] -+--> forward to ZRTP
//                  |                |
//      packet -->  |      [20..63] -+--> forward to DTLS
//                  |                |
//                  |      [64..79] -+--> forward to TURN Channel
//                  |                |
//                  |    [128..191] -+--> forward to RTP/RTCP
//                  +----------------+
//
// ZRTP and TURN channels are not used by the relay, so they are unknown here.
constexpr uint8_t kStunFirstMax = 3;
constexpr uint8_t kDtlsFirstMin = 20;
constexpr uint8_t kDtlsFirstMax = 63;
constexpr uint8_t kRtpFirstMin = 128;
constexpr uint8_t kRtpFirstMax = 191;

// RFC 5761 section 4: RTCP packet types 192..223 occupy the second byte where
// RTP has the marker bit and a payload type of 64..95. Those RTP payload
// types must therefore not be used when RTP and RTCP share a port.
constexpr uint8_t kRtcpTypeMin = 192;
constexpr uint8_t kRtcpTypeMax = 223;

// Fixed header sizes: STUN (RFC 5389 section 6), DTLS record (RFC 6347
// section 4.1), RTP (RFC 3550 section 5.1), RTCP header plus sender SSRC
// (RFC 3550 section 6.4).
constexpr size_t kStunHeaderBytes = 20;
constexpr size_t kDtlsRecordHeaderBytes = 13;
constexpr size_t kRtpHeaderBytes = 12;
constexpr size_t kRtcpHeaderBytes = 8;

}  // namespace

const char* to_string(PacketKind kind) {
  switch (kind) {
    case PacketKind::stun: return "stun";
    case PacketKind::dtls: return "dtls";
    case PacketKind::rtp: return "rtp";
    case PacketKind::rtcp: return "rtcp";
    case PacketKind::unknown: return "unknown";
  }
  return "unknown";
}

PacketKind classify_packet(ByteView datagram) {
  if (datagram.empty()) return PacketKind::unknown;
  const uint8_t first = datagram[0];

  if (first <= kStunFirstMax) {
    return datagram.size() >= kStunHeaderBytes ? PacketKind::stun : PacketKind::unknown;
  }
  if (first >= kDtlsFirstMin && first <= kDtlsFirstMax) {
    return datagram.size() >= kDtlsRecordHeaderBytes ? PacketKind::dtls : PacketKind::unknown;
  }
  if (first < kRtpFirstMin || first > kRtpFirstMax || datagram.size() < 2) {
    return PacketKind::unknown;
  }

  const uint8_t second = datagram[1];
  if (second >= kRtcpTypeMin && second <= kRtcpTypeMax) {
    return datagram.size() >= kRtcpHeaderBytes ? PacketKind::rtcp : PacketKind::unknown;
  }
  return datagram.size() >= kRtpHeaderBytes ? PacketKind::rtp : PacketKind::unknown;
}

}  // namespace sightline::ice

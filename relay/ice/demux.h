// Demultiplexing of STUN, DTLS, RTP and RTCP arriving on one UDP port, by the
// first byte (RFC 7983 section 7) and, for RTP versus RTCP, the second byte
// (RFC 5761 section 4).
#pragma once

#include "relay/base/bytes.h"

namespace sightline::ice {

enum class PacketKind { stun, dtls, rtp, rtcp, unknown };

const char* to_string(PacketKind kind);

// Classifies a datagram. A datagram shorter than the fixed header of its kind
// (STUN 20, DTLS record 13, RTP 12, RTCP 8 bytes) is unknown.
PacketKind classify_packet(ByteView datagram);

}  // namespace sightline::ice

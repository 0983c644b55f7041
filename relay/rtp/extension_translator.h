// Translation of RTP header extensions (RFC 8285) from a publisher's
// negotiated ids to a subscriber's. Each browser picks its own ids in its
// offer (Firefox 153 sends mid as 3 and abs-send-time as 4, Chromium 156 uses
// 4 and 2), so a packet forwarded with the publisher's ids would make the
// subscriber read one extension as another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "relay/base/bytes.h"
#include "relay/rtp/rtp_packet.h"

namespace sightline::rtp {

// The header extension ids of one leg, by meaning; 0 means not negotiated.
struct HeaderExtensionIds {
  uint8_t mid = 0;
  uint8_t rtp_stream_id = 0;
  uint8_t repaired_rtp_stream_id = 0;
  uint8_t abs_send_time = 0;
  uint8_t transport_cc = 0;
  uint8_t audio_level = 0;
};

// Copies `packet` into `out` with its header extensions translated:
// - abs-send-time, transport-wide sequence number and audio level keep their
//   value under the subscriber's id;
// - mid gets the value `subscriber_mid`, the subscriber's own media section;
// - rtp-stream-id and repaired-rtp-stream-id are dropped, because the
//   subscriber receives one plain stream per section, not simulcast layers;
// - elements with ids the publisher did not negotiate for one of these
//   meanings, or that the subscriber did not negotiate, are dropped.
// The one-byte form is written when every id is at most 14 and every value
// 1 to 16 bytes long, the two-byte form otherwise. Without any element left
// the packet has no extension block. The fixed header, CSRCs, payload and
// padding are copied unchanged. Returns the size written, or 0 when `out` is
// too small.
size_t translate_header_extensions(const RtpPacket& packet, const HeaderExtensionIds& publisher,
                                   const HeaderExtensionIds& subscriber, std::string_view subscriber_mid,
                                   MutableByteView out);

}  // namespace sightline::rtp

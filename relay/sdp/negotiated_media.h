// The outcome of SDP negotiation for one media section, in the form the media
// plane uses: payload types, header extension ids, feedback and remote SSRCs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/sdp/session_description.h"

namespace sightline::sdp {

// The RTP header extensions the relay reads or writes.
inline constexpr std::string_view kExtensionMidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr std::string_view kExtensionRtpStreamIdUri = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
inline constexpr std::string_view kExtensionRepairedRtpStreamIdUri =
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
inline constexpr std::string_view kExtensionAbsSendTimeUri =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
inline constexpr std::string_view kExtensionTransportCcUri =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr std::string_view kExtensionAudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

// Negotiated header extension ids; 0 means not negotiated.
struct ExtensionIds {
  uint8_t mid = 0;
  uint8_t rtp_stream_id = 0;
  uint8_t repaired_rtp_stream_id = 0;
  uint8_t abs_send_time = 0;
  uint8_t transport_cc = 0;
  uint8_t audio_level = 0;
};

// RTCP feedback messages negotiated for the main codec (RFC 4585, RFC 5104).
struct FeedbackSupport {
  bool nack = false;
  bool pli = false;
  bool fir = false;
  bool remb = false;
  bool transport_cc = false;
};

// A remote SSRC announced with a=ssrc, with its RTX SSRC from an FID group.
struct RemoteStream {
  uint32_t ssrc = 0;
  std::optional<uint32_t> rtx_ssrc;
};

struct NegotiatedMedia {
  std::string mid;
  MediaKind kind = MediaKind::unknown;
  uint8_t payload_type = 0;
  std::optional<uint8_t> rtx_payload_type;
  uint32_t clock_rate = 0;  // Hz
  uint16_t channels = 0;
  ExtensionIds extension_ids;
  FeedbackSupport feedback;
  std::vector<RemoteStream> remote_streams;
  // Simulcast rids the remote side sends, in the order of its a=simulcast
  // list. The index is the layer's position in that list.
  // NOTE: SDP does not say which layer has the lowest resolution. Chromium
  // and Firefox list encodings in the order the page created them (q, h, f
  // in the test offers), so a page that lists them high to low reverses this.
  // Firefox also announces one SSRC pair per layer without naming the rid,
  // so remote_streams cannot be matched to these rids from SDP alone.
  std::vector<std::string> simulcast_rids;
  Direction remote_direction = Direction::sendrecv;
  Direction local_direction = Direction::sendrecv;
};

// Returns the RTX codec (RFC 4588) whose apt= names payload_type, or nullptr.
const Codec* find_rtx_codec(const MediaDescription& media, uint8_t payload_type);

// Collects the negotiated parameters. agreed is the answer's media section,
// which lists the chosen codec first and contains the accepted extension ids.
// remote is the section that the other party wrote, whose a=ssrc lines and
// ssrc-groups announce the SSRCs it sends.
NegotiatedMedia negotiate_media(const MediaDescription& agreed, const MediaDescription& remote);

}  // namespace sightline::sdp

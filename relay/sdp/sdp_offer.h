// The offer that Sightline's own peer (the synthetic participant and load
// generator) sends to the relay, and the reading of the relay's answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/sdp/negotiated_media.h"
#include "relay/sdp/sdp_answer.h"
#include "relay/sdp/sdp_parser.h"
#include "relay/sdp/session_description.h"

namespace sightline::sdp {

// Payload types and extension ids of the peer's offer. They match what
// Chromium offers, so captures from either read the same way.
inline constexpr uint8_t kPeerOpusPayloadType = 111;
inline constexpr uint8_t kPeerVp8PayloadType = 96;
inline constexpr uint8_t kPeerRtxPayloadType = 97;
inline constexpr uint8_t kPeerAbsSendTimeExtensionId = 2;
inline constexpr uint8_t kPeerTransportCcExtensionId = 3;
inline constexpr uint8_t kPeerMidExtensionId = 4;

struct OfferParams {
  std::string ice_ufrag;
  std::string ice_pwd;
  Fingerprint fingerprint;  // of the peer's DTLS certificate
  uint64_t session_id = 1;
  std::string cname;
  std::string stream_id = "sightline-peer";  // a=msid stream id
  uint32_t audio_ssrc = 0;
  uint32_t video_ssrc = 0;
  uint32_t video_rtx_ssrc = 0;
  Direction direction = Direction::sendrecv;
  std::vector<LocalCandidate> candidates;  // optional: the relay is ice-lite and learns peer addresses from checks
};

// Builds the offer: audio mid "0" (opus/48000/2, minptime=10;useinbandfec=1)
// and video mid "1" (VP8/90000 with RTX), BUNDLE, rtcp-mux, setup:actpass.
SessionDescription build_offer_description(const OfferParams& params);
std::string build_offer(const OfferParams& params);

// What the peer needs from the relay's answer to connect and send media.
struct PeerAnswer {
  std::string ice_ufrag;
  std::string ice_pwd;
  Fingerprint fingerprint;
  std::vector<uint8_t> fingerprint_bytes;
  SetupRole setup = SetupRole::none;  // the relay's DTLS role: active or passive
  bool ice_lite = false;
  std::vector<Candidate> candidates;  // the relay's RTP candidates
  // local_direction is the relay's direction from the answer, remote_streams
  // are the SSRCs the relay announced it sends.
  std::optional<NegotiatedMedia> audio;
  std::optional<NegotiatedMedia> video;
};

// Parses the relay's answer and checks that it carries ICE credentials, a
// valid fingerprint, an active or passive setup role and at least one
// accepted section. Errors that are not about one line have line_number 0.
ParseResult parse_answer_for_peer(std::string_view answer_sdp, PeerAnswer& out);

}  // namespace sightline::sdp

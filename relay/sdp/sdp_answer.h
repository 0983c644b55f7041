// The relay's SDP answer to a browser offer (JSEP, RFC 8829 section 5.3):
// ice-lite, DTLS passive, one BUNDLE transport, Opus and VP8 only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "relay/sdp/negotiated_media.h"
#include "relay/sdp/session_description.h"

namespace sightline::sdp {

// A relay transport address offered as an ICE host candidate.
struct LocalCandidate {
  std::string address;  // IPv4 or IPv6 literal
  uint16_t port = 0;
  std::string transport = "udp";  // "udp" or "tcp"
  std::string tcp_type;           // "passive" for TCP (RFC 6544); empty for UDP
  uint32_t priority = 0;
  std::string foundation = "1";
};

// Converts to an a=candidate host candidate for component 1 (RTP with rtcp-mux).
Candidate to_candidate(const LocalCandidate& local);

// A stream the relay sends in one media section, announced with a=ssrc so
// the browser can tell the relay's SSRCs apart before the first packet.
struct LocalStream {
  MediaKind kind = MediaKind::audio;
  std::string mid;  // empty: the first accepted section of this kind without a stream
  uint32_t ssrc = 0;
  std::optional<uint32_t> rtx_ssrc;  // video only, announced with an FID group
  std::string cname;
  std::string stream_id;  // a=msid stream id
  std::string track_id;   // a=msid track id
};

struct LocalEndpoint {
  std::string ice_ufrag;
  std::string ice_pwd;
  Fingerprint fingerprint;  // e.g. {"sha-256", "AB:CD:..."} of the relay's DTLS certificate
  std::vector<LocalCandidate> candidates;
  bool accept_simulcast = true;
  std::vector<LocalStream> streams;
  uint64_t session_id = 0;  // o= session id; 0 picks a random one
};

// An offered media section that the answer rejects with port 0.
struct RejectedSection {
  size_t index = 0;  // position in the offer, from 0
  std::string mid;
  std::string reason;
};

struct AnswerResult {
  bool ok = false;
  std::string error;  // set when ok is false: what in the offer is wrong

  SessionDescription answer;
  std::vector<NegotiatedMedia> media;  // one per accepted section, in offer order
  std::vector<RejectedSection> rejected;

  std::string remote_ice_ufrag;
  std::string remote_ice_pwd;
  Fingerprint remote_fingerprint;
  std::vector<uint8_t> remote_fingerprint_bytes;
  // RTP (component 1) candidates of the BUNDLE transport. RTCP candidates are
  // dropped because the answer requires rtcp-mux. Addresses may be mDNS names.
  std::vector<Candidate> remote_candidates;
};

// Builds the answer. Sections that cannot be accepted (data channels,
// unknown kinds, no Opus or VP8, outside the BUNDLE group) are answered with
// port 0 in their original position. The whole answer fails, with ok=false
// and an error naming what is missing or wrong, when the offer has no ICE
// credentials, no valid fingerprint, a section without rtcp-mux, a setup
// role other than actpass or active, or no section that can be accepted.
AnswerResult build_answer(const SessionDescription& offer, const LocalEndpoint& local);

}  // namespace sightline::sdp

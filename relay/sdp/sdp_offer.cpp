// The peer's offer: a fixed audio and video section like a browser's, with
// only the codecs and extensions the relay accepts.
#include "relay/sdp/sdp_offer.h"

#include "relay/sdp/sdp_writer.h"

namespace sightline::sdp {
namespace {

constexpr std::string_view kProtocol = "UDP/TLS/RTP/SAVPF";
constexpr std::string_view kAudioMid = "0";
constexpr std::string_view kVideoMid = "1";
constexpr uint16_t kDiscardPort = 9;

MediaDescription build_common_section(const OfferParams& params, MediaKind kind, std::string_view mid) {
  MediaDescription section;
  section.kind = kind;
  section.kind_name = std::string(to_string(kind));
  section.port = kDiscardPort;
  section.protocol = std::string(kProtocol);
  section.connection_address_type = "IP4";
  section.connection_address = "0.0.0.0";
  for (const LocalCandidate& candidate : params.candidates) section.candidates.push_back(to_candidate(candidate));
  section.ice_ufrag = params.ice_ufrag;
  section.ice_pwd = params.ice_pwd;
  section.fingerprint = params.fingerprint;
  section.setup = SetupRole::actpass;
  section.mid = std::string(mid);
  section.extensions = {{kPeerAbsSendTimeExtensionId, std::nullopt, std::string(kExtensionAbsSendTimeUri), ""},
                        {kPeerTransportCcExtensionId, std::nullopt, std::string(kExtensionTransportCcUri), ""},
                        {kPeerMidExtensionId, std::nullopt, std::string(kExtensionMidUri), ""}};
  section.direction = params.direction;
  section.rtcp_mux = true;
  section.rtcp_rsize = true;
  return section;
}

void add_ssrc_lines(MediaDescription& section, const OfferParams& params, uint32_t ssrc, const std::string& track_id) {
  section.ssrcs.push_back({ssrc, "cname", params.cname});
  section.ssrcs.push_back({ssrc, "msid", params.stream_id + " " + track_id});
}

// Checks the transport part of the relay's answer; returns an error or nullopt.
std::optional<std::string> read_transport(const SessionDescription& answer, const MediaDescription& section,
                                          PeerAnswer& out) {
  out.ice_ufrag = section.ice_ufrag.empty() ? answer.ice_ufrag : section.ice_ufrag;
  out.ice_pwd = section.ice_pwd.empty() ? answer.ice_pwd : section.ice_pwd;
  if (out.ice_ufrag.empty() || out.ice_pwd.empty()) return "answer has no a=ice-ufrag or a=ice-pwd";

  out.fingerprint = section.fingerprint.empty() ? answer.fingerprint : section.fingerprint;
  if (out.fingerprint.empty()) return "answer has no a=fingerprint";
  if (!out.fingerprint.decode(out.fingerprint_bytes)) {
    return "answer fingerprint \"" + out.fingerprint.value + "\" is not a valid sha-256/384/512 digest";
  }

  out.setup = section.setup != SetupRole::none ? section.setup : answer.setup;
  if (out.setup != SetupRole::active && out.setup != SetupRole::passive) {
    return "answer a=setup must be active or passive (RFC 5763 section 5)";
  }

  for (const Candidate& candidate : section.candidates) {
    if (candidate.component == 1) out.candidates.push_back(candidate);
  }
  return std::nullopt;
}

}  // namespace

SessionDescription build_offer_description(const OfferParams& params) {
  SessionDescription offer;
  offer.origin.session_id = params.session_id;
  offer.origin.session_version = 1;
  offer.origin.address = "127.0.0.1";
  offer.groups.push_back({"BUNDLE", {std::string(kAudioMid), std::string(kVideoMid)}});
  offer.msid_semantic = "WMS";

  MediaDescription audio = build_common_section(params, MediaKind::audio, kAudioMid);
  Codec opus;
  opus.payload_type = kPeerOpusPayloadType;
  opus.name = "opus";
  opus.clock_rate = 48000;
  opus.channels = 2;
  opus.fmtp = {{"minptime", "10"}, {"useinbandfec", "1"}};
  opus.feedback = {{"transport-cc", ""}};
  audio.codecs.push_back(std::move(opus));
  audio.formats = {std::to_string(kPeerOpusPayloadType)};
  audio.msids.push_back({params.stream_id, "audio"});
  add_ssrc_lines(audio, params, params.audio_ssrc, "audio");

  MediaDescription video = build_common_section(params, MediaKind::video, kVideoMid);
  Codec vp8;
  vp8.payload_type = kPeerVp8PayloadType;
  vp8.name = "VP8";
  vp8.clock_rate = 90000;
  vp8.feedback = {{"goog-remb", ""}, {"transport-cc", ""}, {"ccm", "fir"}, {"nack", ""}, {"nack", "pli"}};
  Codec rtx;
  rtx.payload_type = kPeerRtxPayloadType;
  rtx.name = "rtx";
  rtx.clock_rate = 90000;
  rtx.fmtp = {{"apt", std::to_string(kPeerVp8PayloadType)}};
  video.codecs = {std::move(vp8), std::move(rtx)};
  video.formats = {std::to_string(kPeerVp8PayloadType), std::to_string(kPeerRtxPayloadType)};
  video.msids.push_back({params.stream_id, "video"});
  video.ssrc_groups.push_back({"FID", {params.video_ssrc, params.video_rtx_ssrc}});
  add_ssrc_lines(video, params, params.video_ssrc, "video");
  add_ssrc_lines(video, params, params.video_rtx_ssrc, "video");

  offer.media = {std::move(audio), std::move(video)};
  return offer;
}

std::string build_offer(const OfferParams& params) { return write_sdp(build_offer_description(params)); }

ParseResult parse_answer_for_peer(std::string_view answer_sdp, PeerAnswer& out) {
  out = PeerAnswer();
  SessionDescription answer;
  ParseResult result = parse_sdp(answer_sdp, answer);
  if (!result.ok) return result;

  const auto fail = [&result](std::string message) {
    result.ok = false;
    result.message = std::move(message);
    return result;
  };

  out.ice_lite = answer.ice_lite;
  const MediaDescription* first_accepted = nullptr;
  for (const MediaDescription& section : answer.media) {
    if (section.port == 0) continue;
    if (first_accepted == nullptr) first_accepted = &section;
    NegotiatedMedia negotiated = negotiate_media(section, section);
    if (section.kind == MediaKind::audio && !out.audio) out.audio = std::move(negotiated);
    if (section.kind == MediaKind::video && !out.video) out.video = std::move(negotiated);
  }
  if (first_accepted == nullptr) return fail("answer rejected every media section");
  if (std::optional<std::string> error = read_transport(answer, *first_accepted, out)) return fail(std::move(*error));
  if (out.audio && out.audio->payload_type != kPeerOpusPayloadType) {
    return fail("answer audio payload type " + std::to_string(out.audio->payload_type) + " was not offered");
  }
  if (out.video && out.video->payload_type != kPeerVp8PayloadType) {
    return fail("answer video payload type " + std::to_string(out.video->payload_type) + " was not offered");
  }
  return result;
}

}  // namespace sightline::sdp

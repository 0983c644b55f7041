// Builds the relay's answer: picks the sections it can carry on one BUNDLE
// transport, Opus and VP8 (with RTX) in them, the header extensions it uses,
// and rejects the rest with port 0 (RFC 3264 section 6, JSEP section 5.3.1).
#include "relay/sdp/sdp_answer.h"

#include <algorithm>
#include <array>
#include <random>
#include <strings.h>

#include "relay/sdp/sdp_attribute_parser.h"

namespace sightline::sdp {
namespace {

constexpr std::string_view kOpusName = "opus";
constexpr uint32_t kOpusClockRateHz = 48000;
constexpr uint16_t kOpusChannels = 2;  // RFC 7587 always signals opus/48000/2
constexpr std::string_view kVp8Name = "VP8";
constexpr uint32_t kVideoClockRateHz = 90000;
// The m= port when the relay has no candidate: the discard port that JSEP uses as a placeholder.
constexpr uint16_t kDiscardPort = 9;

constexpr std::array<std::string_view, 4> kAudioExtensions = {kExtensionMidUri, kExtensionAbsSendTimeUri,
                                                              kExtensionTransportCcUri, kExtensionAudioLevelUri};
constexpr std::array<std::string_view, 5> kVideoExtensions = {kExtensionMidUri, kExtensionRtpStreamIdUri,
                                                              kExtensionRepairedRtpStreamIdUri,
                                                              kExtensionAbsSendTimeUri, kExtensionTransportCcUri};
// Feedback the relay acts on: NACK and PLI (RFC 4585), FIR (RFC 5104),
// REMB and transport-wide congestion control.
const std::vector<RtcpFeedback> kVideoFeedback = {
    {"nack", ""}, {"nack", "pli"}, {"ccm", "fir"}, {"goog-remb", ""}, {"transport-cc", ""}};
const std::vector<RtcpFeedback> kAudioFeedback = {{"transport-cc", ""}};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string describe_section(const MediaDescription& section, size_t index) {
  if (!section.mid.empty()) return "media section mid " + section.mid;
  return "media section " + std::to_string(index + 1);
}

// Returns the codec the relay uses in this section, or nullptr.
const Codec* find_main_codec(const MediaDescription& section) {
  for (const Codec& codec : section.codecs) {
    if (section.kind == MediaKind::audio && iequals(codec.name, kOpusName) && codec.clock_rate == kOpusClockRateHz &&
        codec.channels == kOpusChannels) {
      return &codec;
    }
    if (section.kind == MediaKind::video && iequals(codec.name, kVp8Name) && codec.clock_rate == kVideoClockRateHz) {
      return &codec;
    }
  }
  return nullptr;
}

// Returns why the relay cannot accept the section, or nullopt.
std::optional<std::string> rejection_reason(const MediaDescription& section, const Group* bundle, bool accepted_before) {
  if (section.kind == MediaKind::application) return "data channels are not supported";
  if (section.kind == MediaKind::unknown) return "media kind \"" + section.kind_name + "\" is not supported";
  if (section.port == 0 && !section.bundle_only) return "the offer disabled the section with port 0";
  if (section.protocol.find("SAVPF") == std::string::npos) {
    return "protocol " + section.protocol + " is not DTLS-SRTP (UDP/TLS/RTP/SAVPF)";
  }
  if (section.mid.empty()) return "the section has no a=mid, so it cannot be bundled";
  if (section.bundle_only && bundle == nullptr) return "the section is a=bundle-only but the offer has no BUNDLE group";
  if (bundle != nullptr && std::find(bundle->mids.begin(), bundle->mids.end(), section.mid) == bundle->mids.end()) {
    return "the section is not in the offer's BUNDLE group";
  }
  if (bundle == nullptr && accepted_before) return "the offer has no BUNDLE group, so only its first section is used";
  if (find_main_codec(section) == nullptr) {
    return section.kind == MediaKind::audio ? "no opus/48000/2 codec offered" : "no VP8/90000 codec offered";
  }
  return std::nullopt;
}

MediaDescription build_rejected_section(const MediaDescription& offered) {
  MediaDescription section;
  section.kind = offered.kind;
  section.kind_name = offered.kind_name;
  section.port = 0;
  section.protocol = offered.protocol;
  section.formats = offered.formats;
  section.connection_address_type = "IP4";
  section.connection_address = "0.0.0.0";
  section.mid = offered.mid;
  return section;
}

// Keeps the offered feedback entries that the relay supports, in offer order,
// because an answer may not add feedback that was not offered (RFC 4585 section 4.2).
std::vector<RtcpFeedback> select_feedback(const Codec& offered, const std::vector<RtcpFeedback>& supported) {
  std::vector<RtcpFeedback> selected;
  for (const RtcpFeedback& entry : offered.feedback) {
    const bool supported_by_relay = std::any_of(supported.begin(), supported.end(), [&](const RtcpFeedback& candidate) {
      return candidate.type == entry.type && candidate.subtype == entry.subtype;
    });
    if (supported_by_relay) selected.push_back(entry);
  }
  return selected;
}

// Answers each supported extension with the offer's id. Ids above 14 need
// the two-byte header form, which the relay only uses when the offer allows
// mixing both forms in one stream (a=extmap-allow-mixed, RFC 8285 section 6).
std::vector<ExtensionMap> select_extensions(const SessionDescription& offer, const MediaDescription& offered) {
  const bool allow_mixed = offer.extmap_allow_mixed || offered.extmap_allow_mixed;
  std::vector<ExtensionMap> candidates = offer.extensions;
  candidates.insert(candidates.end(), offered.extensions.begin(), offered.extensions.end());

  std::vector<ExtensionMap> selected;
  for (const ExtensionMap& extension : candidates) {
    const bool supported = offered.kind == MediaKind::audio
                               ? std::find(kAudioExtensions.begin(), kAudioExtensions.end(), extension.uri) != kAudioExtensions.end()
                               : std::find(kVideoExtensions.begin(), kVideoExtensions.end(), extension.uri) != kVideoExtensions.end();
    if (!supported || (extension.id > kMaxOneByteExtensionId && !allow_mixed)) continue;
    if (extension.direction == Direction::inactive) continue;
    const bool id_taken = std::any_of(selected.begin(), selected.end(),
                                      [&](const ExtensionMap& chosen) { return chosen.id == extension.id; });
    if (id_taken) continue;
    ExtensionMap answered = extension;
    answered.attributes.clear();
    if (extension.direction) answered.direction = reverse(*extension.direction);
    selected.push_back(std::move(answered));
  }
  return selected;
}

Codec answer_codec(const Codec& offered, const std::vector<RtcpFeedback>& supported_feedback, bool keep_fmtp) {
  Codec codec;
  codec.payload_type = offered.payload_type;
  codec.name = offered.name;
  codec.clock_rate = offered.clock_rate;
  codec.channels = offered.channels;
  if (keep_fmtp) {
    codec.fmtp = offered.fmtp;
    codec.fmtp_raw = offered.fmtp_raw;
  }
  codec.feedback = select_feedback(offered, supported_feedback);
  return codec;
}

void add_transport(MediaDescription& section, const LocalEndpoint& local) {
  section.ice_ufrag = local.ice_ufrag;
  section.ice_pwd = local.ice_pwd;
  section.fingerprint = local.fingerprint;
  section.setup = SetupRole::passive;
  section.rtcp_mux = true;

  // The m= line and c= line carry the default candidate (JSEP section 5.3.1).
  section.port = kDiscardPort;
  section.connection_address_type = "IP4";
  section.connection_address = "0.0.0.0";
  if (!local.candidates.empty()) {
    const LocalCandidate& first = local.candidates.front();
    section.port = first.port;
    section.connection_address = first.address;
    section.connection_address_type = first.address.find(':') == std::string::npos ? "IP4" : "IP6";
  }

  for (const LocalCandidate& local_candidate : local.candidates) section.candidates.push_back(to_candidate(local_candidate));
  // The relay has all its host candidates up front, so the list is complete (a=end-of-candidates, RFC 8838).
  section.end_of_candidates = true;
}

void add_local_stream(MediaDescription& section, const LocalStream& stream, bool rtx_negotiated) {
  section.msids.push_back({stream.stream_id, stream.track_id});
  const std::string msid_value = stream.stream_id + (stream.track_id.empty() ? "" : " " + stream.track_id);
  std::vector<uint32_t> ssrcs = {stream.ssrc};
  if (rtx_negotiated && stream.rtx_ssrc) {
    ssrcs.push_back(*stream.rtx_ssrc);
    section.ssrc_groups.push_back({"FID", ssrcs});
  }
  for (uint32_t ssrc : ssrcs) {
    if (!stream.cname.empty()) section.ssrcs.push_back({ssrc, "cname", stream.cname});
    if (!stream.stream_id.empty()) section.ssrcs.push_back({ssrc, "msid", msid_value});
  }
}

// Accepts the offered simulcast send streams as receive streams (RFC 8853)
// and returns the rids in layer order. Restrictions are not
// echoed: the relay takes whatever each layer carries.
std::vector<std::string> add_simulcast(MediaDescription& section, const MediaDescription& offered) {
  std::vector<std::string> layer_rids;
  for (const std::vector<SimulcastStream>& alternatives : offered.simulcast.send) {
    // The first alternative is the offerer's preference; the relay takes it.
    const SimulcastStream& chosen = alternatives.front();
    const bool declared = std::any_of(offered.rids.begin(), offered.rids.end(), [&](const Rid& rid) {
      return rid.id == chosen.rid && rid.direction == RidDirection::send;
    });
    if (!declared) continue;  // RFC 8853 requires an a=rid line for every rid in a=simulcast.
    section.simulcast.recv.push_back({chosen});
    Rid rid;
    rid.id = chosen.rid;
    rid.direction = RidDirection::recv;
    section.rids.push_back(std::move(rid));
    layer_rids.push_back(chosen.rid);
  }
  return layer_rids;
}

const LocalStream* claim_local_stream(const LocalEndpoint& local, const MediaDescription& section,
                                      std::vector<bool>& claimed) {
  for (size_t pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < local.streams.size(); ++i) {
      const LocalStream& stream = local.streams[i];
      if (claimed[i] || stream.kind != section.kind) continue;
      const bool matches = pass == 0 ? stream.mid == section.mid : stream.mid.empty();
      if (!matches) continue;
      claimed[i] = true;
      return &stream;
    }
  }
  return nullptr;
}

struct SectionContext {
  const SessionDescription& offer;
  const LocalEndpoint& local;
  std::vector<bool>& claimed_streams;
};

MediaDescription build_accepted_section(const MediaDescription& offered, const SectionContext& context,
                                        NegotiatedMedia& negotiated) {
  MediaDescription section;
  section.kind = offered.kind;
  section.kind_name = offered.kind_name;
  section.protocol = offered.protocol;
  section.mid = offered.mid;
  add_transport(section, context.local);
  section.rtcp_rsize = offered.rtcp_rsize;
  section.extensions = select_extensions(context.offer, offered);

  const Direction offered_direction = offered.direction.value_or(context.offer.direction.value_or(Direction::sendrecv));
  section.direction = reverse(offered_direction);

  const Codec* main = find_main_codec(offered);
  const bool is_audio = offered.kind == MediaKind::audio;
  section.codecs.push_back(answer_codec(*main, is_audio ? kAudioFeedback : kVideoFeedback, is_audio));
  const Codec* rtx = is_audio ? nullptr : find_rtx_codec(offered, main->payload_type);
  if (rtx != nullptr) {
    Codec answered_rtx = answer_codec(*rtx, {}, false);
    answered_rtx.fmtp = {{"apt", std::to_string(main->payload_type)}};
    section.codecs.push_back(std::move(answered_rtx));
  }
  for (const Codec& codec : section.codecs) section.formats.push_back(std::to_string(codec.payload_type));

  std::vector<std::string> layer_rids;
  if (!is_audio && context.local.accept_simulcast && !offered.simulcast.send.empty()) {
    layer_rids = add_simulcast(section, offered);
  }
  if (sends(*section.direction)) {
    if (const LocalStream* stream = claim_local_stream(context.local, section, context.claimed_streams)) {
      add_local_stream(section, *stream, rtx != nullptr);
    }
  }

  negotiated = negotiate_media(section, offered);
  negotiated.remote_direction = offered_direction;
  negotiated.simulcast_rids = std::move(layer_rids);
  return section;
}

// Checks the transport attributes of the BUNDLE transport, which come from
// the first accepted section or else the session level (JSEP section 5.8).
std::optional<std::string> read_remote_transport(const SessionDescription& offer, const MediaDescription& tagged,
                                                 size_t tagged_index, AnswerResult& result) {
  const std::string where = describe_section(tagged, tagged_index) + " or the session level";
  result.remote_ice_ufrag = tagged.ice_ufrag.empty() ? offer.ice_ufrag : tagged.ice_ufrag;
  result.remote_ice_pwd = tagged.ice_pwd.empty() ? offer.ice_pwd : tagged.ice_pwd;
  if (result.remote_ice_ufrag.empty() && result.remote_ice_pwd.empty()) {
    return "offer has no a=ice-ufrag and no a=ice-pwd in " + where;
  }
  if (result.remote_ice_ufrag.empty()) return "offer has no a=ice-ufrag in " + where;
  if (result.remote_ice_pwd.empty()) return "offer has no a=ice-pwd in " + where;

  result.remote_fingerprint = tagged.fingerprint.empty() ? offer.fingerprint : tagged.fingerprint;
  if (result.remote_fingerprint.empty()) {
    return "offer has no a=fingerprint in " + where + "; DTLS-SRTP needs the certificate fingerprint";
  }
  if (!result.remote_fingerprint.decode(result.remote_fingerprint_bytes)) {
    return "offer fingerprint \"" + result.remote_fingerprint.algorithm + " " + result.remote_fingerprint.value +
           "\" is not a sha-256, sha-384 or sha-512 digest of 32, 48 or 64 hex pairs";
  }

  // The relay is always the DTLS server (RFC 5763 section 5), so the offerer
  // must be able to act as client. A missing a=setup means active (RFC 4145 section 4).
  const SetupRole setup = tagged.setup != SetupRole::none ? tagged.setup : offer.setup;
  if (setup == SetupRole::passive || setup == SetupRole::holdconn) {
    return "offer a=setup:" + std::string(to_string(setup)) +
           " is not supported: the relay answers setup:passive, so the offer must be actpass or active";
  }

  for (const Candidate& candidate : tagged.candidates) {
    if (candidate.component == 1) result.remote_candidates.push_back(candidate);
  }
  return std::nullopt;
}

std::optional<std::string> check_local_endpoint(const LocalEndpoint& local) {
  if (local.ice_ufrag.empty() || local.ice_pwd.empty()) return "local endpoint has no ICE ufrag or pwd";
  std::vector<uint8_t> bytes;
  if (!local.fingerprint.decode(bytes)) return "local endpoint fingerprint is not a valid sha-256/384/512 digest";
  return std::nullopt;
}

AnswerResult fail(std::string error) {
  AnswerResult result;
  result.ok = false;
  result.error = std::move(error);
  return result;
}

uint64_t pick_session_id(uint64_t requested) {
  if (requested != 0) return requested;
  std::random_device device;
  // RFC 8866 section 5.2 suggests an NTP-format timestamp; any unique 63-bit number works.
  return ((static_cast<uint64_t>(device()) << 32) | device()) >> 1;
}

}  // namespace

Candidate to_candidate(const LocalCandidate& local) {
  Candidate candidate;
  candidate.foundation = local.foundation;
  candidate.component = 1;
  candidate.transport = local.transport;
  candidate.priority = local.priority;
  candidate.address = local.address;
  candidate.port = local.port;
  candidate.type = "host";
  candidate.tcp_type = local.tcp_type;
  return candidate;
}

AnswerResult build_answer(const SessionDescription& offer, const LocalEndpoint& local) {
  if (std::optional<std::string> error = check_local_endpoint(local)) return fail(std::move(*error));

  // Pass 1: decide per section, and check rtcp-mux, which BUNDLE needs
  // because every stream shares one port (RFC 8843, RFC 5761).
  const Group* bundle = offer.bundle_group();
  std::vector<std::optional<std::string>> reasons;
  std::optional<size_t> tagged_index;
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const MediaDescription& section = offer.media[i];
    reasons.push_back(rejection_reason(section, bundle, tagged_index.has_value()));
    if (reasons.back()) continue;
    if (!tagged_index && section.bundle_only) {
      return fail(describe_section(section, i) +
                  " is a=bundle-only but no section before it carries the BUNDLE transport");
    }
    if (!section.rtcp_mux) {
      return fail(describe_section(section, i) + " has no a=rtcp-mux; the relay needs RTP and RTCP on one port");
    }
    if (!tagged_index) tagged_index = i;
  }
  if (!tagged_index) {
    std::string error = "offer has no media section that can be bundled";
    for (size_t i = 0; i < offer.media.size(); ++i) error += "; " + describe_section(offer.media[i], i) + ": " + *reasons[i];
    return fail(std::move(error));
  }

  AnswerResult result;
  if (std::optional<std::string> error = read_remote_transport(offer, offer.media[*tagged_index], *tagged_index, result)) {
    return fail(std::move(*error));
  }

  SessionDescription& answer = result.answer;
  answer.origin.session_id = pick_session_id(local.session_id);
  answer.origin.session_version = 1;
  answer.origin.address = "127.0.0.1";
  answer.ice_lite = true;
  answer.msid_semantic = local.streams.empty() ? "" : "WMS";
  answer.extmap_allow_mixed = offer.extmap_allow_mixed ||
                              std::any_of(offer.media.begin(), offer.media.end(),
                                          [](const MediaDescription& section) { return section.extmap_allow_mixed; });
  Group answer_bundle{"BUNDLE", {}};

  // Pass 2: one answer section per offered section, in offer order (RFC 3264 section 6).
  std::vector<bool> claimed_streams(local.streams.size(), false);
  const SectionContext context{offer, local, claimed_streams};
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const MediaDescription& offered = offer.media[i];
    if (reasons[i]) {
      answer.media.push_back(build_rejected_section(offered));
      result.rejected.push_back({i, offered.mid, *reasons[i]});
      continue;
    }
    NegotiatedMedia negotiated;
    answer.media.push_back(build_accepted_section(offered, context, negotiated));
    answer_bundle.mids.push_back(offered.mid);
    result.media.push_back(std::move(negotiated));
  }
  answer.groups.push_back(std::move(answer_bundle));
  result.ok = true;
  return result;
}

}  // namespace sightline::sdp

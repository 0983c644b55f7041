// Extracts the media plane's view of a negotiated media section.
#include "relay/sdp/negotiated_media.h"

#include <algorithm>
#include <strings.h>

#include "relay/sdp/sdp_attribute_parser.h"

namespace sightline::sdp {
namespace {

uint8_t extension_id_byte(const MediaDescription& media, std::string_view uri) {
  const uint16_t id = media.extension_id(uri);
  return id <= kMaxTwoByteExtensionId ? static_cast<uint8_t>(id) : 0;
}

bool is_rtx(const Codec& codec) { return strcasecmp(codec.name.c_str(), "rtx") == 0; }

// Lists the announced SSRCs in order of first appearance, pairing each media
// SSRC with the RTX SSRC of its FID group (RFC 5576 section 4.2: the first
// SSRC of FID is the media stream, the second its retransmission stream).
std::vector<RemoteStream> collect_remote_streams(const MediaDescription& remote) {
  std::vector<uint32_t> order;
  for (const SsrcAttribute& attribute : remote.ssrcs) {
    if (std::find(order.begin(), order.end(), attribute.ssrc) == order.end()) order.push_back(attribute.ssrc);
  }
  for (const SsrcGroup& group : remote.ssrc_groups) {
    for (uint32_t ssrc : group.ssrcs) {
      if (std::find(order.begin(), order.end(), ssrc) == order.end()) order.push_back(ssrc);
    }
  }

  std::vector<RemoteStream> streams;
  for (uint32_t ssrc : order) {
    bool repairs_another = false;
    RemoteStream stream{ssrc, std::nullopt};
    for (const SsrcGroup& group : remote.ssrc_groups) {
      if (group.semantics != "FID" || group.ssrcs.size() != 2) continue;
      if (group.ssrcs[1] == ssrc) repairs_another = true;
      if (group.ssrcs[0] == ssrc) stream.rtx_ssrc = group.ssrcs[1];
    }
    if (!repairs_another) streams.push_back(stream);
  }
  return streams;
}

}  // namespace

const Codec* find_rtx_codec(const MediaDescription& media, uint8_t payload_type) {
  const std::string apt = std::to_string(payload_type);
  for (const Codec& codec : media.codecs) {
    if (!is_rtx(codec)) continue;
    const std::optional<std::string_view> value = codec.fmtp_value("apt");
    if (value && *value == apt) return &codec;
  }
  return nullptr;
}

NegotiatedMedia negotiate_media(const MediaDescription& agreed, const MediaDescription& remote) {
  NegotiatedMedia media;
  media.mid = agreed.mid;
  media.kind = agreed.kind;

  const auto main_codec = std::find_if(agreed.codecs.begin(), agreed.codecs.end(),
                                       [](const Codec& codec) { return !is_rtx(codec) && !codec.name.empty(); });
  if (main_codec != agreed.codecs.end()) {
    media.payload_type = main_codec->payload_type;
    media.clock_rate = main_codec->clock_rate;
    media.channels = main_codec->channels;
    if (const Codec* rtx = find_rtx_codec(agreed, main_codec->payload_type)) media.rtx_payload_type = rtx->payload_type;

    const auto has = [&](std::string_view type, std::string_view subtype) {
      if (main_codec->has_feedback(type, subtype)) return true;
      return std::any_of(agreed.feedback_all.begin(), agreed.feedback_all.end(),
                         [&](const RtcpFeedback& entry) { return entry.type == type && entry.subtype == subtype; });
    };
    media.feedback = {has("nack", ""), has("nack", "pli"), has("ccm", "fir"), has("goog-remb", ""),
                      has("transport-cc", "")};
  }

  media.extension_ids.mid = extension_id_byte(agreed, kExtensionMidUri);
  media.extension_ids.rtp_stream_id = extension_id_byte(agreed, kExtensionRtpStreamIdUri);
  media.extension_ids.repaired_rtp_stream_id = extension_id_byte(agreed, kExtensionRepairedRtpStreamIdUri);
  media.extension_ids.abs_send_time = extension_id_byte(agreed, kExtensionAbsSendTimeUri);
  media.extension_ids.transport_cc = extension_id_byte(agreed, kExtensionTransportCcUri);
  media.extension_ids.audio_level = extension_id_byte(agreed, kExtensionAudioLevelUri);

  media.remote_streams = collect_remote_streams(remote);
  media.local_direction = agreed.direction.value_or(Direction::sendrecv);
  media.remote_direction = remote.direction.value_or(Direction::sendrecv);
  return media;
}

}  // namespace sightline::sdp

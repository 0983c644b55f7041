// Tests of the peer's offer and of reading the relay's answer on the peer side.
#include "relay/sdp/sdp_offer.h"

#include <gtest/gtest.h>

#include "relay/sdp/sdp_writer.h"

namespace sightline::sdp {
namespace {

const std::string kPeerFingerprint =
    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF";
const std::string kRelayFingerprint =
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";

OfferParams peer_params() {
  OfferParams params;
  params.ice_ufrag = "peerufrag";
  params.ice_pwd = "peerpassword0123456789";
  params.fingerprint = {"sha-256", kPeerFingerprint};
  params.session_id = 7;
  params.cname = "peercname";
  params.audio_ssrc = 1001;
  params.video_ssrc = 2001;
  params.video_rtx_ssrc = 2002;
  return params;
}

LocalEndpoint relay_endpoint() {
  LocalEndpoint local;
  local.ice_ufrag = "relayufrag";
  local.ice_pwd = "relaypassword0123456789";
  local.fingerprint = {"sha-256", kRelayFingerprint};
  local.candidates = {{"127.0.0.1", 40000, "udp", "", 2130706431, "1"}};
  local.streams = {{MediaKind::audio, "", 5001, std::nullopt, "relay", "relay", "a"},
                   {MediaKind::video, "", 6001, 6002, "relay", "relay", "v"}};
  return local;
}

TEST(SdpOffer, PeerOfferParses) {
  const std::string text = build_offer(peer_params());
  SessionDescription offer;
  const ParseResult result = parse_sdp(text, offer);
  ASSERT_TRUE(result.ok) << result.describe();

  ASSERT_EQ(offer.media.size(), 2u);
  EXPECT_EQ(offer.bundle_group()->mids, (std::vector<std::string>{"0", "1"}));
  const MediaDescription& audio = offer.media[0];
  EXPECT_EQ(audio.setup, SetupRole::actpass);
  EXPECT_TRUE(audio.rtcp_mux);
  ASSERT_EQ(audio.codecs.size(), 1u);
  EXPECT_EQ(audio.codecs[0].payload_type, 111);
  EXPECT_EQ(audio.codecs[0].fmtp_value("minptime"), "10");
  EXPECT_EQ(audio.codecs[0].fmtp_value("useinbandfec"), "1");
  EXPECT_EQ(audio.extension_id(kExtensionMidUri), 4);
  EXPECT_EQ(audio.extension_id(kExtensionTransportCcUri), 3);
  EXPECT_EQ(audio.extension_id(kExtensionAbsSendTimeUri), 2);
  EXPECT_EQ(audio.ssrcs[0].ssrc, 1001u);
  EXPECT_EQ(audio.ssrcs[0].value, "peercname");

  const MediaDescription& video = offer.media[1];
  ASSERT_EQ(video.codecs.size(), 2u);
  EXPECT_EQ(video.codecs[0].name, "VP8");
  EXPECT_EQ(video.codecs[1].fmtp_value("apt"), "96");
  ASSERT_EQ(video.ssrc_groups.size(), 1u);
  EXPECT_EQ(video.ssrc_groups[0].ssrcs, (std::vector<uint32_t>{2001, 2002}));
  EXPECT_NE(text.find("a=rtpmap:97 rtx/90000\r\n"), std::string::npos);
}

TEST(SdpOffer, RelayAnswersPeerOffer) {
  SessionDescription offer;
  ASSERT_TRUE(parse_sdp(build_offer(peer_params()), offer).ok);
  const AnswerResult answer = build_answer(offer, relay_endpoint());
  ASSERT_TRUE(answer.ok) << answer.error;
  EXPECT_EQ(answer.remote_ice_ufrag, "peerufrag");
  ASSERT_EQ(answer.media.size(), 2u);
  EXPECT_EQ(answer.media[0].remote_streams[0].ssrc, 1001u);
  EXPECT_EQ(answer.media[1].remote_streams[0].ssrc, 2001u);
  EXPECT_EQ(answer.media[1].remote_streams[0].rtx_ssrc, 2002u);
  EXPECT_EQ(answer.media[1].extension_ids.mid, 4);

  PeerAnswer peer;
  const ParseResult result = parse_answer_for_peer(write_sdp(answer.answer), peer);
  ASSERT_TRUE(result.ok) << result.describe();
  EXPECT_TRUE(peer.ice_lite);
  EXPECT_EQ(peer.ice_ufrag, "relayufrag");
  EXPECT_EQ(peer.ice_pwd, "relaypassword0123456789");
  EXPECT_EQ(peer.fingerprint.value, kRelayFingerprint);
  ASSERT_EQ(peer.fingerprint_bytes.size(), 32u);
  EXPECT_EQ(peer.fingerprint_bytes[0], 0xAA);
  EXPECT_EQ(peer.setup, SetupRole::passive);
  ASSERT_EQ(peer.candidates.size(), 1u);
  EXPECT_EQ(peer.candidates[0].address, "127.0.0.1");
  EXPECT_EQ(peer.candidates[0].port, 40000);

  ASSERT_TRUE(peer.audio.has_value());
  EXPECT_EQ(peer.audio->payload_type, kPeerOpusPayloadType);
  EXPECT_EQ(peer.audio->extension_ids.transport_cc, kPeerTransportCcExtensionId);
  ASSERT_EQ(peer.audio->remote_streams.size(), 1u);
  EXPECT_EQ(peer.audio->remote_streams[0].ssrc, 5001u);

  ASSERT_TRUE(peer.video.has_value());
  EXPECT_EQ(peer.video->payload_type, kPeerVp8PayloadType);
  EXPECT_EQ(peer.video->rtx_payload_type, kPeerRtxPayloadType);
  EXPECT_EQ(peer.video->extension_ids.abs_send_time, kPeerAbsSendTimeExtensionId);
  EXPECT_EQ(peer.video->extension_ids.mid, kPeerMidExtensionId);
  ASSERT_EQ(peer.video->remote_streams.size(), 1u);
  EXPECT_EQ(peer.video->remote_streams[0].ssrc, 6001u);
  EXPECT_EQ(peer.video->remote_streams[0].rtx_ssrc, 6002u);
  EXPECT_TRUE(peer.video->feedback.nack);
}

TEST(SdpOffer, PeerRejectsBadAnswer) {
  SessionDescription offer;
  ASSERT_TRUE(parse_sdp(build_offer(peer_params()), offer).ok);
  AnswerResult answer = build_answer(offer, relay_endpoint());
  ASSERT_TRUE(answer.ok) << answer.error;

  SessionDescription no_fingerprint = answer.answer;
  for (MediaDescription& section : no_fingerprint.media) section.fingerprint = {};
  PeerAnswer peer;
  ParseResult result = parse_answer_for_peer(write_sdp(no_fingerprint), peer);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.message, "answer has no a=fingerprint");

  SessionDescription actpass = answer.answer;
  for (MediaDescription& section : actpass.media) section.setup = SetupRole::actpass;
  result = parse_answer_for_peer(write_sdp(actpass), peer);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.message, "answer a=setup must be active or passive (RFC 5763 section 5)");

  SessionDescription all_rejected = answer.answer;
  for (MediaDescription& section : all_rejected.media) section.port = 0;
  result = parse_answer_for_peer(write_sdp(all_rejected), peer);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.message, "answer rejected every media section");

  result = parse_answer_for_peer("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=audio 70000 UDP/TLS/RTP/SAVPF 111\r\n", peer);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.line_number, 3u);
}

}  // namespace
}  // namespace sightline::sdp

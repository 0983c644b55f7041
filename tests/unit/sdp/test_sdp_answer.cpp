// Tests of build_answer: real browser offers, rejected sections and the
// offers the relay must reject.
#include "relay/sdp/sdp_answer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "relay/sdp/sdp_parser.h"
#include "relay/sdp/sdp_writer.h"
#include "tests/support/shared_test_data.h"

namespace sightline::sdp {
namespace {

std::string read_text(const std::string& relative_path) { return test::read_shared_test_file(relative_path); }

const std::string kRelayFingerprint =
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";

LocalEndpoint relay_endpoint() {
  LocalEndpoint local;
  local.ice_ufrag = "relayufrag";
  local.ice_pwd = "relaypassword0123456789";
  local.fingerprint = {"sha-256", kRelayFingerprint};
  local.candidates = {{"127.0.0.1", 40000, "udp", "", 2130706431, "1"},
                      {"::1", 40000, "udp", "", 2130706175, "2"},
                      {"127.0.0.1", 40001, "tcp", "passive", 1694498815, "3"}};
  local.session_id = 42;
  return local;
}

SessionDescription parse_file(const std::string& path) {
  SessionDescription description;
  const ParseResult result = parse_sdp(read_text(path), description);
  EXPECT_TRUE(result.ok) << path << ": " << result.describe();
  return description;
}

// An offer from the repository's own test data.
SessionDescription parse_repository_file(const std::string& relative_path) {
  std::ifstream file(std::string(SIGHTLINE_SOURCE_DIR) + "/tests/data/" + relative_path, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  SessionDescription description;
  const ParseResult result = parse_sdp(contents.str(), description);
  EXPECT_TRUE(result.ok) << relative_path << ": " << result.describe();
  return description;
}

// Firefox 153 ESR's offer from the call page (bundlePolicy max-bundle,
// trickle complete): the video section has port 0 and a=bundle-only.
const char* const kFirefoxMaxBundleOffer = "sdp/firefox-153-offer-max-bundle.sdp";

// Answers the offer, writes the answer and parses it back.
SessionDescription answer_and_reparse(const SessionDescription& offer, AnswerResult& result,
                                      const LocalEndpoint& local = relay_endpoint()) {
  result = build_answer(offer, local);
  EXPECT_TRUE(result.ok) << result.error;
  SessionDescription reparsed;
  const ParseResult parsed = parse_sdp(write_sdp(result.answer), reparsed);
  EXPECT_TRUE(parsed.ok) << parsed.describe();
  return reparsed;
}

const std::vector<std::string> kBrowserOffers = {
    "sdp/chromium-156-offer.sdp",
    "sdp/chromium-156-offer-simulcast.sdp",
    "sdp/firefox-153-offer.sdp",
    "sdp/firefox-153-offer-simulcast.sdp",
};

TEST(SdpAnswer, BrowserOffersAnswered) {
  for (const std::string& path : kBrowserOffers) {
    SCOPED_TRACE(path);
    const SessionDescription offer = parse_file(path);
    AnswerResult result;
    const SessionDescription answer = answer_and_reparse(offer, result);
    ASSERT_TRUE(result.ok);

    EXPECT_TRUE(answer.ice_lite);
    ASSERT_NE(answer.bundle_group(), nullptr);
    EXPECT_EQ(answer.bundle_group()->mids, (std::vector<std::string>{"0", "1"}));
    ASSERT_EQ(answer.media.size(), 2u);
    EXPECT_TRUE(result.rejected.empty());
    ASSERT_EQ(result.media.size(), 2u);

    for (const MediaDescription& section : answer.media) {
      EXPECT_EQ(section.setup, SetupRole::passive);
      EXPECT_EQ(section.fingerprint.value, kRelayFingerprint);
      EXPECT_EQ(section.ice_ufrag, "relayufrag");
      EXPECT_EQ(section.ice_pwd, "relaypassword0123456789");
      EXPECT_TRUE(section.rtcp_mux);
      EXPECT_TRUE(section.end_of_candidates);
      ASSERT_EQ(section.candidates.size(), 3u);
      EXPECT_EQ(section.candidates[0].address, "127.0.0.1");
      EXPECT_EQ(section.candidates[2].tcp_type, "passive");
      EXPECT_EQ(section.port, 40000);
      EXPECT_EQ(section.connection_address, "127.0.0.1");
    }

    const MediaDescription& offered_audio = offer.media[0];
    const MediaDescription& audio = answer.media[0];
    ASSERT_EQ(audio.codecs.size(), 1u);
    EXPECT_EQ(audio.codecs[0].name, "opus");
    EXPECT_EQ(audio.codecs[0].fmtp_raw, offered_audio.find_codec(audio.codecs[0].payload_type)->fmtp_raw);
    EXPECT_TRUE(audio.codecs[0].has_feedback("transport-cc"));
    for (const char* uri : {"urn:ietf:params:rtp-hdrext:sdes:mid", "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
                            "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"}) {
      EXPECT_EQ(audio.extension_id(uri), offered_audio.extension_id(uri)) << uri;
      EXPECT_NE(audio.extension_id(uri), 0) << uri;
    }
    EXPECT_EQ(audio.extension_id("urn:ietf:params:rtp-hdrext:csrc-audio-level"), 0);

    const MediaDescription& offered_video = offer.media[1];
    const MediaDescription& video = answer.media[1];
    ASSERT_EQ(video.codecs.size(), 2u);
    EXPECT_EQ(video.codecs[0].name, "VP8");
    EXPECT_EQ(video.codecs[1].name, "rtx");
    EXPECT_EQ(video.codecs[1].fmtp_value("apt"), std::to_string(video.codecs[0].payload_type));
    for (const auto& [type, subtype] : std::vector<std::pair<std::string, std::string>>{
             {"nack", ""}, {"nack", "pli"}, {"ccm", "fir"}, {"goog-remb", ""}, {"transport-cc", ""}}) {
      EXPECT_TRUE(video.codecs[0].has_feedback(type, subtype)) << type << " " << subtype;
    }
    for (const char* uri : {"urn:ietf:params:rtp-hdrext:sdes:mid", "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
                            "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
                            "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
                            "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"}) {
      EXPECT_EQ(video.extension_id(uri), offered_video.extension_id(uri)) << uri;
    }
    EXPECT_EQ(video.extension_id("urn:ietf:params:rtp-hdrext:toffset"), 0);
    EXPECT_EQ(video.formats.size(), 2u);
  }
}

TEST(SdpAnswer, ChromiumNegotiatedMedia) {
  AnswerResult result;
  answer_and_reparse(parse_file("sdp/chromium-156-offer.sdp"), result);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.remote_ice_ufrag, "LC9E");
  EXPECT_EQ(result.remote_ice_pwd, "naI7kXTIqYGunGdtxex3qQKw");
  ASSERT_EQ(result.remote_fingerprint_bytes.size(), 32u);
  EXPECT_EQ(result.remote_fingerprint_bytes[0], 0x1F);
  EXPECT_EQ(result.remote_fingerprint_bytes[31], 0x94);

  const NegotiatedMedia& audio = result.media[0];
  EXPECT_EQ(audio.mid, "0");
  EXPECT_EQ(audio.kind, MediaKind::audio);
  EXPECT_EQ(audio.payload_type, 111);
  EXPECT_FALSE(audio.rtx_payload_type.has_value());
  EXPECT_EQ(audio.clock_rate, 48000u);
  EXPECT_EQ(audio.extension_ids.audio_level, 1);
  EXPECT_EQ(audio.extension_ids.abs_send_time, 2);
  EXPECT_EQ(audio.extension_ids.transport_cc, 3);
  EXPECT_EQ(audio.extension_ids.mid, 4);
  ASSERT_EQ(audio.remote_streams.size(), 1u);
  EXPECT_EQ(audio.remote_streams[0].ssrc, 4244426029u);
  EXPECT_EQ(audio.remote_direction, Direction::sendrecv);
  EXPECT_EQ(audio.local_direction, Direction::sendrecv);

  const NegotiatedMedia& video = result.media[1];
  EXPECT_EQ(video.payload_type, 96);
  EXPECT_EQ(video.rtx_payload_type, 97);
  EXPECT_EQ(video.clock_rate, 90000u);
  EXPECT_EQ(video.extension_ids.rtp_stream_id, 10);
  EXPECT_EQ(video.extension_ids.repaired_rtp_stream_id, 11);
  EXPECT_EQ(video.extension_ids.audio_level, 0);
  EXPECT_TRUE(video.feedback.nack);
  EXPECT_TRUE(video.feedback.pli);
  EXPECT_TRUE(video.feedback.fir);
  EXPECT_TRUE(video.feedback.remb);
  EXPECT_TRUE(video.feedback.transport_cc);
  ASSERT_EQ(video.remote_streams.size(), 1u);
  EXPECT_EQ(video.remote_streams[0].ssrc, 4231881434u);
  EXPECT_EQ(video.remote_streams[0].rtx_ssrc, 819889738u);
  EXPECT_TRUE(video.simulcast_rids.empty());
}

TEST(SdpAnswer, SimulcastReceived) {
  for (const std::string path : {"sdp/chromium-156-offer-simulcast.sdp", "sdp/firefox-153-offer-simulcast.sdp"}) {
    SCOPED_TRACE(path);
    AnswerResult result;
    const SessionDescription answer = answer_and_reparse(parse_file(path), result);
    ASSERT_TRUE(result.ok);
    const MediaDescription& video = answer.media[1];
    ASSERT_EQ(video.simulcast.recv.size(), 3u);
    EXPECT_TRUE(video.simulcast.send.empty());
    EXPECT_EQ(video.simulcast.recv[0][0].rid, "q");
    EXPECT_EQ(video.simulcast.recv[1][0].rid, "h");
    EXPECT_EQ(video.simulcast.recv[2][0].rid, "f");
    ASSERT_EQ(video.rids.size(), 3u);
    for (const Rid& rid : video.rids) EXPECT_EQ(rid.direction, RidDirection::recv);
    EXPECT_EQ(result.media[1].simulcast_rids, (std::vector<std::string>{"q", "h", "f"}));
    EXPECT_NE(write_sdp(result.answer).find("a=simulcast:recv q;h;f\r\n"), std::string::npos);
    EXPECT_NE(write_sdp(result.answer).find("a=rid:q recv\r\n"), std::string::npos);
  }
}

TEST(SdpAnswer, SimulcastDeclined) {
  LocalEndpoint local = relay_endpoint();
  local.accept_simulcast = false;
  AnswerResult result;
  const SessionDescription answer = answer_and_reparse(parse_file("sdp/chromium-156-offer-simulcast.sdp"), result, local);
  ASSERT_TRUE(result.ok);
  EXPECT_TRUE(answer.media[1].simulcast.empty());
  EXPECT_TRUE(answer.media[1].rids.empty());
  EXPECT_TRUE(result.media[1].simulcast_rids.empty());
}

TEST(SdpAnswer, FirefoxRemoteDetails) {
  AnswerResult result;
  const SessionDescription answer = answer_and_reparse(parse_file("sdp/firefox-153-offer-simulcast.sdp"), result);
  ASSERT_TRUE(result.ok);

  // Component-2 (RTCP) candidates are dropped because rtcp-mux is in use.
  ASSERT_EQ(result.remote_candidates.size(), 4u);
  for (const Candidate& candidate : result.remote_candidates) EXPECT_EQ(candidate.component, 1);
  EXPECT_EQ(result.remote_candidates[0].address, "63847353-312e-43a9-91d6-6e3a05080b8c.local");
  EXPECT_EQ(result.remote_ice_ufrag, "0224e577");

  // Extensions the offer sends only (sendonly) are answered recvonly.
  const MediaDescription& video = answer.media[1];
  bool found_rid_extension = false;
  for (const ExtensionMap& extension : video.extensions) {
    if (extension.uri != "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id") continue;
    found_rid_extension = true;
    EXPECT_EQ(extension.id, 9);
    EXPECT_EQ(extension.direction, Direction::recvonly);
  }
  EXPECT_TRUE(found_rid_extension);

  const NegotiatedMedia& negotiated_video = result.media[1];
  EXPECT_EQ(negotiated_video.payload_type, 120);
  EXPECT_EQ(negotiated_video.rtx_payload_type, 124);
  ASSERT_EQ(negotiated_video.remote_streams.size(), 3u);
  EXPECT_EQ(negotiated_video.remote_streams[0].ssrc, 3252413755u);
  EXPECT_EQ(negotiated_video.remote_streams[0].rtx_ssrc, 56388128u);
  EXPECT_EQ(negotiated_video.remote_streams[2].rtx_ssrc, 420574991u);
  EXPECT_EQ(result.media[0].payload_type, 109);
  EXPECT_EQ(result.media[0].extension_ids.transport_cc, 7);
}

TEST(SdpAnswer, DirectionMirrored) {
  SessionDescription offer = parse_file("sdp/chromium-156-offer.sdp");
  offer.media[0].direction = Direction::recvonly;
  offer.media[1].direction = Direction::sendonly;
  AnswerResult result;
  const SessionDescription answer = answer_and_reparse(offer, result);
  EXPECT_EQ(answer.media[0].direction, Direction::sendonly);
  EXPECT_EQ(answer.media[1].direction, Direction::recvonly);
  EXPECT_EQ(result.media[1].remote_direction, Direction::sendonly);
}

TEST(SdpAnswer, LocalStreamsAnnounced) {
  LocalEndpoint local = relay_endpoint();
  local.streams = {{MediaKind::video, "", 1111, 2222, "relaycname", "relay", "video-track"},
                   {MediaKind::audio, "0", 3333, std::nullopt, "relaycname", "relay", "audio-track"}};
  AnswerResult result;
  const SessionDescription answer = answer_and_reparse(parse_file("sdp/chromium-156-offer.sdp"), result, local);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(answer.msid_semantic, "WMS");

  const MediaDescription& audio = answer.media[0];
  ASSERT_EQ(audio.ssrcs.size(), 2u);
  EXPECT_EQ(audio.ssrcs[0].ssrc, 3333u);
  EXPECT_EQ(audio.ssrcs[0].attribute, "cname");
  EXPECT_EQ(audio.ssrcs[0].value, "relaycname");
  EXPECT_EQ(audio.ssrcs[1].value, "relay audio-track");
  ASSERT_EQ(audio.msids.size(), 1u);
  EXPECT_EQ(audio.msids[0].track_id, "audio-track");

  const MediaDescription& video = answer.media[1];
  ASSERT_EQ(video.ssrc_groups.size(), 1u);
  EXPECT_EQ(video.ssrc_groups[0].semantics, "FID");
  EXPECT_EQ(video.ssrc_groups[0].ssrcs, (std::vector<uint32_t>{1111, 2222}));
  EXPECT_EQ(video.ssrcs.size(), 4u);
}

TEST(SdpAnswer, NonMediaSectionsRejected) {
  std::string text = read_text("sdp/chromium-156-offer.sdp");
  text += "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=sctp-port:5000\r\n";
  text += "m=message 9 TCP/MSRP *\r\nc=IN IP4 0.0.0.0\r\na=mid:3\r\n";
  SessionDescription offer;
  ASSERT_TRUE(parse_sdp(text, offer).ok);

  AnswerResult result;
  const SessionDescription answer = answer_and_reparse(offer, result);
  ASSERT_TRUE(result.ok);
  ASSERT_EQ(answer.media.size(), 4u);
  EXPECT_EQ(answer.media[2].port, 0);
  EXPECT_EQ(answer.media[2].kind_name, "application");
  EXPECT_EQ(answer.media[2].mid, "2");
  EXPECT_EQ(answer.media[2].formats, (std::vector<std::string>{"webrtc-datachannel"}));
  EXPECT_EQ(answer.media[3].port, 0);
  EXPECT_EQ(answer.media[3].kind_name, "message");
  EXPECT_EQ(answer.media[3].formats, (std::vector<std::string>{"*"}));
  EXPECT_TRUE(answer.media[3].candidates.empty());
  EXPECT_EQ(answer.bundle_group()->mids, (std::vector<std::string>{"0", "1"}));

  ASSERT_EQ(result.rejected.size(), 2u);
  EXPECT_EQ(result.rejected[0].index, 2u);
  EXPECT_EQ(result.rejected[0].reason, "data channels are not supported");
  EXPECT_EQ(result.rejected[1].reason, "media kind \"message\" is not supported");
}

TEST(SdpAnswer, NoCommonCodecRejected) {
  SessionDescription offer = parse_file("sdp/chromium-156-offer.sdp");
  offer.media[1].codecs.erase(offer.media[1].codecs.begin());  // drop VP8
  AnswerResult result;
  const SessionDescription answer = answer_and_reparse(offer, result);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(answer.media[1].port, 0);
  EXPECT_EQ(answer.bundle_group()->mids, (std::vector<std::string>{"0"}));
  ASSERT_EQ(result.rejected.size(), 1u);
  EXPECT_EQ(result.rejected[0].reason, "no VP8/90000 codec offered");
}

TEST(SdpAnswer, TwoByteIdNeedsAllowMixed) {
  SessionDescription offer = parse_file("sdp/chromium-156-offer.sdp");
  offer.media[1].extensions.push_back({20, std::nullopt, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", ""});
  offer.media[1].extensions.erase(offer.media[1].extensions.begin() + 9);  // the id 10 rid entry
  offer.extmap_allow_mixed = false;
  AnswerResult result = build_answer(offer, relay_endpoint());
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.media[1].extension_ids.rtp_stream_id, 0);

  offer.extmap_allow_mixed = true;
  result = build_answer(offer, relay_endpoint());
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.media[1].extension_ids.rtp_stream_id, 20);
  EXPECT_TRUE(result.answer.extmap_allow_mixed);
}

struct RejectedOfferCase {
  std::string name;
  std::function<void(SessionDescription&)> change;
  std::string expected_error;
};

TEST(SdpAnswer, InvalidOffersRejected) {
  const std::vector<RejectedOfferCase> cases = {
      {"no ufrag", [](SessionDescription& offer) { for (auto& m : offer.media) m.ice_ufrag.clear(); },
       "offer has no a=ice-ufrag in media section mid 0 or the session level"},
      {"no pwd", [](SessionDescription& offer) { for (auto& m : offer.media) m.ice_pwd.clear(); },
       "offer has no a=ice-pwd in media section mid 0 or the session level"},
      {"no credentials",
       [](SessionDescription& offer) {
         for (auto& m : offer.media) {
           m.ice_ufrag.clear();
           m.ice_pwd.clear();
         }
       },
       "offer has no a=ice-ufrag and no a=ice-pwd in media section mid 0 or the session level"},
      {"no fingerprint", [](SessionDescription& offer) { for (auto& m : offer.media) m.fingerprint = {}; },
       "offer has no a=fingerprint in media section mid 0 or the session level; DTLS-SRTP needs the certificate "
       "fingerprint"},
      {"short fingerprint", [](SessionDescription& offer) { offer.media[0].fingerprint.value = "AB:CD"; },
       "offer fingerprint \"sha-256 AB:CD\" is not a sha-256, sha-384 or sha-512 digest of 32, 48 or 64 hex pairs"},
      {"sha-1 fingerprint", [](SessionDescription& offer) { offer.media[0].fingerprint.algorithm = "sha-1"; },
       "offer fingerprint \"sha-1 1F:83:E3:F7:1C:23:AD:37:58:CC:38:AA:BC:B8:97:10:FD:61:CB:B6:02:E6:2C:51:6A:AE:F1:C9:14:"
       "97:F6:94\" is not a sha-256, sha-384 or sha-512 digest of 32, 48 or 64 hex pairs"},
      {"no rtcp-mux", [](SessionDescription& offer) { offer.media[1].rtcp_mux = false; },
       "media section mid 1 has no a=rtcp-mux; the relay needs RTP and RTCP on one port"},
      {"setup passive", [](SessionDescription& offer) { offer.media[0].setup = SetupRole::passive; },
       "offer a=setup:passive is not supported: the relay answers setup:passive, so the offer must be actpass or "
       "active"},
      {"nothing bundled", [](SessionDescription& offer) { offer.groups[0].mids = {"9"}; },
       "offer has no media section that can be bundled; media section mid 0: the section is not in the offer's "
       "BUNDLE group; media section mid 1: the section is not in the offer's BUNDLE group"},
  };
  for (const RejectedOfferCase& test_case : cases) {
    SessionDescription offer = parse_file("sdp/chromium-156-offer.sdp");
    test_case.change(offer);
    const AnswerResult result = build_answer(offer, relay_endpoint());
    EXPECT_FALSE(result.ok) << test_case.name;
    EXPECT_EQ(result.error, test_case.expected_error) << test_case.name;
  }
}

TEST(SdpAnswer, SetupActiveAccepted) {
  SessionDescription offer = parse_file("sdp/chromium-156-offer.sdp");
  for (auto& section : offer.media) section.setup = SetupRole::active;
  const AnswerResult result = build_answer(offer, relay_endpoint());
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.answer.media[0].setup, SetupRole::passive);
}

TEST(SdpAnswer, PlainRtpOfferRefused) {
  // The foreman capture was made with encryption off: RTP/AVPF and no fingerprint.
  const AnswerResult result = build_answer(parse_file("rtp/chromium-156-vp8-foreman.offer.sdp"), relay_endpoint());
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error,
            "offer has no media section that can be bundled; media section mid 0: protocol RTP/AVPF is not DTLS-SRTP "
            "(UDP/TLS/RTP/SAVPF); media section mid 1: protocol RTP/AVPF is not DTLS-SRTP (UDP/TLS/RTP/SAVPF)");
}

TEST(SdpAnswer, NoBundleGroupUsesFirstSection) {
  SessionDescription offer = parse_file("sdp/chromium-156-offer.sdp");
  offer.groups.clear();
  AnswerResult result;
  const SessionDescription answer = answer_and_reparse(offer, result);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(answer.media[0].port, 40000);
  EXPECT_EQ(answer.media[1].port, 0);
  ASSERT_EQ(result.media.size(), 1u);
  EXPECT_EQ(result.rejected[0].reason, "the offer has no BUNDLE group, so only its first section is used");
}

TEST(SdpAnswer, FirefoxBundleOnlyAccepted) {
  const SessionDescription offer = parse_repository_file(kFirefoxMaxBundleOffer);
  ASSERT_EQ(offer.media.size(), 2u);
  ASSERT_EQ(offer.media[1].port, 0);
  ASSERT_TRUE(offer.media[1].bundle_only);

  AnswerResult result;
  const SessionDescription answer = answer_and_reparse(offer, result);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(result.rejected.empty());
  ASSERT_NE(answer.bundle_group(), nullptr);
  EXPECT_EQ(answer.bundle_group()->mids, (std::vector<std::string>{"0", "1"}));

  // The answer gives the video section the relay's port and no a=bundle-only
  // (JSEP section 5.3.1), and negotiates it like any other section.
  ASSERT_EQ(answer.media.size(), 2u);
  const MediaDescription& video = answer.media[1];
  EXPECT_EQ(video.port, 40000);
  EXPECT_FALSE(video.bundle_only);
  EXPECT_EQ(video.direction, Direction::sendrecv);
  ASSERT_FALSE(video.codecs.empty());
  EXPECT_EQ(video.codecs[0].name, "VP8");

  ASSERT_EQ(result.media.size(), 2u);
  EXPECT_EQ(result.media[1].kind, MediaKind::video);
  EXPECT_EQ(result.media[1].payload_type, 120);
  EXPECT_EQ(result.media[1].rtx_payload_type, 124);
  ASSERT_EQ(result.media[1].remote_streams.size(), 1u);
  EXPECT_EQ(result.media[1].remote_streams[0].ssrc, 880371289u);
  EXPECT_EQ(result.media[1].remote_streams[0].rtx_ssrc, 1168944656u);

  // The transport comes from the audio section, the one with a port.
  EXPECT_EQ(result.remote_ice_ufrag, "b267dd88");
  ASSERT_EQ(result.remote_candidates.size(), 4u);
  EXPECT_EQ(result.remote_candidates[0].address, "fa5c122d-0d4a-437e-accf-81119654ff61.local");
}

TEST(SdpAnswer, BundleOnlyOutsideGroupRejected) {
  SessionDescription offer = parse_repository_file(kFirefoxMaxBundleOffer);
  offer.groups[0].mids = {"0"};
  AnswerResult result;
  const SessionDescription answer = answer_and_reparse(offer, result);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(answer.media[1].port, 0);
  ASSERT_EQ(result.rejected.size(), 1u);
  EXPECT_EQ(result.rejected[0].mid, "1");
  EXPECT_EQ(result.rejected[0].reason, "the section is not in the offer's BUNDLE group");
}

TEST(SdpAnswer, BundleOnlyWithoutGroupRejected) {
  SessionDescription offer = parse_repository_file(kFirefoxMaxBundleOffer);
  offer.groups.clear();
  AnswerResult result;
  const SessionDescription answer = answer_and_reparse(offer, result);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(answer.media[1].port, 0);
  ASSERT_EQ(result.rejected.size(), 1u);
  EXPECT_EQ(result.rejected[0].reason, "the section is a=bundle-only but the offer has no BUNDLE group");
}

TEST(SdpAnswer, PortZeroWithoutBundleOnlyRejected) {
  SessionDescription offer = parse_repository_file(kFirefoxMaxBundleOffer);
  offer.media[1].bundle_only = false;
  AnswerResult result;
  answer_and_reparse(offer, result);
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_EQ(result.rejected.size(), 1u);
  EXPECT_EQ(result.rejected[0].reason, "the offer disabled the section with port 0");
}

TEST(SdpAnswer, BundleOnlyFirstSectionFails) {
  // No section carries the BUNDLE transport when the first bundled one is bundle-only.
  SessionDescription offer = parse_repository_file(kFirefoxMaxBundleOffer);
  offer.media[0].port = 0;
  offer.media[0].bundle_only = true;
  const AnswerResult result = build_answer(offer, relay_endpoint());
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error,
            "media section mid 0 is a=bundle-only but no section before it carries the BUNDLE transport");
}

}  // namespace
}  // namespace sightline::sdp

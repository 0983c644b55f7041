// Tests of parse_sdp and write_sdp against real browser offers and malformed lines.
#include "relay/sdp/sdp_parser.h"

#include <gtest/gtest.h>

#include "relay/sdp/sdp_writer.h"
#include "tests/support/shared_test_data.h"

namespace sightline::sdp {
namespace {

std::string read_text(const std::string& relative_path) { return test::read_shared_test_file(relative_path); }

const std::vector<std::string> kRealSdpFiles = {
    "sdp/chromium-156-offer.sdp",        "sdp/chromium-156-offer-simulcast.sdp",
    "sdp/firefox-153-offer.sdp",         "sdp/firefox-153-offer-simulcast.sdp",
    "rtp/chromium-156-vp8-foreman.offer.sdp", "rtp/chromium-156-vp8-foreman.answer.sdp",
};

// A minimal valid offer; each malformed case appends one line to it.
const std::string kOfferHead =
    "v=0\r\n"
    "o=- 1 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:0\r\n";

ParseResult parse(const std::string& text) {
  SessionDescription description;
  return parse_sdp(text, description);
}

TEST(SdpParser, RealOffersParse) {
  for (const std::string& path : kRealSdpFiles) {
    const std::string text = read_text(path);
    ASSERT_FALSE(text.empty()) << path;
    SessionDescription description;
    const ParseResult result = parse_sdp(text, description);
    EXPECT_TRUE(result.ok) << path << ": " << result.describe();
    EXPECT_EQ(description.media.size(), 2u) << path;
  }
}

TEST(SdpParser, ChromiumOfferFields) {
  SessionDescription offer;
  ASSERT_TRUE(parse_sdp(read_text("sdp/chromium-156-offer.sdp"), offer).ok);

  EXPECT_EQ(offer.origin.session_id, 3275034914305263153u);
  EXPECT_EQ(offer.origin.session_version, 2u);
  ASSERT_NE(offer.bundle_group(), nullptr);
  EXPECT_EQ(offer.bundle_group()->mids, (std::vector<std::string>{"0", "1"}));
  EXPECT_TRUE(offer.extmap_allow_mixed);
  EXPECT_EQ(offer.msid_semantic, "WMS");

  const MediaDescription& audio = offer.media[0];
  EXPECT_EQ(audio.kind, MediaKind::audio);
  EXPECT_EQ(audio.port, 9);
  EXPECT_EQ(audio.protocol, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(audio.mid, "0");
  EXPECT_EQ(audio.ice_ufrag, "LC9E");
  EXPECT_EQ(audio.ice_pwd, "naI7kXTIqYGunGdtxex3qQKw");
  EXPECT_EQ(audio.fingerprint.algorithm, "sha-256");
  EXPECT_EQ(audio.setup, SetupRole::actpass);
  EXPECT_TRUE(audio.rtcp_mux);
  EXPECT_TRUE(audio.rtcp_rsize);
  ASSERT_EQ(audio.codecs.size(), 8u);
  const Codec* opus = audio.find_codec(111);
  ASSERT_NE(opus, nullptr);
  EXPECT_EQ(opus->name, "opus");
  EXPECT_EQ(opus->clock_rate, 48000u);
  EXPECT_EQ(opus->channels, 2);
  EXPECT_EQ(opus->fmtp_raw, "minptime=10;useinbandfec=1");
  EXPECT_EQ(opus->fmtp_value("useinbandfec"), "1");
  EXPECT_TRUE(opus->has_feedback("transport-cc"));
  EXPECT_EQ(audio.extension_id("urn:ietf:params:rtp-hdrext:ssrc-audio-level"), 1);

  const MediaDescription& video = offer.media[1];
  EXPECT_EQ(video.formats.size(), 23u);
  const Codec* vp8 = video.find_codec(96);
  ASSERT_NE(vp8, nullptr);
  EXPECT_TRUE(vp8->has_feedback("nack", "pli"));
  EXPECT_TRUE(vp8->has_feedback("ccm", "fir"));
  EXPECT_EQ(video.find_codec(97)->fmtp_value("apt"), "96");
  ASSERT_EQ(video.ssrc_groups.size(), 1u);
  EXPECT_EQ(video.ssrc_groups[0].semantics, "FID");
  EXPECT_EQ(video.ssrc_groups[0].ssrcs, (std::vector<uint32_t>{4231881434u, 819889738u}));
  ASSERT_EQ(video.msids.size(), 1u);
  EXPECT_EQ(video.msids[0].stream_id, "-");
  EXPECT_EQ(video.msids[0].track_id, "4fac412d-811d-4389-ab73-ddc8796a740e");
}

TEST(SdpParser, ChromiumSimulcastAndCandidates) {
  SessionDescription offer;
  ASSERT_TRUE(parse_sdp(read_text("sdp/chromium-156-offer-simulcast.sdp"), offer).ok);

  const MediaDescription& audio = offer.media[0];
  ASSERT_EQ(audio.candidates.size(), 4u);
  const Candidate& udp = audio.candidates[0];
  EXPECT_EQ(udp.foundation, "3918685983");
  EXPECT_EQ(udp.component, 1);
  EXPECT_EQ(udp.transport, "udp");
  EXPECT_EQ(udp.priority, 2122194687u);
  EXPECT_EQ(udp.address, "203.0.113.10");
  EXPECT_EQ(udp.port, 59148);
  EXPECT_EQ(udp.type, "host");
  ASSERT_EQ(udp.extensions.size(), 2u);
  EXPECT_EQ(udp.extensions[1], (std::pair<std::string, std::string>{"network-id", "1"}));
  EXPECT_EQ(audio.candidates[1].address, "2001:db8::10");
  EXPECT_EQ(audio.candidates[2].tcp_type, "active");

  const MediaDescription& video = offer.media[1];
  ASSERT_EQ(video.rids.size(), 3u);
  EXPECT_EQ(video.rids[0].id, "q");
  EXPECT_EQ(video.rids[0].direction, RidDirection::send);
  ASSERT_EQ(video.simulcast.send.size(), 3u);
  EXPECT_EQ(video.simulcast.send[2][0].rid, "f");
  EXPECT_TRUE(video.simulcast.recv.empty());
}

TEST(SdpParser, FirefoxDialect) {
  SessionDescription offer;
  const ParseResult result = parse_sdp(read_text("sdp/firefox-153-offer-simulcast.sdp"), offer);
  ASSERT_TRUE(result.ok) << result.describe();

  EXPECT_EQ(offer.origin.username, "mozilla...THIS_IS_SDPARTA-99.0");
  EXPECT_EQ(offer.direction, Direction::sendrecv);
  EXPECT_EQ(offer.fingerprint.algorithm, "sha-256");
  EXPECT_EQ(offer.ice_options, (std::vector<std::string>{"trickle"}));
  EXPECT_EQ(offer.msid_semantic, "WMS *");

  const MediaDescription& audio = offer.media[0];
  ASSERT_EQ(audio.candidates.size(), 8u);
  EXPECT_EQ(audio.candidates[0].address, "63847353-312e-43a9-91d6-6e3a05080b8c.local");
  EXPECT_EQ(audio.candidates[0].transport, "UDP");
  EXPECT_EQ(audio.candidates[4].component, 2);
  EXPECT_TRUE(audio.end_of_candidates);
  ASSERT_EQ(audio.extensions.size(), 4u);
  EXPECT_EQ(audio.extensions[1].id, 2);
  EXPECT_EQ(audio.extensions[1].direction, Direction::recvonly);
  EXPECT_EQ(audio.extensions[1].uri, "urn:ietf:params:rtp-hdrext:csrc-audio-level");
  EXPECT_FALSE(audio.extensions[0].direction.has_value());
  const Codec* telephone_event = audio.find_codec(101);
  ASSERT_NE(telephone_event, nullptr);
  ASSERT_EQ(telephone_event->fmtp.size(), 1u);
  EXPECT_EQ(telephone_event->fmtp[0].first, "");
  EXPECT_EQ(telephone_event->fmtp[0].second, "0-15");
  EXPECT_EQ(audio.find_codec(9)->channels, 1);
  ASSERT_EQ(audio.other_attributes.size(), 1u);
  EXPECT_EQ(audio.other_attributes[0].name, "rtcp");

  const MediaDescription& video = offer.media[1];
  EXPECT_EQ(video.extensions[5].direction, Direction::sendonly);
  EXPECT_EQ(video.extensions[6].id, 9);
  EXPECT_EQ(video.extensions[6].uri, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id");
  EXPECT_EQ(video.ssrc_groups.size(), 3u);
  EXPECT_EQ(video.msids[0].stream_id, "-");
  EXPECT_EQ(video.msids[0].track_id, "{8d7268f2-745b-4cc0-82ec-fe72c27db3bd}");
}

TEST(SdpParser, AcceptsLineFeedOnly) {
  std::string text = read_text("sdp/chromium-156-offer.sdp");
  std::string unix_text;
  for (char c : text) {
    if (c != '\r') unix_text += c;
  }
  SessionDescription crlf;
  SessionDescription lf;
  ASSERT_TRUE(parse_sdp(text, crlf).ok);
  ASSERT_TRUE(parse_sdp(unix_text, lf).ok);
  EXPECT_EQ(write_sdp(crlf), write_sdp(lf));
}

struct MalformedCase {
  std::string line;
  std::string expected_message;
};

TEST(SdpParser, MalformedLinesNamed) {
  const std::vector<MalformedCase> cases = {
      {"a=rtpmap:", "missing payload type and encoding"},
      {"a=rtpmap", "missing payload type and encoding"},
      {"a=rtpmap:96", "expected \"<payload type> <encoding>/<clock rate>[/<channels>]\""},
      {"a=rtpmap:98 VP9/90000", "payload type 98 is not in the m= line format list"},
      {"a=rtpmap:128 VP9/90000", "payload type \"128\" is not a number from 0 to 127"},
      {"a=rtpmap:96 VP8", "encoding \"VP8\" is not of the form <name>/<clock rate>[/<channels>]"},
      {"a=rtpmap:96 VP8/0", "clock rate \"0\" is not a positive number"},
      {"a=fmtp:96", "missing format parameters after payload type 96"},
      {"a=fmtp:", "missing payload type and format parameters"},
      {"a=extmap:15 x", "extension name \"x\" is not a URI"},
      {"a=extmap:0 urn:ietf:params:rtp-hdrext:sdes:mid", "extension id \"0\" is not a number from 1 to 255"},
      {"a=extmap:256 urn:ietf:params:rtp-hdrext:sdes:mid", "extension id \"256\" is not a number from 1 to 255"},
      {"a=extmap:4096 urn:ietf:params:rtp-hdrext:sdes:mid", "extension id \"4096\" is not a number from 1 to 255"},
      {"a=extmap:3/sideways urn:ietf:params:rtp-hdrext:sdes:mid",
       "extension direction \"sideways\" is not sendrecv, sendonly, recvonly or inactive"},
      {"a=extmap:", "missing extension id and URI"},
      {"a=candidate:garbage", "expected \"<foundation> <component> <transport> <priority> <address> <port> typ <type>\""},
      {"a=candidate:1 1 udp 99999999999 127.0.0.1 5000 typ host",
       "candidate priority \"99999999999\" is not a number from 0 to 4294967295"},
      {"a=candidate:1 1 udp 1 127.0.0.1 70000 typ host", "candidate port \"70000\" is not a number from 0 to 65535"},
      {"a=candidate:1 0 udp 1 127.0.0.1 5000 typ host", "candidate component \"0\" is not a number from 1 to 256"},
      {"a=candidate:1 1 udp 1 127.0.0.1 5000 type host", "expected \"typ\" after the candidate port, found \"type\""},
      {"a=candidate:1 1 udp 1 127.0.0.1 5000 typ host raddr", "candidate extension \"raddr\" has no value"},
      {"a=mid:1", "duplicate a=mid in one media section"},
      {"a=fingerprint:sha-256 ZZ:00", "fingerprint \"ZZ:00\" is not hex pairs separated by colons"},
      {"a=fingerprint:sha-256", "expected \"<hash function> <hex pairs separated by colons>\""},
      {"a=setup:sideways", "setup role \"sideways\" is not active, passive, actpass or holdconn"},
      {"a=ice-ufrag:ab", "ice-ufrag \"ab\" is not 4 to 256 letters, digits, + or /"},
      {"a=ssrc:-1 cname:x", "SSRC \"-1\" is not a number from 0 to 4294967295"},
      {"a=ssrc:5", "missing attribute after SSRC 5"},
      {"a=rid:q sideways", "rid direction \"sideways\" is not send or recv"},
      {"a=simulcast:send q;;f", "invalid rid \"\" in the simulcast stream list"},
      {"a=simulcast:both q", "simulcast direction \"both\" is not send or recv"},
      {"m=video 4294967296 UDP/TLS/RTP/SAVPF 96", "media port \"4294967296\" is not a number from 0 to 65535"},
      {"m=video 9 UDP/TLS/RTP/SAVPF 96 96", "format \"96\" is listed twice"},
      {"m=video 9 UDP/TLS/RTP/SAVPF VP8", "payload type \"VP8\" is not a number from 0 to 127"},
      {"m=video 9 UDP/TLS/RTP/SAVPF", "expected \"<media> <port> <protocol> <format> ...\""},
      {"c=IN IP5 0.0.0.0", "address type \"IP5\" is not IP4 or IP6"},
      {"x", "line is not of the form <letter>=<value>"},
      {"a=ice-pwd:abc\x01", "line contains a control character"},
  };
  for (const MalformedCase& test_case : cases) {
    const ParseResult result = parse(kOfferHead + test_case.line + "\r\n");
    EXPECT_FALSE(result.ok) << test_case.line;
    EXPECT_EQ(result.line_number, 8u) << test_case.line;
    EXPECT_EQ(result.line, test_case.line);
    EXPECT_EQ(result.message, test_case.expected_message) << test_case.line;
  }
}

TEST(SdpParser, DescribeNamesLine) {
  const ParseResult result = parse(kOfferHead + "a=rtpmap:\r\n");
  EXPECT_EQ(result.describe(), "SDP line 8 \"a=rtpmap:\": missing payload type and encoding");
}

TEST(SdpParser, DuplicateMidAcrossSections) {
  const ParseResult result = parse(kOfferHead + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n");
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.line_number, 9u);
  EXPECT_EQ(result.message, "mid \"0\" is already used by media section 1");
}

TEST(SdpParser, DuplicateExtensionId) {
  const ParseResult result =
      parse(kOfferHead + "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=extmap:3 urn:x:y\r\n");
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.line_number, 9u);
  EXPECT_EQ(result.message, "extension id 3 is used twice");
}

TEST(SdpParser, TwoByteExtensionIdAccepted) {
  SessionDescription description;
  const ParseResult result =
      parse_sdp(kOfferHead + "a=extmap:15 urn:ietf:params:rtp-hdrext:sdes:mid\r\n", description);
  ASSERT_TRUE(result.ok) << result.describe();
  EXPECT_EQ(description.media[0].extension_id("urn:ietf:params:rtp-hdrext:sdes:mid"), 15);
}

TEST(SdpParser, UnknownKindParsed) {
  SessionDescription description;
  const ParseResult result = parse_sdp(kOfferHead + "m=message 9 TCP/MSRP *\r\na=mid:m\r\n", description);
  ASSERT_TRUE(result.ok) << result.describe();
  ASSERT_EQ(description.media.size(), 2u);
  EXPECT_EQ(description.media[1].kind, MediaKind::unknown);
  EXPECT_EQ(description.media[1].kind_name, "message");
  EXPECT_EQ(description.media[1].formats, (std::vector<std::string>{"*"}));
  EXPECT_TRUE(description.media[1].codecs.empty());
}

TEST(SdpParser, DataChannelParsed) {
  SessionDescription description;
  const ParseResult result = parse_sdp(
      kOfferHead + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\na=sctp-port:5000\r\n", description);
  ASSERT_TRUE(result.ok) << result.describe();
  const MediaDescription& data = description.media[1];
  EXPECT_EQ(data.kind, MediaKind::application);
  EXPECT_EQ(data.protocol, "UDP/DTLS/SCTP");
  EXPECT_EQ(data.formats, (std::vector<std::string>{"webrtc-datachannel"}));
  ASSERT_EQ(data.other_attributes.size(), 1u);
  EXPECT_EQ(data.other_attributes[0].value, "5000");
}

TEST(SdpParser, StructureErrors) {
  EXPECT_EQ(parse("").message, "missing v=0 line");
  EXPECT_EQ(parse("v=1\r\n").message, "protocol version \"1\" is not 0");
  EXPECT_EQ(parse("o=- 1 1 IN IP4 0.0.0.0\r\n").message, "the first line must be v=0");
  EXPECT_EQ(parse("v=0\r\ns=-\r\n").message, "missing o= line");
  EXPECT_EQ(parse("v=0\r\nm=audio 9 RTP/AVP 0\r\n").message, "m= line before the o= line");
  EXPECT_EQ(parse("v=0\r\no=- x 1 IN IP4 0.0.0.0\r\n").message, "session id \"x\" is not a 64-bit number");
}

TEST(SdpParser, SizeLimit) {
  std::string text = kOfferHead;
  while (text.size() <= kMaxSdpBytes) text += "a=x-padding:0123456789012345678901234567890123456789\r\n";
  const ParseResult result = parse(text);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.line_number, 0u);
  EXPECT_NE(result.message.find("more than the limit of 65536"), std::string::npos) << result.message;
}

TEST(SdpParser, CandidateLimit) {
  std::string text = kOfferHead;
  for (size_t i = 0; i <= kMaxCandidatesPerSection; ++i) text += "a=candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\n";
  const ParseResult result = parse(text);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.line_number, 8 + kMaxCandidatesPerSection);
  EXPECT_EQ(result.message, "too many candidates in one media section");
}

TEST(SdpWriter, RoundTripRealOffers) {
  for (const std::string& path : kRealSdpFiles) {
    SessionDescription first;
    ASSERT_TRUE(parse_sdp(read_text(path), first).ok) << path;
    const std::string written = write_sdp(first);
    EXPECT_EQ(written.find("\n", 0), written.find("\r\n") + 1) << path;

    SessionDescription second;
    const ParseResult result = parse_sdp(written, second);
    ASSERT_TRUE(result.ok) << path << ": " << result.describe();
    EXPECT_EQ(write_sdp(second), written) << path;
    EXPECT_EQ(second.media.size(), first.media.size());
    EXPECT_EQ(second.media[1].codecs.size(), first.media[1].codecs.size());
    EXPECT_EQ(second.media[1].extensions.size(), first.media[1].extensions.size());
    EXPECT_EQ(second.media[0].candidates.size(), first.media[0].candidates.size());
  }
}

TEST(SdpWriter, SessionLinesFirst) {
  SessionDescription description;
  ASSERT_TRUE(parse_sdp(read_text("sdp/firefox-153-offer.sdp"), description).ok);
  const std::string written = write_sdp(description);
  EXPECT_EQ(written.rfind("v=0\r\no=mozilla...THIS_IS_SDPARTA-99.0 7376438077471111278 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", 0), 0u);
  EXPECT_NE(written.find("a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n"), std::string::npos);
  EXPECT_NE(written.find("a=fmtp:101 0-15\r\n"), std::string::npos);
}

TEST(SdpParser, BundleOnlyRoundTrip) {
  const std::string text = kOfferHead + "a=bundle-only\r\n";
  SessionDescription description;
  ASSERT_TRUE(parse_sdp(text, description).ok);
  ASSERT_EQ(description.media.size(), 1u);
  EXPECT_TRUE(description.media[0].bundle_only);
  EXPECT_TRUE(description.media[0].other_attributes.empty());

  SessionDescription reparsed;
  ASSERT_TRUE(parse_sdp(write_sdp(description), reparsed).ok);
  EXPECT_TRUE(reparsed.media[0].bundle_only);
}

}  // namespace
}  // namespace sightline::sdp

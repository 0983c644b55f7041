// Parses every RTP and RTCP packet of a real Chromium call capture (VP8 PT 96,
// RTX PT 97, Opus PT 111, header extensions as negotiated in the SDP next to
// it) and checks known values.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "relay/rtp/rtcp_packet.h"
#include "relay/rtp/rtp_packet.h"
#include "relay/rtp/sequence_number.h"
#include "tests/unit/rtp/pcap_reader.h"
#include "tests/support/shared_test_data.h"

namespace sightline::rtp {
namespace {

constexpr uint8_t kVp8PayloadType = 96;
constexpr uint8_t kRtxPayloadType = 97;
constexpr uint8_t kOpusPayloadType = 111;
constexpr uint32_t kVideoSsrc = 288804667;
constexpr uint32_t kRtxSsrc = 1628752249;
constexpr uint32_t kAudioSsrc = 2545412007;
// Extension IDs from the offer: a=extmap lines for both m= sections.
constexpr uint8_t kAudioLevelId = 1;
constexpr uint8_t kAbsSendTimeId = 2;
constexpr uint8_t kTransportSequenceId = 3;
constexpr uint8_t kMidId = 4;

std::vector<test::UdpDatagram> load_capture() {
  std::string error;
  auto datagrams =
      test::read_pcap_udp(test::shared_test_file("rtp/chromium-156-vp8-foreman.pcap"), error);
  EXPECT_TRUE(error.empty()) << error;
  return datagrams;
}

bool is_rtp_or_rtcp(const std::vector<uint8_t>& payload) {
  // A first byte of 128..191 is RTP or RTCP, while STUN starts with 0..3.
  return !payload.empty() && payload[0] >= 128 && payload[0] <= 191;
}

class CountingVisitor : public RtcpVisitor {
 public:
  void on_sender_report(const SenderInfo& sender, ReportBlockList) override { sender_ssrcs.insert(sender.ssrc); }
  void on_receiver_report(uint32_t, ReportBlockList blocks) override { report_blocks += blocks.size(); }
  void on_sdes(std::span<const SdesChunk> chunks) override {
    for (const SdesChunk& chunk : chunks) cnames.insert(std::string(chunk.cname));
  }
  void on_transport_feedback(const TransportFeedback& feedback) override {
    ++transport_feedbacks;
    size_t received = 0;
    feedback.for_each_packet([&received](uint16_t, bool was_received, int64_t) { received += was_received; });
    if (received != feedback.received_count()) ++received_count_mismatches;
    feedback_media_ssrcs.insert(feedback.media_ssrc());
  }
  void on_skipped(uint8_t packet_type, uint8_t, RtcpSkipReason) override { ++skipped[packet_type]; }

  std::set<uint32_t> sender_ssrcs;
  size_t report_blocks = 0;
  std::set<std::string> cnames;
  size_t transport_feedbacks = 0;
  size_t received_count_mismatches = 0;
  std::set<uint32_t> feedback_media_ssrcs;
  std::map<uint8_t, size_t> skipped;
};

TEST(CaptureReplay, ReadsAllDatagrams) {
  EXPECT_EQ(load_capture().size(), 3985u);
}

TEST(CaptureReplay, ParsesEveryRtpPacket) {
  std::map<uint8_t, size_t> per_payload_type;
  std::map<std::string, size_t> mids;
  std::vector<uint16_t> transport_sequence;
  for (auto& datagram : load_capture()) {
    if (!is_rtp_or_rtcp(datagram.payload) || is_rtcp(datagram.payload)) continue;
    RtpPacket packet;
    ASSERT_EQ(RtpPacket::parse(datagram.payload, packet), RtpParseError::ok);
    ASSERT_EQ(packet.extension_issue(), ExtensionIssue::none) << "seq " << packet.sequence_number();
    ++per_payload_type[packet.payload_type()];

    ASSERT_TRUE(packet.has_extension_id(kAbsSendTimeId)) << "seq " << packet.sequence_number();
    EXPECT_EQ(packet.find_extension(kAbsSendTimeId).size(), 3u);
    ASSERT_EQ(packet.find_extension(kTransportSequenceId).size(), 2u);
    transport_sequence.push_back(load_be16(packet.find_extension(kTransportSequenceId).data()));
    if (packet.has_extension_id(kMidId)) {
      const ByteView mid = packet.find_extension(kMidId);
      mids[std::string(mid.begin(), mid.end()) + "/" + std::to_string(packet.payload_type())]++;
    }

    switch (packet.payload_type()) {
      case kVp8PayloadType:
        EXPECT_EQ(packet.ssrc(), kVideoSsrc);
        break;
      case kRtxPayloadType:
        EXPECT_EQ(packet.ssrc(), kRtxSsrc);
        // RTX carries the original sequence number first, except padding-only
        // packets, of which this capture has 13.
        if (packet.payload().empty()) {
          EXPECT_GT(packet.padding_size(), 0u);
        } else {
          EXPECT_GE(packet.payload().size(), 2u);
        }
        break;
      case kOpusPayloadType:
        EXPECT_EQ(packet.ssrc(), kAudioSsrc);
        EXPECT_EQ(packet.find_extension(kAudioLevelId).size(), 1u);
        break;
      default:
        ADD_FAILURE() << "unexpected payload type " << int{packet.payload_type()};
    }
  }
  EXPECT_EQ(per_payload_type[kVp8PayloadType], 2491u);
  EXPECT_EQ(per_payload_type[kRtxPayloadType], 26u);
  EXPECT_EQ(per_payload_type[kOpusPayloadType], 1001u);
  // Audio is mid 0 and video (with its RTX) mid 1, as in the SDP.
  EXPECT_GT(mids["0/111"], 0u);
  EXPECT_GT(mids["1/96"], 0u);
  EXPECT_GT(mids["1/97"], 0u);
  EXPECT_EQ(mids.count("1/111"), 0u);
  EXPECT_EQ(mids.count("0/96"), 0u);

  // Transport-wide sequence numbers are shared by all streams of the
  // bundle: sorted, they have no duplicates and few gaps.
  std::set<int64_t> unwrapped;
  SequenceUnwrapper unwrapper;
  for (uint16_t seq : transport_sequence) unwrapped.insert(unwrapper.unwrap(seq));
  EXPECT_EQ(unwrapped.size(), transport_sequence.size());
  EXPECT_LT(*unwrapped.rbegin() - *unwrapped.begin() + 1 - static_cast<int64_t>(unwrapped.size()), 10);
}

TEST(CaptureReplay, ParsesEveryRtcpCompound) {
  CountingVisitor visitor;
  size_t compounds = 0;
  for (const auto& datagram : load_capture()) {
    if (!is_rtp_or_rtcp(datagram.payload) || !is_rtcp(datagram.payload)) continue;
    ++compounds;
    ASSERT_EQ(parse_rtcp_compound(datagram.payload, visitor), RtcpParseError::ok) << "compound " << compounds;
  }
  EXPECT_EQ(compounds, 411u);
  EXPECT_EQ(visitor.sender_ssrcs, (std::set<uint32_t>{kVideoSsrc, kAudioSsrc}));
  EXPECT_EQ(visitor.cnames.size(), 1u);
  EXPECT_GT(visitor.report_blocks, 0u);
  EXPECT_EQ(visitor.transport_feedbacks, 319u);
  EXPECT_EQ(visitor.received_count_mismatches, 0u);
  EXPECT_GT(visitor.skipped[kRtcpExtendedReport], 0u);
}

TEST(CaptureReplay, RtpSettersKeepPacketValid) {
  for (auto& datagram : load_capture()) {
    if (!is_rtp_or_rtcp(datagram.payload) || is_rtcp(datagram.payload)) continue;
    RtpPacket packet;
    ASSERT_EQ(RtpPacket::parse(datagram.payload, packet), RtpParseError::ok);
    const size_t payload_size = packet.payload().size();
    packet.set_ssrc(0xABCDEF01);
    packet.set_sequence_number(static_cast<uint16_t>(packet.sequence_number() + 1000));
    const uint8_t transport_seq[] = {0x12, 0x34};
    ASSERT_TRUE(packet.set_extension_value(kTransportSequenceId, transport_seq));

    RtpPacket reparsed;
    ASSERT_EQ(RtpPacket::parse(datagram.payload, reparsed), RtpParseError::ok);
    EXPECT_EQ(reparsed.ssrc(), 0xABCDEF01u);
    EXPECT_EQ(load_be16(reparsed.find_extension(kTransportSequenceId).data()), 0x1234);
    EXPECT_EQ(reparsed.payload().size(), payload_size);
  }
}

}  // namespace
}  // namespace sightline::rtp

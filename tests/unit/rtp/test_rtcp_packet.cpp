// Tests of RTCP compound parsing, rejection of malformed packets, and round
// trips through RtcpWriter.
#include "relay/rtp/rtcp_packet.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "relay/rtp/rtcp_writer.h"

namespace sightline::rtp {
namespace {

struct TransportPacket {
  uint16_t seq;
  bool received;
  int64_t delta_us;
};

// Copies everything a compound delivers, so tests can compare values.
class RecordingVisitor : public RtcpVisitor {
 public:
  void on_sender_report(const SenderInfo& sender, ReportBlockList blocks) override {
    senders.push_back(sender);
    for (const ReportBlock& block : blocks) report_blocks.push_back(block);
  }
  void on_receiver_report(uint32_t sender_ssrc, ReportBlockList blocks) override {
    receiver_report_ssrcs.push_back(sender_ssrc);
    for (const ReportBlock& block : blocks) report_blocks.push_back(block);
  }
  void on_sdes(std::span<const SdesChunk> chunks) override {
    for (const SdesChunk& chunk : chunks) sdes.emplace_back(chunk.ssrc, std::string(chunk.cname));
  }
  void on_bye(SsrcList ssrcs, std::string_view reason) override {
    for (uint32_t ssrc : ssrcs) bye_ssrcs.push_back(ssrc);
    bye_reason = reason;
  }
  void on_nack(uint32_t sender_ssrc, uint32_t media_ssrc, NackList items) override {
    nack_ssrcs = {sender_ssrc, media_ssrc};
    for (const NackItem& item : items) {
      ++nack_items;
      for_each_lost_sequence(item, [this](uint16_t seq) { nacked.push_back(seq); });
    }
  }
  void on_pli(uint32_t sender_ssrc, uint32_t media_ssrc) override { plis.emplace_back(sender_ssrc, media_ssrc); }
  void on_fir(uint32_t sender_ssrc, FirList entries) override {
    fir_sender = sender_ssrc;
    for (const FirEntry& entry : entries) firs.push_back(entry);
  }
  void on_remb(uint32_t sender_ssrc, uint64_t bitrate_bps, SsrcList ssrcs) override {
    remb_sender = sender_ssrc;
    remb_bitrate_bps = bitrate_bps;
    for (uint32_t ssrc : ssrcs) remb_ssrcs.push_back(ssrc);
    ++remb_count;
  }
  void on_transport_feedback(const TransportFeedback& feedback) override {
    ++transport_feedback_count;
    transport_base = feedback.base_sequence_number();
    transport_reference_time = feedback.reference_time();
    transport_feedback_count_field = feedback.feedback_count();
    feedback.for_each_packet([this](uint16_t seq, bool received, int64_t delta_us) {
      transport_packets.push_back(TransportPacket{seq, received, delta_us});
    });
  }
  void on_skipped(uint8_t packet_type, uint8_t, RtcpSkipReason reason) override {
    skipped_types.push_back(packet_type);
    skip_reasons.push_back(reason);
  }

  size_t callbacks() const {
    return senders.size() + receiver_report_ssrcs.size() + sdes.size() + bye_ssrcs.size() + nack_items +
           plis.size() + firs.size() + remb_count + transport_feedback_count + skipped_types.size();
  }

  std::vector<SenderInfo> senders;
  std::vector<uint32_t> receiver_report_ssrcs;
  std::vector<ReportBlock> report_blocks;
  std::vector<std::pair<uint32_t, std::string>> sdes;
  std::vector<uint32_t> bye_ssrcs;
  std::string bye_reason;
  std::pair<uint32_t, uint32_t> nack_ssrcs;
  size_t nack_items = 0;
  std::vector<uint16_t> nacked;
  std::vector<std::pair<uint32_t, uint32_t>> plis;
  uint32_t fir_sender = 0;
  std::vector<FirEntry> firs;
  uint32_t remb_sender = 0;
  uint64_t remb_bitrate_bps = 0;
  std::vector<uint32_t> remb_ssrcs;
  size_t remb_count = 0;
  size_t transport_feedback_count = 0;
  uint16_t transport_base = 0;
  int32_t transport_reference_time = 0;
  uint8_t transport_feedback_count_field = 0;
  std::vector<TransportPacket> transport_packets;
  std::vector<uint8_t> skipped_types;
  std::vector<RtcpSkipReason> skip_reasons;
};

ReportBlock sample_block(uint32_t ssrc) {
  ReportBlock block;
  block.ssrc = ssrc;
  block.fraction_lost = 25;
  block.cumulative_lost = -3;
  block.extended_highest_sequence = 0x0001FFFF;
  block.jitter = 480;
  block.last_sr = 0x12345678;
  block.delay_since_last_sr = 65536;
  return block;
}

TEST(RtcpParse, RejectsReceiverReportWithZeroLength) {
  const std::vector<uint8_t> data = {0x81, 0xC9, 0x00, 0x00};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::receiver_report_truncated);
  EXPECT_EQ(visitor.callbacks(), 0u);
}

TEST(RtcpParse, RejectsAnnouncedBlockMissing) {
  const std::vector<uint8_t> data = {0x81, 0xC9, 0x00, 0x01, 0xDE, 0xAD, 0xBE, 0xEF};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::report_blocks_truncated);
  EXPECT_EQ(visitor.callbacks(), 0u);
}

TEST(RtcpParse, SkipsApplicationFeedbackWithoutFci) {
  const std::vector<uint8_t> data = {0x8F, 0xCE, 0x00, 0x02, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::ok);
  EXPECT_EQ(visitor.remb_count, 0u);
  ASSERT_EQ(visitor.skip_reasons.size(), 1u);
  EXPECT_EQ(visitor.skip_reasons[0], RtcpSkipReason::unknown_application_feedback);
  EXPECT_EQ(visitor.skipped_types[0], kRtcpPayloadFeedback);
}

TEST(RtcpParse, RejectsBlocksOverflowingIntoSdes) {
  // RR announcing 2 blocks with length 7 (SSRC + one block), then an SDES.
  std::vector<uint8_t> data = {0x82, 0xC9, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01};
  std::array<uint8_t, ReportBlock::kWireSize> block{};
  sample_block(0xAABBCCDD).encode(block.data());
  data.insert(data.end(), block.begin(), block.end());
  const std::vector<uint8_t> sdes = {0x81, 0xCA, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x41, 0x00};
  data.insert(data.end(), sdes.begin(), sdes.end());

  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::report_blocks_truncated);
  EXPECT_EQ(visitor.callbacks(), 0u);
}

TEST(RtcpParse, RejectsBadVersion) {
  const std::vector<uint8_t> data = {0x41, 0xC9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::bad_version);
}

TEST(RtcpParse, RejectsLengthPastBuffer) {
  const std::vector<uint8_t> data = {0x80, 0xC9, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::length_exceeds_buffer);
}

TEST(RtcpParse, RejectsTrailingBytes) {
  const std::vector<uint8_t> data = {0x80, 0xC9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x80, 0xC9};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::too_short);
  EXPECT_EQ(visitor.callbacks(), 0u);
}

TEST(RtcpParse, RejectsPaddingNotLast) {
  const std::vector<uint8_t> data = {0xA0, 0xC9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04,
                                     0x80, 0xC9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::padding_not_last);
}

TEST(RtcpParse, RejectsPaddingCountTooLarge) {
  const std::vector<uint8_t> data = {0xA0, 0xC9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::padding_invalid);
}

TEST(RtcpParse, AcceptsPaddingOnLast) {
  // PLI followed by 4 bytes of padding.
  const std::vector<uint8_t> data = {0xA1, 0xCE, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
                                     0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04};
  RecordingVisitor visitor;
  ASSERT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::ok);
  ASSERT_EQ(visitor.plis.size(), 1u);
  EXPECT_EQ(visitor.plis[0].second, 2u);
}

TEST(RtcpParse, RejectsEmptyNack) {
  const std::vector<uint8_t> data = {0x81, 0xCD, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::nack_invalid);
}

TEST(RtcpParse, RejectsFeedbackWithoutMediaSsrc) {
  const std::vector<uint8_t> data = {0x81, 0xCE, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::feedback_truncated);
}

TEST(RtcpParse, RejectsRembSsrcsPastPacket) {
  // 'REMB' announcing 3 SSRCs with one present.
  const std::vector<uint8_t> data = {0x8F, 0xCE, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                     'R',  'E',  'M',  'B',  0x03, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::remb_invalid);
}

TEST(RtcpParse, RejectsTransportFeedbackMissingDeltas) {
  // Base 1, 2 packets in one run-length chunk of large deltas (4 delta bytes), 2 present.
  const std::vector<uint8_t> data = {0x8F, 0xCD, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
                                     0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x01, 0x00, 0x40, 0x02, 0x00, 0x04};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::transport_feedback_invalid);
  EXPECT_EQ(visitor.callbacks(), 0u);
}

TEST(RtcpParse, RejectsTransportFeedbackMissingChunk) {
  // Three packets announced and no chunk present.
  const std::vector<uint8_t> data = {0x8F, 0xCD, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                                     0x00, 0x02, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x01, 0x00};
  RecordingVisitor visitor;
  EXPECT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::transport_feedback_invalid);
}

TEST(RtcpParse, SkipsUnknownTypes) {
  // APP packet (204) with name "TEST" and an XR (207) with an empty body.
  const std::vector<uint8_t> data = {0x80, 0xCC, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 'T', 'E', 'S', 'T',
                                     0x80, 0xCF, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};
  RecordingVisitor visitor;
  ASSERT_EQ(parse_rtcp_compound(data, visitor), RtcpParseError::ok);
  ASSERT_EQ(visitor.skipped_types.size(), 2u);
  EXPECT_EQ(visitor.skipped_types[0], kRtcpApp);
  EXPECT_EQ(visitor.skipped_types[1], kRtcpExtendedReport);
  EXPECT_EQ(visitor.skip_reasons[1], RtcpSkipReason::unknown_packet_type);
}

TEST(RtcpRoundTrip, SenderReportAndSdes) {
  std::array<uint8_t, 256> buffer{};
  RtcpWriter writer(buffer);
  const SenderInfo sender{0x1136CF3B, 0xEEBD96F5E8E1932DULL, 0x0DE6711C, 48, 32746};
  const std::array<ReportBlock, 2> blocks = {sample_block(1), sample_block(2)};
  ASSERT_TRUE(writer.add_sender_report(sender, blocks));
  ASSERT_TRUE(writer.add_sdes_cname(0x1136CF3B, "tBW3bkSN05HISjar"));

  RecordingVisitor visitor;
  ASSERT_EQ(parse_rtcp_compound(writer.data(), visitor), RtcpParseError::ok);
  ASSERT_EQ(visitor.senders.size(), 1u);
  EXPECT_EQ(visitor.senders[0].ssrc, sender.ssrc);
  EXPECT_EQ(visitor.senders[0].ntp_timestamp, sender.ntp_timestamp);
  EXPECT_EQ(visitor.senders[0].rtp_timestamp, sender.rtp_timestamp);
  EXPECT_EQ(visitor.senders[0].packet_count, 48u);
  EXPECT_EQ(visitor.senders[0].octet_count, 32746u);
  ASSERT_EQ(visitor.report_blocks.size(), 2u);
  EXPECT_EQ(visitor.report_blocks[0], blocks[0]);
  EXPECT_EQ(visitor.report_blocks[1], blocks[1]);
  EXPECT_EQ(visitor.report_blocks[0].cumulative_lost, -3);
  ASSERT_EQ(visitor.sdes.size(), 1u);
  EXPECT_EQ(visitor.sdes[0].first, 0x1136CF3Bu);
  EXPECT_EQ(visitor.sdes[0].second, "tBW3bkSN05HISjar");
}

TEST(RtcpRoundTrip, SdesCnameLengths) {
  // Every CNAME length needs the end byte and padding to a word boundary.
  for (size_t length = 0; length < 12; ++length) {
    std::array<uint8_t, 64> buffer{};
    RtcpWriter writer(buffer);
    const std::string cname(length, 'x');
    ASSERT_TRUE(writer.add_sdes_cname(7, cname));
    RecordingVisitor visitor;
    ASSERT_EQ(parse_rtcp_compound(writer.data(), visitor), RtcpParseError::ok) << "length " << length;
    ASSERT_EQ(visitor.sdes.size(), 1u);
    EXPECT_EQ(visitor.sdes[0].second, cname);
  }
}

TEST(RtcpRoundTrip, ReceiverReportAndBye) {
  std::array<uint8_t, 128> buffer{};
  RtcpWriter writer(buffer);
  const std::array<ReportBlock, 1> blocks = {sample_block(288804667)};
  ASSERT_TRUE(writer.add_receiver_report(0xFA17FA17, blocks));
  const std::array<uint32_t, 2> ssrcs = {5, 6};
  ASSERT_TRUE(writer.add_bye(ssrcs));

  RecordingVisitor visitor;
  ASSERT_EQ(parse_rtcp_compound(writer.data(), visitor), RtcpParseError::ok);
  ASSERT_EQ(visitor.receiver_report_ssrcs.size(), 1u);
  EXPECT_EQ(visitor.receiver_report_ssrcs[0], 0xFA17FA17u);
  ASSERT_EQ(visitor.report_blocks.size(), 1u);
  EXPECT_EQ(visitor.report_blocks[0], blocks[0]);
  EXPECT_EQ(visitor.bye_ssrcs, (std::vector<uint32_t>{5, 6}));
  EXPECT_TRUE(visitor.bye_reason.empty());
}

TEST(RtcpRoundTrip, NackPacksPairs) {
  std::array<uint8_t, 64> buffer{};
  RtcpWriter writer(buffer);
  // 65530 starts a pair that covers the wrap up to 65530 + 16 = 10; 20 starts another.
  const std::vector<uint16_t> lost = {65530, 65531, 65535, 0, 10, 20};
  ASSERT_TRUE(writer.add_nack(1, 2, lost));

  RecordingVisitor visitor;
  ASSERT_EQ(parse_rtcp_compound(writer.data(), visitor), RtcpParseError::ok);
  EXPECT_EQ(visitor.nack_items, 2u);
  EXPECT_EQ(visitor.nack_ssrcs, std::make_pair(1u, 2u));
  EXPECT_EQ(visitor.nacked, lost);
}

TEST(RtcpRoundTrip, PliFirRemb) {
  std::array<uint8_t, 128> buffer{};
  RtcpWriter writer(buffer);
  ASSERT_TRUE(writer.add_pli(10, 20));
  ASSERT_TRUE(writer.add_fir(10, 30, 7));
  const std::array<uint32_t, 2> ssrcs = {40, 50};
  ASSERT_TRUE(writer.add_remb(10, 1'500'000, ssrcs));

  RecordingVisitor visitor;
  ASSERT_EQ(parse_rtcp_compound(writer.data(), visitor), RtcpParseError::ok);
  ASSERT_EQ(visitor.plis.size(), 1u);
  EXPECT_EQ(visitor.plis[0], std::make_pair(10u, 20u));
  EXPECT_EQ(visitor.fir_sender, 10u);
  ASSERT_EQ(visitor.firs.size(), 1u);
  EXPECT_EQ(visitor.firs[0].ssrc, 30u);
  EXPECT_EQ(visitor.firs[0].sequence_number, 7);
  EXPECT_EQ(visitor.remb_sender, 10u);
  // 1 500 000 needs exponent 3: the mantissa keeps 187 500, exactly.
  EXPECT_EQ(visitor.remb_bitrate_bps, 1'500'000u);
  EXPECT_EQ(visitor.remb_ssrcs, (std::vector<uint32_t>{40, 50}));
}

TEST(RtcpRoundTrip, RembRoundsDown) {
  std::array<uint8_t, 64> buffer{};
  RtcpWriter writer(buffer);
  ASSERT_TRUE(writer.add_remb(1, 1'000'003, {}));
  RecordingVisitor visitor;
  ASSERT_EQ(parse_rtcp_compound(writer.data(), visitor), RtcpParseError::ok);
  EXPECT_EQ(visitor.remb_bitrate_bps, 1'000'000u);
}

TEST(RtcpRoundTrip, TransportFeedback) {
  // Lost, small, large, negative, then a long run of lost and received packets.
  std::vector<TransportPacketStatus> packets = {
      {false, 0}, {true, 250}, {true, 100'000}, {true, -500}, {true, 63'750}};
  for (int i = 0; i < 20; ++i) packets.push_back({false, 0});
  for (int i = 0; i < 20; ++i) packets.push_back({true, 1000});
  packets.push_back({true, 0});

  std::array<uint8_t, 256> buffer{};
  RtcpWriter writer(buffer);
  const TransportFeedbackHeader header{65530, -5, 9};
  ASSERT_TRUE(writer.add_transport_feedback(3, 4, header, packets));

  RecordingVisitor visitor;
  ASSERT_EQ(parse_rtcp_compound(writer.data(), visitor), RtcpParseError::ok);
  ASSERT_EQ(visitor.transport_feedback_count, 1u);
  EXPECT_EQ(visitor.transport_base, 65530);
  EXPECT_EQ(visitor.transport_reference_time, -5);
  EXPECT_EQ(visitor.transport_feedback_count_field, 9);
  ASSERT_EQ(visitor.transport_packets.size(), packets.size());
  for (size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(visitor.transport_packets[i].seq, static_cast<uint16_t>(65530 + i)) << "packet " << i;
    EXPECT_EQ(visitor.transport_packets[i].received, packets[i].received) << "packet " << i;
    EXPECT_EQ(visitor.transport_packets[i].delta_us, packets[i].delta_us) << "packet " << i;
  }
}

TEST(RtcpRoundTrip, TransportFeedbackRejectsHugeDelta) {
  const std::vector<TransportPacketStatus> packets = {{true, 10'000'000}};
  std::array<uint8_t, 64> buffer{};
  RtcpWriter writer(buffer);
  EXPECT_FALSE(writer.add_transport_feedback(1, 2, TransportFeedbackHeader{}, packets));
  EXPECT_EQ(writer.size(), 0u);
}

TEST(RtcpWriter, RejectsWhenFull) {
  std::array<uint8_t, 16> buffer{};
  RtcpWriter writer(buffer);
  ASSERT_TRUE(writer.add_pli(1, 2));
  EXPECT_FALSE(writer.add_pli(1, 2));
  EXPECT_EQ(writer.size(), 12u);
  const std::array<ReportBlock, 1> blocks = {sample_block(1)};
  EXPECT_FALSE(writer.add_receiver_report(1, blocks));
  EXPECT_EQ(writer.size(), 12u);
}

TEST(RtcpWriter, RejectsEmptyNack) {
  std::array<uint8_t, 64> buffer{};
  RtcpWriter writer(buffer);
  EXPECT_FALSE(writer.add_nack(1, 2, {}));
  EXPECT_EQ(writer.size(), 0u);
}

TEST(RtcpParse, ErrorNames) {
  EXPECT_EQ(to_string(RtcpParseError::report_blocks_truncated), "report_blocks_truncated");
  EXPECT_EQ(to_string(RtcpSkipReason::unknown_application_feedback), "unknown_application_feedback");
}

}  // namespace
}  // namespace sightline::rtp

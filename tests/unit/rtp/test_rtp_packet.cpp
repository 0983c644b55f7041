// Tests of RTP packet parsing, RFC 8285 header extensions and in-place setters.
#include "relay/rtp/rtp_packet.h"

#include <gtest/gtest.h>

#include <vector>

namespace sightline::rtp {
namespace {

std::vector<uint8_t> bytes(std::initializer_list<uint8_t> list) { return std::vector<uint8_t>(list); }

TEST(RtpPacket, ParsesFixedHeader) {
  auto buffer = bytes({0x80, 0xE0, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x11, 0x22, 0x33, 0x44, 0x01, 0x02});
  RtpPacket packet;
  ASSERT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::ok);
  EXPECT_TRUE(packet.marker());
  EXPECT_EQ(packet.payload_type(), 96);
  EXPECT_EQ(packet.sequence_number(), 0x1234);
  EXPECT_EQ(packet.timestamp(), 0xDEADBEEFu);
  EXPECT_EQ(packet.ssrc(), 0x11223344u);
  EXPECT_FALSE(packet.has_extension());
  EXPECT_EQ(packet.header_size(), 12u);
  ASSERT_EQ(packet.payload().size(), 2u);
  EXPECT_EQ(packet.payload()[0], 0x01);
  EXPECT_EQ(packet.payload()[1], 0x02);
}

TEST(RtpPacket, ParsesCsrcList) {
  auto buffer = bytes({0x82, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xAA, 0xAA, 0xAA, 0xAA, 0xBB, 0xBB, 0xBB, 0xBB, 0x55});
  RtpPacket packet;
  ASSERT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::ok);
  EXPECT_EQ(packet.csrc_count(), 2);
  EXPECT_EQ(packet.csrc(0), 0xAAAAAAAAu);
  EXPECT_EQ(packet.csrc(1), 0xBBBBBBBBu);
  EXPECT_EQ(packet.header_size(), 20u);
  EXPECT_EQ(packet.payload().size(), 1u);
}

TEST(RtpPacket, ParsesPadding) {
  auto buffer = bytes({0xA0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0x77, 0x88, 0, 0, 3});
  RtpPacket packet;
  ASSERT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::ok);
  EXPECT_EQ(packet.padding_size(), 3u);
  ASSERT_EQ(packet.payload().size(), 2u);
  EXPECT_EQ(packet.payload()[1], 0x88);
}

TEST(RtpPacket, RejectsTooShort) {
  auto buffer = bytes({0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0});
  RtpPacket packet;
  EXPECT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::too_short);
}

TEST(RtpPacket, RejectsBadVersion) {
  auto buffer = bytes({0x40, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2});
  RtpPacket packet;
  EXPECT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::bad_version);
}

TEST(RtpPacket, RejectsTruncatedCsrc) {
  auto buffer = bytes({0x83, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xAA, 0xAA, 0xAA, 0xAA});
  RtpPacket packet;
  EXPECT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::csrc_truncated);
}

TEST(RtpPacket, RejectsZeroPaddingCount) {
  auto buffer = bytes({0xA0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0x77, 0x00});
  RtpPacket packet;
  EXPECT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::padding_invalid);
}

TEST(RtpPacket, RejectsPaddingLargerThanBody) {
  auto buffer = bytes({0xA0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0x77, 0x03});
  RtpPacket packet;
  EXPECT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::padding_invalid);
}

TEST(RtpPacket, RejectsPaddingBitWithoutBody) {
  auto buffer = bytes({0xA0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2});
  RtpPacket packet;
  EXPECT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::padding_invalid);
}

TEST(RtpPacket, ReservedIdStopsExtensions) {
  auto buffer = bytes({0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
                       0xBE, 0xDE, 0x00, 0x01, 0xF0, 0x00, 0x00, 0x00, 0xCA, 0xFE});
  RtpPacket packet;
  ASSERT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::ok);
  EXPECT_EQ(packet.extension_issue(), ExtensionIssue::reserved_id);
  EXPECT_EQ(packet.extension_count(), 0u);
  EXPECT_FALSE(packet.has_extension_id(15));
  ASSERT_EQ(packet.payload().size(), 2u);
  EXPECT_EQ(packet.payload()[0], 0xCA);
  EXPECT_EQ(packet.payload()[1], 0xFE);
}

TEST(RtpPacket, ZeroIdWithLengthStopsExtensions) {
  // Element ID 1 (one byte 0xAB), then 0x03: ID 0 with length 4.
  auto buffer = bytes({0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
                       0xBE, 0xDE, 0x00, 0x02, 0x10, 0xAB, 0x03, 0x21, 0xCD, 0xEF, 0x00, 0x00, 0x99});
  RtpPacket packet;
  ASSERT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::ok);
  EXPECT_EQ(packet.extension_issue(), ExtensionIssue::zero_id_with_length);
  ASSERT_EQ(packet.extension_count(), 1u);
  ASSERT_EQ(packet.find_extension(1).size(), 1u);
  EXPECT_EQ(packet.find_extension(1)[0], 0xAB);
  EXPECT_FALSE(packet.has_extension_id(2));
  ASSERT_EQ(packet.payload().size(), 1u);
  EXPECT_EQ(packet.payload()[0], 0x99);
}

TEST(RtpPacket, RejectsExtensionBlockPastBuffer) {
  auto buffer = bytes({0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
                       0xBE, 0xDE, 0x00, 0xFF, 0x10, 0xAB, 0x00, 0x00});
  RtpPacket packet;
  EXPECT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::extension_truncated);
}

TEST(RtpPacket, RejectsMissingExtensionHeader) {
  auto buffer = bytes({0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44, 0xBE, 0xDE});
  RtpPacket packet;
  EXPECT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::extension_truncated);
}

TEST(RtpPacket, ElementPastBlockStopsExtensions) {
  // ID 2 with length 3 bytes, then ID 3 claiming 8 bytes in a 4-byte block.
  auto buffer = bytes({0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
                       0xBE, 0xDE, 0x00, 0x02, 0x22, 0x01, 0x02, 0x03, 0x37, 0x00, 0x00, 0x00});
  RtpPacket packet;
  ASSERT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::ok);
  EXPECT_EQ(packet.extension_issue(), ExtensionIssue::element_truncated);
  EXPECT_EQ(packet.extension_count(), 1u);
  EXPECT_EQ(packet.find_extension(2).size(), 3u);
  EXPECT_FALSE(packet.has_extension_id(3));
}

TEST(RtpPacket, ParsesOneByteExtensions) {
  // abs-send-time (ID 2, 3 bytes), padding byte, transport seq (ID 3, 2 bytes), mid (ID 4, "1").
  auto buffer = bytes({0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
                       0xBE, 0xDE, 0x00, 0x03, 0x22, 0xAA, 0xBB, 0xCC, 0x00, 0x31, 0x12, 0x34,
                       0x40, 0x31, 0x00, 0x00, 0x77});
  RtpPacket packet;
  ASSERT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::ok);
  EXPECT_EQ(packet.extension_profile(), RtpPacket::kOneByteProfile);
  EXPECT_EQ(packet.extension_issue(), ExtensionIssue::none);
  ASSERT_EQ(packet.extension_count(), 3u);
  EXPECT_EQ(packet.extension_at(0).id, 2);
  EXPECT_EQ(packet.find_extension(2).size(), 3u);
  EXPECT_EQ(packet.find_extension(2)[2], 0xCC);
  ASSERT_EQ(packet.find_extension(3).size(), 2u);
  EXPECT_EQ(load_be16(packet.find_extension(3).data()), 0x1234);
  ASSERT_EQ(packet.find_extension(4).size(), 1u);
  EXPECT_EQ(packet.find_extension(4)[0], '1');
  EXPECT_TRUE(packet.find_extension(5).empty());
  EXPECT_EQ(packet.header_size(), 28u);
  EXPECT_EQ(packet.payload().size(), 1u);
}

TEST(RtpPacket, ParsesTwoByteExtensions) {
  // Profile 0x1000: ID 20 with 0 bytes, padding, ID 1 with 3 bytes.
  auto buffer = bytes({0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
                       0x10, 0x00, 0x00, 0x02, 0x14, 0x00, 0x00, 0x01, 0x03, 0xA1, 0xA2, 0xA3, 0x55});
  RtpPacket packet;
  ASSERT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::ok);
  EXPECT_EQ(packet.extension_issue(), ExtensionIssue::none);
  ASSERT_EQ(packet.extension_count(), 2u);
  EXPECT_TRUE(packet.has_extension_id(20));
  EXPECT_TRUE(packet.find_extension(20).empty());
  ASSERT_EQ(packet.find_extension(1).size(), 3u);
  EXPECT_EQ(packet.find_extension(1)[0], 0xA1);
  EXPECT_EQ(packet.payload().size(), 1u);
}

TEST(RtpPacket, UnknownProfileKeepsBlockOnly) {
  auto buffer = bytes({0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
                       0xAB, 0xCD, 0x00, 0x01, 0x10, 0x01, 0x02, 0x03, 0x55});
  RtpPacket packet;
  ASSERT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::ok);
  EXPECT_EQ(packet.extension_profile(), 0xABCD);
  EXPECT_EQ(packet.extension_block().size(), 4u);
  EXPECT_EQ(packet.extension_count(), 0u);
  EXPECT_EQ(packet.payload().size(), 1u);
}

TEST(RtpPacket, StopsAfterSixteenElements) {
  std::vector<uint8_t> buffer = {0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
                                 0xBE, 0xDE, 0x00, 0x09};
  // 17 elements of 2 bytes each (ID 1..14 then 1..3 again), then 2 bytes padding.
  for (int i = 0; i < 17; ++i) {
    buffer.push_back(static_cast<uint8_t>(((i % 14) + 1) << 4));
    buffer.push_back(static_cast<uint8_t>(i));
  }
  buffer.push_back(0);
  buffer.push_back(0);
  RtpPacket packet;
  ASSERT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::ok);
  EXPECT_EQ(packet.extension_count(), RtpPacket::kMaxExtensions);
  EXPECT_EQ(packet.extension_issue(), ExtensionIssue::too_many_elements);
}

TEST(RtpPacket, SettersWriteThrough) {
  auto buffer = bytes({0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
                       0xBE, 0xDE, 0x00, 0x01, 0x22, 0xAA, 0xBB, 0xCC, 0x77});
  RtpPacket packet;
  ASSERT_EQ(RtpPacket::parse(buffer, packet), RtpParseError::ok);
  packet.set_ssrc(0xCAFEBABE);
  packet.set_sequence_number(0xFFFF);
  packet.set_timestamp(0x01020304);
  packet.set_payload_type(111);
  packet.set_marker(true);
  const uint8_t new_time[] = {0x01, 0x02, 0x03};
  EXPECT_TRUE(packet.set_extension_value(2, new_time));
  const uint8_t wrong_size[] = {0x01, 0x02};
  EXPECT_FALSE(packet.set_extension_value(2, wrong_size));
  EXPECT_FALSE(packet.set_extension_value(3, new_time));

  RtpPacket reparsed;
  ASSERT_EQ(RtpPacket::parse(buffer, reparsed), RtpParseError::ok);
  EXPECT_EQ(reparsed.ssrc(), 0xCAFEBABEu);
  EXPECT_EQ(reparsed.sequence_number(), 0xFFFF);
  EXPECT_EQ(reparsed.timestamp(), 0x01020304u);
  EXPECT_EQ(reparsed.payload_type(), 111);
  EXPECT_TRUE(reparsed.marker());
  EXPECT_TRUE(reparsed.has_extension());
  ASSERT_EQ(reparsed.find_extension(2).size(), 3u);
  EXPECT_EQ(reparsed.find_extension(2)[0], 0x01);
  EXPECT_EQ(reparsed.find_extension(2)[2], 0x03);
  EXPECT_EQ(reparsed.payload()[0], 0x77);
}

TEST(RtpPacket, ErrorNames) {
  EXPECT_EQ(to_string(RtpParseError::extension_truncated), "extension_truncated");
  EXPECT_EQ(to_string(ExtensionIssue::reserved_id), "reserved_id");
}

}  // namespace
}  // namespace sightline::rtp

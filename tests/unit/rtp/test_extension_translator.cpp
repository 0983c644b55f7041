// Tests of translate_header_extensions: a packet with Firefox 153's video
// extension ids forwarded to a Chromium 156 subscriber, and the edge cases.
#include "relay/rtp/extension_translator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sightline::rtp {
namespace {

// Video ids from the browsers' real offers: Firefox mid 3, abs-send-time 4,
// transport-cc 7; Chromium abs-send-time 2, transport-cc 3, mid 4, rid 10, repaired rid 11.
const HeaderExtensionIds kFirefoxVideo{3, 9, 10, 4, 7, 0};
const HeaderExtensionIds kChromiumVideo{4, 10, 11, 2, 3, 0};

struct Element {
  uint8_t id;
  std::vector<uint8_t> value;
};

// Builds a packet with one-byte (0xBEDE) or two-byte (0x1000) extension elements.
std::vector<uint8_t> make_packet(const std::vector<Element>& elements, bool two_byte_form,
                                 const std::vector<uint8_t>& payload, uint8_t padding = 0) {
  std::vector<uint8_t> packet = {0x80, 0xF8, 0x12, 0x34, 0x00, 0x01, 0x02, 0x03, 0xCA, 0xFE, 0xBA, 0xBE};
  if (padding > 0) packet[0] |= 0x20;
  if (!elements.empty()) {
    packet[0] |= 0x10;
    std::vector<uint8_t> block;
    for (const Element& element : elements) {
      if (two_byte_form) {
        block.push_back(element.id);
        block.push_back(static_cast<uint8_t>(element.value.size()));
      } else {
        block.push_back(static_cast<uint8_t>((element.id << 4) | (element.value.size() - 1)));
      }
      block.insert(block.end(), element.value.begin(), element.value.end());
    }
    while (block.size() % 4 != 0) block.push_back(0);
    packet.push_back(two_byte_form ? 0x10 : 0xBE);
    packet.push_back(two_byte_form ? 0x00 : 0xDE);
    packet.push_back(0);
    packet.push_back(static_cast<uint8_t>(block.size() / 4));
    packet.insert(packet.end(), block.begin(), block.end());
  }
  packet.insert(packet.end(), payload.begin(), payload.end());
  for (uint8_t i = 1; i < padding; ++i) packet.push_back(0);
  if (padding > 0) packet.push_back(padding);
  return packet;
}

// Translates into `buffer` and parses the result back into `output`, which views `buffer`.
void translate(std::vector<uint8_t>& input, const HeaderExtensionIds& from, const HeaderExtensionIds& to,
               std::string_view mid, std::vector<uint8_t>& buffer, RtpPacket& output) {
  RtpPacket packet;
  EXPECT_EQ(RtpPacket::parse(input, packet), RtpParseError::ok);
  buffer.assign(1500, 0xEE);
  const size_t size = translate_header_extensions(packet, from, to, mid, buffer);
  EXPECT_NE(size, 0u);
  buffer.resize(size);
  EXPECT_EQ(RtpPacket::parse(buffer, output), RtpParseError::ok);
}

std::vector<uint8_t> to_vector(ByteView view) { return std::vector<uint8_t>(view.begin(), view.end()); }

const std::vector<uint8_t> kPayload = {0x90, 0x80, 0x12, 0x34, 0x56, 0x78, 0x9A};

TEST(ExtensionTranslator, FirefoxToChromiumIds) {
  auto input = make_packet({{3, {'1'}}, {4, {0x11, 0x22, 0x33}}, {7, {0x00, 0x2A}}}, false, kPayload);
  std::vector<uint8_t> buffer;
  RtpPacket output;
  translate(input, kFirefoxVideo, kChromiumVideo, "1", buffer, output);

  EXPECT_EQ(output.extension_profile(), RtpPacket::kOneByteProfile);
  EXPECT_EQ(output.extension_count(), 3u);
  EXPECT_EQ(to_vector(output.find_extension(4)), (std::vector<uint8_t>{'1'}));
  EXPECT_EQ(to_vector(output.find_extension(2)), (std::vector<uint8_t>{0x11, 0x22, 0x33}));
  EXPECT_EQ(to_vector(output.find_extension(3)), (std::vector<uint8_t>{0x00, 0x2A}));
  EXPECT_FALSE(output.has_extension_id(7));

  EXPECT_EQ(to_vector(output.payload()), kPayload);
  EXPECT_EQ(output.sequence_number(), 0x1234);
  EXPECT_EQ(output.timestamp(), 0x00010203u);
  EXPECT_EQ(output.ssrc(), 0xCAFEBABEu);
  EXPECT_EQ(output.payload_type(), 0x78);
  EXPECT_TRUE(output.marker());
}

TEST(ExtensionTranslator, MidTakesSubscriberValue) {
  auto input = make_packet({{3, {'0'}}}, false, kPayload);
  std::vector<uint8_t> buffer;
  RtpPacket output;
  translate(input, kFirefoxVideo, kChromiumVideo, "video", buffer, output);
  EXPECT_EQ(to_vector(output.find_extension(4)), (std::vector<uint8_t>{'v', 'i', 'd', 'e', 'o'}));
}

TEST(ExtensionTranslator, StreamIdsAndUnknownDropped) {
  // rid "h" (9), repaired rid (10) and toffset (5), which the relay does not negotiate.
  auto input = make_packet({{9, {'h'}}, {10, {'h'}}, {5, {0, 0, 1}}, {7, {0x01, 0x02}}}, false, kPayload);
  std::vector<uint8_t> buffer;
  RtpPacket output;
  translate(input, kFirefoxVideo, kChromiumVideo, "1", buffer, output);
  EXPECT_EQ(output.extension_count(), 1u);
  EXPECT_EQ(to_vector(output.find_extension(3)), (std::vector<uint8_t>{0x01, 0x02}));
}

TEST(ExtensionTranslator, NotNegotiatedBySubscriberDropped) {
  HeaderExtensionIds subscriber = kChromiumVideo;
  subscriber.transport_cc = 0;
  auto input = make_packet({{7, {0x01, 0x02}}, {4, {1, 2, 3}}}, false, kPayload);
  std::vector<uint8_t> buffer;
  RtpPacket output;
  translate(input, kFirefoxVideo, subscriber, "1", buffer, output);
  EXPECT_EQ(output.extension_count(), 1u);
  EXPECT_TRUE(output.has_extension_id(2));
}

TEST(ExtensionTranslator, NoElementsLeftRemovesBlock) {
  auto input = make_packet({{9, {'q'}}}, false, kPayload, 4);
  std::vector<uint8_t> buffer;
  RtpPacket output;
  translate(input, kFirefoxVideo, kChromiumVideo, "1", buffer, output);
  EXPECT_FALSE(output.has_extension());
  EXPECT_EQ(output.header_size(), RtpPacket::kFixedHeaderSize);
  EXPECT_EQ(to_vector(output.payload()), kPayload);
  EXPECT_EQ(output.padding_size(), 4u);
  EXPECT_EQ(buffer.size(), RtpPacket::kFixedHeaderSize + kPayload.size() + 4);
}

TEST(ExtensionTranslator, PaddingAndCsrcKept) {
  auto input = make_packet({{4, {1, 2, 3}}}, false, kPayload, 3);
  // Add one CSRC after the fixed header.
  input[0] = static_cast<uint8_t>(input[0] | 0x01);
  input.insert(input.begin() + 12, {0xAB, 0xCD, 0xEF, 0x01});
  std::vector<uint8_t> buffer;
  RtpPacket output;
  translate(input, kFirefoxVideo, kChromiumVideo, "1", buffer, output);
  EXPECT_EQ(output.csrc_count(), 1);
  EXPECT_EQ(output.csrc(0), 0xABCDEF01u);
  EXPECT_EQ(to_vector(output.find_extension(2)), (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(output.padding_size(), 3u);
  EXPECT_EQ(to_vector(output.payload()), kPayload);
}

TEST(ExtensionTranslator, HighIdUsesTwoByteForm) {
  HeaderExtensionIds subscriber = kChromiumVideo;
  subscriber.abs_send_time = 20;
  auto input = make_packet({{4, {1, 2, 3}}, {3, {'1'}}}, false, kPayload);
  std::vector<uint8_t> buffer;
  RtpPacket output;
  translate(input, kFirefoxVideo, subscriber, "1", buffer, output);
  EXPECT_EQ(output.extension_profile() & 0xFFF0, RtpPacket::kTwoByteProfile);
  EXPECT_EQ(to_vector(output.find_extension(20)), (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(to_vector(output.find_extension(4)), (std::vector<uint8_t>{'1'}));
}

TEST(ExtensionTranslator, TwoByteInputToOneByte) {
  HeaderExtensionIds publisher = kFirefoxVideo;
  publisher.abs_send_time = 20;
  auto input = make_packet({{20, {1, 2, 3}}}, true, kPayload);
  std::vector<uint8_t> buffer;
  RtpPacket output;
  translate(input, publisher, kChromiumVideo, "1", buffer, output);
  EXPECT_EQ(output.extension_profile(), RtpPacket::kOneByteProfile);
  EXPECT_EQ(to_vector(output.find_extension(2)), (std::vector<uint8_t>{1, 2, 3}));
}

TEST(ExtensionTranslator, LongMidUsesTwoByteForm) {
  auto input = make_packet({{3, {'1'}}}, false, kPayload);
  std::vector<uint8_t> buffer;
  RtpPacket output;
  const std::string mid(20, 'm');
  translate(input, kFirefoxVideo, kChromiumVideo, mid, buffer, output);
  EXPECT_EQ(output.extension_profile() & 0xFFF0, RtpPacket::kTwoByteProfile);
  EXPECT_EQ(output.find_extension(4).size(), 20u);
}

TEST(ExtensionTranslator, SmallOutputRejected) {
  auto input = make_packet({{3, {'1'}}, {4, {1, 2, 3}}}, false, kPayload);
  RtpPacket packet;
  ASSERT_EQ(RtpPacket::parse(input, packet), RtpParseError::ok);
  // The translated packet is 12 + 4 + 8 + 7 = 31 bytes.
  std::vector<uint8_t> buffer(30);
  EXPECT_EQ(translate_header_extensions(packet, kFirefoxVideo, kChromiumVideo, "1", buffer), 0u);
  buffer.resize(31);
  EXPECT_EQ(translate_header_extensions(packet, kFirefoxVideo, kChromiumVideo, "1", buffer), 31u);
}

}  // namespace
}  // namespace sightline::rtp

// Tests of VP8 depacketising for analysis: descriptor rejection, reassembly
// with reordering and loss, the temporal layer filter and keyframe requests.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "analysis/vp8_depacketizer.h"

namespace sightline::analysis {
namespace {

using codec::Vp8ParseError;

struct Packet {
  uint16_t sequence_number;
  uint32_t timestamp;
  bool marker;
  std::vector<uint8_t> payload;
};

// A VP8 payload of a frame split into `count` packets. The descriptor is
// X=1 I=1 T=1 with a 15-bit picture id and the given TID; the first VP8
// byte's P bit is 0 for a keyframe (RFC 7741 section 4.3).
std::vector<Packet> frame_packets(uint16_t first_sequence_number, uint32_t timestamp, bool keyframe, int count,
                                  uint8_t tid = 0, bool with_tid = false) {
  std::vector<Packet> packets;
  for (int i = 0; i < count; ++i) {
    std::vector<uint8_t> payload;
    payload.push_back(static_cast<uint8_t>(0x80 | (i == 0 ? 0x10 : 0x00)));
    payload.push_back(static_cast<uint8_t>(0x80 | (with_tid ? 0x20 : 0x00)));
    payload.push_back(0x80);
    payload.push_back(static_cast<uint8_t>(first_sequence_number & 0xFF));
    if (with_tid) payload.push_back(static_cast<uint8_t>(tid << 6));
    uint8_t first_vp8_byte = static_cast<uint8_t>(0xA0 + i);
    if (i == 0) first_vp8_byte = keyframe ? 0x10 : 0x11;
    payload.push_back(first_vp8_byte);
    payload.push_back(static_cast<uint8_t>(timestamp & 0xFF));
    packets.push_back({static_cast<uint16_t>(first_sequence_number + i), timestamp, i + 1 == count, payload});
  }
  return packets;
}

struct Collector {
  std::vector<uint32_t> timestamps;
  std::vector<size_t> sizes;
  Vp8Depacketizer depacketizer{[this](const media::Vp8AssembledFrame& frame) {
    timestamps.push_back(frame.rtp_timestamp);
    sizes.push_back(frame.bytes.size());
  }};

  void insert(const std::vector<Packet>& packets) {
    for (const Packet& p : packets) depacketizer.insert(p.sequence_number, p.timestamp, p.marker, p.payload);
  }
};

TEST(Vp8Depacketizer, RejectsTruncatedDescriptors) {
  const std::vector<std::pair<std::vector<uint8_t>, Vp8ParseError>> cases = {
      {{0x81, 0x81, 0x94}, Vp8ParseError::kTruncatedPictureId},
      {{0x80}, Vp8ParseError::kTruncatedExtension},
      {{0x90, 0xE0, 0x80}, Vp8ParseError::kTruncatedPictureId},
  };
  for (const auto& [bytes, reason] : cases) {
    codec::Vp8PayloadDescriptor descriptor;
    EXPECT_EQ(codec::parse_vp8_payload_descriptor(bytes, descriptor), reason) << to_string(reason);

    Collector collector;
    collector.depacketizer.insert(1, 3000, true, bytes);
    EXPECT_EQ(collector.depacketizer.stats().rejected(reason), 1U);
    EXPECT_TRUE(collector.timestamps.empty());
  }
}

TEST(Vp8Depacketizer, RejectsEveryPrefixOfValidDescriptor) {
  // X S; I L T; 15-bit picture id 0x0001; TL0PICIDX 5; TID 1; then one VP8 byte.
  const std::vector<uint8_t> valid = {0x90, 0xE0, 0x80, 0x01, 0x05, 0x40, 0x9D};
  codec::Vp8PayloadDescriptor descriptor;
  ASSERT_EQ(codec::parse_vp8_payload_descriptor(valid, descriptor), Vp8ParseError::kOk);
  EXPECT_EQ(descriptor.size, 6U);
  EXPECT_EQ(descriptor.tid, 1);

  for (size_t length = 0; length < valid.size(); ++length) {
    const ByteView prefix(valid.data(), length);
    EXPECT_NE(codec::parse_vp8_payload_descriptor(prefix, descriptor), Vp8ParseError::kOk) << "length " << length;
  }
}

TEST(Vp8Depacketizer, ReassemblesReorderedPackets) {
  std::vector<Packet> packets = frame_packets(100, 3000, true, 3);
  const std::vector<Packet> second = frame_packets(103, 6000, false, 2);
  const std::vector<Packet> third = frame_packets(105, 9000, false, 4);
  packets.insert(packets.end(), second.begin(), second.end());
  packets.insert(packets.end(), third.begin(), third.end());
  std::swap(packets[0], packets[2]);
  std::swap(packets[4], packets[5]);
  std::swap(packets[6], packets[8]);

  Collector collector;
  collector.insert(packets);
  collector.depacketizer.insert(109, 12000, true, {});  // Padding pushes the reorder window on.
  EXPECT_EQ(collector.timestamps, (std::vector<uint32_t>{3000, 6000, 9000}));
  // Descriptor of 4 bytes stripped from each packet, 2 VP8 bytes left per packet.
  EXPECT_EQ(collector.sizes, (std::vector<size_t>{6, 4, 8}));
  EXPECT_EQ(collector.depacketizer.assembler_stats().packets_lost, 0U);
  EXPECT_FALSE(collector.depacketizer.take_keyframe_request(TimePoint{}));
}

TEST(Vp8Depacketizer, LossSkipsFrameAndRequestsKeyframe) {
  Collector collector;
  collector.insert(frame_packets(0, 3000, true, 2));
  std::vector<Packet> lossy = frame_packets(2, 6000, false, 3);
  lossy.erase(lossy.begin() + 1);
  collector.insert(lossy);
  // Later delta frames reference the lost one, so they are held back too.
  for (int i = 0; i < 12; ++i) {
    collector.insert(frame_packets(static_cast<uint16_t>(5 + i * 2), static_cast<uint32_t>(9000 + i * 3000), false, 2));
  }
  EXPECT_EQ(collector.timestamps, (std::vector<uint32_t>{3000}));
  EXPECT_EQ(collector.depacketizer.assembler_stats().packets_lost, 1U);

  const TimePoint start{seconds(100)};
  EXPECT_TRUE(collector.depacketizer.take_keyframe_request(start));
  collector.insert(frame_packets(29, 50000, false, 2));
  EXPECT_FALSE(collector.depacketizer.take_keyframe_request(start + milliseconds(500)));
  EXPECT_TRUE(collector.depacketizer.take_keyframe_request(start + milliseconds(1000)));
  EXPECT_EQ(collector.depacketizer.stats().keyframe_requests, 2U);

  // The keyframe repairs the stream.
  collector.insert(frame_packets(31, 60000, true, 2));
  collector.insert(frame_packets(33, 63000, false, 2));
  collector.depacketizer.insert(35, 66000, false, {});
  for (uint16_t s = 36; s < 44; ++s) collector.depacketizer.insert(s, 66000, false, {});
  EXPECT_EQ(collector.timestamps, (std::vector<uint32_t>{3000, 60000, 63000}));
  EXPECT_FALSE(collector.depacketizer.take_keyframe_request(start + seconds(5)));
}

TEST(Vp8Depacketizer, KeepsOnlyBaseTemporalLayer) {
  Collector collector;
  uint16_t sequence_number = 0;
  // TIDs of the common three-layer pattern 0 2 1 2 0 2 1 2 ...
  const uint8_t pattern[] = {0, 2, 1, 2};
  for (int frame = 0; frame < 12; ++frame) {
    const uint8_t tid = pattern[frame % 4];
    collector.insert(frame_packets(sequence_number, static_cast<uint32_t>(3000 * (frame + 1)), frame == 0, 2, tid, true));
    sequence_number = static_cast<uint16_t>(sequence_number + 2);
  }
  for (int i = 0; i < 8; ++i) collector.depacketizer.insert(sequence_number++, 40000, false, {});

  EXPECT_EQ(collector.timestamps, (std::vector<uint32_t>{3000, 15000, 27000}));
  EXPECT_EQ(collector.depacketizer.stats().packets_upper_layer, 18U);
  EXPECT_EQ(collector.depacketizer.assembler_stats().packets_lost, 0U);
  EXPECT_FALSE(collector.depacketizer.take_keyframe_request(TimePoint{}));
}

}  // namespace
}  // namespace sightline::analysis

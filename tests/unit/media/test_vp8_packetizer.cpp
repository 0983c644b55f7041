// Tests of VP8 packetization: payload sizes, descriptors and picture ids.
#include "tools/media/vp8_packetizer.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "relay/codec/vp8_payload_descriptor.h"

namespace sightline::media {
namespace {

std::vector<uint8_t> make_frame(size_t size) {
  std::vector<uint8_t> frame(size);
  std::iota(frame.begin(), frame.end(), uint8_t{0});
  return frame;
}

TEST(Vp8Packetizer, SplitsEvenlyWithDescriptors) {
  Vp8Packetizer packetizer(100, 7);
  const std::vector<uint8_t> frame = make_frame(250);  // 96 bytes of room: three payloads of 84, 83, 83.
  std::vector<std::vector<uint8_t>> payloads;
  ASSERT_TRUE(packetizer.packetize(frame, payloads));
  ASSERT_EQ(payloads.size(), 3u);

  std::vector<uint8_t> joined;
  for (size_t i = 0; i < payloads.size(); ++i) {
    codec::Vp8PayloadDescriptor d;
    ASSERT_EQ(codec::parse_vp8_payload_descriptor(payloads[i], d), codec::Vp8ParseError::kOk);
    EXPECT_TRUE(d.extended);
    EXPECT_EQ(d.start_of_partition, i == 0);
    EXPECT_EQ(d.partition_index, 0);
    EXPECT_TRUE(d.has_picture_id);
    EXPECT_TRUE(d.picture_id_16bit);
    EXPECT_EQ(d.picture_id, 7);
    EXPECT_FALSE(d.has_tl0_pic_idx);
    EXPECT_EQ(d.size, 4u);
    EXPECT_LE(payloads[i].size(), 100u);
    joined.insert(joined.end(), payloads[i].begin() + 4, payloads[i].end());
  }
  EXPECT_EQ(payloads[0].size(), 4u + 84);
  EXPECT_EQ(payloads[2].size(), 4u + 83);
  EXPECT_EQ(joined, frame);
  EXPECT_EQ(packetizer.next_picture_id(), 8);
}

TEST(Vp8Packetizer, ExactFitIsOnePayload) {
  Vp8Packetizer packetizer(kDefaultVp8MaxPayloadBytes);
  std::vector<std::vector<uint8_t>> payloads;
  ASSERT_TRUE(packetizer.packetize(make_frame(kDefaultVp8MaxPayloadBytes - 4), payloads));
  EXPECT_EQ(payloads.size(), 1u);
  ASSERT_TRUE(packetizer.packetize(make_frame(kDefaultVp8MaxPayloadBytes - 3), payloads));
  EXPECT_EQ(payloads.size(), 2u);
}

TEST(Vp8Packetizer, PictureIdWrapsAt15Bits) {
  Vp8Packetizer packetizer(kDefaultVp8MaxPayloadBytes, 32767);
  std::vector<std::vector<uint8_t>> payloads;
  const std::vector<uint8_t> frame = make_frame(10);
  codec::Vp8PayloadDescriptor d;
  ASSERT_TRUE(packetizer.packetize(frame, payloads));
  ASSERT_EQ(codec::parse_vp8_payload_descriptor(payloads[0], d), codec::Vp8ParseError::kOk);
  EXPECT_EQ(d.picture_id, 32767);
  ASSERT_TRUE(packetizer.packetize(frame, payloads));
  ASSERT_EQ(codec::parse_vp8_payload_descriptor(payloads[0], d), codec::Vp8ParseError::kOk);
  EXPECT_EQ(d.picture_id, 0);
}

// Frames of layers 0, 2, 1, 2, 0: each payload carries the frame's TID and
// Y bit, and TL0PICIDX counts the layer 0 frames (wrapping at 256), which
// the frames of higher layers repeat.
TEST(Vp8Packetizer, WritesTemporalLayerFields) {
  Vp8Packetizer packetizer(100, 5);
  const std::vector<uint8_t> frame = make_frame(150);  // two payloads each
  struct Expected {
    uint8_t tid;
    bool sync;
    uint8_t tl0_pic_idx;
  };
  const Expected frames[] = {{0, true, 0}, {2, false, 0}, {1, true, 0}, {2, false, 0}, {0, false, 1}};
  for (size_t f = 0; f < std::size(frames); ++f) {
    std::vector<std::vector<uint8_t>> payloads;
    ASSERT_TRUE(packetizer.packetize_layered(frame, frames[f].tid, frames[f].sync, payloads));
    ASSERT_EQ(payloads.size(), 2u);
    std::vector<uint8_t> joined;
    for (size_t i = 0; i < payloads.size(); ++i) {
      codec::Vp8PayloadDescriptor d;
      ASSERT_EQ(codec::parse_vp8_payload_descriptor(payloads[i], d), codec::Vp8ParseError::kOk);
      EXPECT_EQ(d.picture_id, 5 + f);
      EXPECT_TRUE(d.has_tl0_pic_idx);
      EXPECT_EQ(d.tl0_pic_idx, frames[f].tl0_pic_idx) << "frame " << f;
      EXPECT_TRUE(d.has_tid);
      EXPECT_EQ(d.tid, frames[f].tid);
      EXPECT_EQ(d.layer_sync, frames[f].sync);
      EXPECT_EQ(d.size, 6u);
      joined.insert(joined.end(), payloads[i].begin() + 6, payloads[i].end());
    }
    EXPECT_EQ(joined, frame);
  }

  // TL0PICIDX wraps at 256.
  std::vector<std::vector<uint8_t>> payloads;
  codec::Vp8PayloadDescriptor d;
  for (int i = 0; i < 255; ++i) ASSERT_TRUE(packetizer.packetize_layered(frame, 0, false, payloads));
  ASSERT_EQ(codec::parse_vp8_payload_descriptor(payloads[0], d), codec::Vp8ParseError::kOk);
  EXPECT_EQ(d.tl0_pic_idx, 0);
}

TEST(Vp8Packetizer, RejectsEmptyFrameAndTinyLimit) {
  std::vector<std::vector<uint8_t>> payloads(2);
  Vp8Packetizer packetizer;
  EXPECT_FALSE(packetizer.packetize({}, payloads));
  EXPECT_TRUE(payloads.empty());
  EXPECT_EQ(packetizer.next_picture_id(), 0);

  Vp8Packetizer tiny(4);
  const std::vector<uint8_t> frame = make_frame(10);
  EXPECT_FALSE(tiny.packetize(frame, payloads));
  Vp8Packetizer smallest(5);
  ASSERT_TRUE(smallest.packetize(frame, payloads));
  EXPECT_EQ(payloads.size(), 10u);
}

}  // namespace
}  // namespace sightline::media

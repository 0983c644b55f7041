// Tests of the VP8 payload descriptor parser, writer and picture id rewriter.
#include "relay/codec/vp8_payload_descriptor.h"

#include <gtest/gtest.h>

#include <vector>

namespace sightline::codec {
namespace {

Vp8ParseError parse(const std::vector<uint8_t>& bytes, Vp8PayloadDescriptor& out) {
  return parse_vp8_payload_descriptor(ByteView(bytes.data(), bytes.size()), out);
}

// X=1 N=1 S=1 PID=2; I L T K; 15-bit picture id 0x1234; TL0PICIDX 0x56;
// TID=2 Y=1 KEYIDX=9; then two bytes of VP8 payload.
const std::vector<uint8_t> kFullPacket = {0xB2, 0xF0, 0x92, 0x34, 0x56, 0xA9, 0x9D, 0x01};
constexpr size_t kFullDescriptorBytes = 6;

TEST(Vp8Descriptor, TruncatedSamplesRejected) {
  Vp8PayloadDescriptor d;
  EXPECT_EQ(parse({0x81, 0x81, 0x94}, d), Vp8ParseError::kTruncatedPictureId);
  EXPECT_EQ(parse({0x80}, d), Vp8ParseError::kTruncatedExtension);
  EXPECT_EQ(parse({0x90, 0xE0, 0x80}, d), Vp8ParseError::kTruncatedPictureId);
  EXPECT_EQ(parse({}, d), Vp8ParseError::kEmpty);
}

TEST(Vp8Descriptor, EveryPrefixRejected) {
  for (size_t length = 0; length <= kFullDescriptorBytes; ++length) {
    std::vector<uint8_t> prefix(kFullPacket.begin(), kFullPacket.begin() + length);
    Vp8PayloadDescriptor d;
    EXPECT_NE(parse(prefix, d), Vp8ParseError::kOk) << "prefix length " << length;
  }
  std::vector<uint8_t> shortest(kFullPacket.begin(), kFullPacket.begin() + kFullDescriptorBytes + 1);
  Vp8PayloadDescriptor d;
  EXPECT_EQ(parse(shortest, d), Vp8ParseError::kOk);
}

TEST(Vp8Descriptor, PrefixReasons) {
  Vp8PayloadDescriptor d;
  EXPECT_EQ(parse({0xB2}, d), Vp8ParseError::kTruncatedExtension);
  EXPECT_EQ(parse({0xB2, 0xF0}, d), Vp8ParseError::kTruncatedPictureId);
  EXPECT_EQ(parse({0xB2, 0xF0, 0x92}, d), Vp8ParseError::kTruncatedPictureId);
  EXPECT_EQ(parse({0xB2, 0xF0, 0x92, 0x34}, d), Vp8ParseError::kTruncatedTl0PicIdx);
  EXPECT_EQ(parse({0xB2, 0xF0, 0x92, 0x34, 0x56}, d), Vp8ParseError::kTruncatedTidKeyIdx);
  EXPECT_EQ(parse({0xB2, 0xF0, 0x92, 0x34, 0x56, 0xA9}, d), Vp8ParseError::kMissingPayload);
}

TEST(Vp8Descriptor, FullParsesFieldByField) {
  Vp8PayloadDescriptor d;
  ASSERT_EQ(parse(kFullPacket, d), Vp8ParseError::kOk);
  EXPECT_TRUE(d.extended);
  EXPECT_TRUE(d.non_reference);
  EXPECT_TRUE(d.start_of_partition);
  EXPECT_EQ(d.partition_index, 2);
  EXPECT_TRUE(d.has_picture_id);
  EXPECT_TRUE(d.picture_id_16bit);
  EXPECT_EQ(d.picture_id, 0x1234);
  EXPECT_TRUE(d.has_tl0_pic_idx);
  EXPECT_EQ(d.tl0_pic_idx, 0x56);
  EXPECT_TRUE(d.has_tid);
  EXPECT_EQ(d.tid, 2);
  EXPECT_TRUE(d.layer_sync);
  EXPECT_TRUE(d.has_key_idx);
  EXPECT_EQ(d.key_idx, 9);
  EXPECT_EQ(d.size, kFullDescriptorBytes);
}

TEST(Vp8Descriptor, MinimalChromiumStyle) {
  // X=0 S=1 PID=0, as Chromium sends without picture ids; key frame header.
  Vp8PayloadDescriptor d;
  const std::vector<uint8_t> packet = {0x10, 0x50, 0x2F, 0x00};
  ASSERT_EQ(parse(packet, d), Vp8ParseError::kOk);
  EXPECT_FALSE(d.extended);
  EXPECT_TRUE(d.start_of_partition);
  EXPECT_EQ(d.partition_index, 0);
  EXPECT_FALSE(d.has_picture_id);
  EXPECT_EQ(d.size, 1u);
  EXPECT_TRUE(is_vp8_keyframe(packet, d));
}

TEST(Vp8Descriptor, SevenBitPictureIdAndKeyIdxOnly) {
  // X=1 S=0; I and K; 7-bit picture id 0x55; KEYIDX 3 without T.
  Vp8PayloadDescriptor d;
  ASSERT_EQ(parse({0x80, 0x90, 0x55, 0xC3, 0x00}, d), Vp8ParseError::kOk);
  EXPECT_TRUE(d.has_picture_id);
  EXPECT_FALSE(d.picture_id_16bit);
  EXPECT_EQ(d.picture_id, 0x55);
  EXPECT_FALSE(d.has_tl0_pic_idx);
  EXPECT_FALSE(d.has_tid);
  EXPECT_EQ(d.tid, 0);  // TID bits are ignored when T=0.
  EXPECT_TRUE(d.has_key_idx);
  EXPECT_EQ(d.key_idx, 3);
  EXPECT_EQ(d.size, 4u);
}

TEST(Vp8Descriptor, ReservedBitsIgnored) {
  Vp8PayloadDescriptor d;
  ASSERT_EQ(parse({0x5F, 0x00}, d), Vp8ParseError::kOk);
  EXPECT_FALSE(d.extended);
  EXPECT_TRUE(d.start_of_partition);
  EXPECT_EQ(d.partition_index, 7);
}

TEST(Vp8Descriptor, KeyframeDetection) {
  Vp8PayloadDescriptor d;
  const std::vector<uint8_t> key = {0x90, 0x80, 0x80, 0x01, 0x30};
  ASSERT_EQ(parse(key, d), Vp8ParseError::kOk);
  EXPECT_TRUE(is_vp8_keyframe(key, d));

  const std::vector<uint8_t> delta = {0x90, 0x80, 0x80, 0x01, 0x31};
  ASSERT_EQ(parse(delta, d), Vp8ParseError::kOk);
  EXPECT_FALSE(is_vp8_keyframe(delta, d));

  // P=0 but not the start of partition 0: a continuation, not a key frame.
  const std::vector<uint8_t> continuation = {0x80, 0x80, 0x80, 0x01, 0x30};
  ASSERT_EQ(parse(continuation, d), Vp8ParseError::kOk);
  EXPECT_FALSE(is_vp8_keyframe(continuation, d));

  const std::vector<uint8_t> partition_one = {0x11, 0x30};
  ASSERT_EQ(parse(partition_one, d), Vp8ParseError::kOk);
  EXPECT_FALSE(is_vp8_keyframe(partition_one, d));
}

TEST(Vp8Descriptor, RewriteSevenBitWraps) {
  std::vector<uint8_t> packet = {0x90, 0xC0, 0x7F, 0x11, 0xAA, 0xBB};
  Vp8PayloadDescriptor d;
  ASSERT_EQ(parse(packet, d), Vp8ParseError::kOk);
  ASSERT_TRUE(rewrite_vp8_picture_id(packet, d, 130, 0x22));
  EXPECT_EQ(packet, (std::vector<uint8_t>{0x90, 0xC0, 0x02, 0x22, 0xAA, 0xBB}));

  Vp8PayloadDescriptor reparsed;
  ASSERT_EQ(parse(packet, reparsed), Vp8ParseError::kOk);
  EXPECT_FALSE(reparsed.picture_id_16bit);
  EXPECT_EQ(reparsed.picture_id, 130 % kVp8PictureId7BitModulo);
  EXPECT_EQ(reparsed.tl0_pic_idx, 0x22);
  EXPECT_EQ(reparsed.size, d.size);
}

TEST(Vp8Descriptor, RewriteFifteenBitWraps) {
  std::vector<uint8_t> packet = kFullPacket;
  Vp8PayloadDescriptor d;
  ASSERT_EQ(parse(packet, d), Vp8ParseError::kOk);
  ASSERT_TRUE(rewrite_vp8_picture_id(packet, d, 32768 + 5, 0x77));

  Vp8PayloadDescriptor reparsed;
  ASSERT_EQ(parse(packet, reparsed), Vp8ParseError::kOk);
  EXPECT_TRUE(reparsed.picture_id_16bit);
  EXPECT_EQ(reparsed.picture_id, 5);
  EXPECT_EQ(reparsed.tl0_pic_idx, 0x77);
  // TID/KEYIDX byte and payload bytes are unchanged.
  EXPECT_EQ(packet[5], kFullPacket[5]);
  EXPECT_EQ(packet[6], kFullPacket[6]);
  EXPECT_EQ(packet[7], kFullPacket[7]);

  ASSERT_TRUE(rewrite_vp8_picture_id(packet, d, 32767, 0));
  ASSERT_EQ(parse(packet, reparsed), Vp8ParseError::kOk);
  EXPECT_EQ(reparsed.picture_id, 32767);
}

TEST(Vp8Descriptor, RewritePayloadWithPictureIdLookalike) {
  // The payload after the descriptor starts with bytes that could be read as
  // a picture id; they must stay as they were.
  std::vector<uint8_t> packet = {0x90, 0x80, 0x05, 0x80, 0x05, 0x7F};
  Vp8PayloadDescriptor d;
  ASSERT_EQ(parse(packet, d), Vp8ParseError::kOk);
  ASSERT_TRUE(rewrite_vp8_picture_id(packet, d, 9, 0));
  EXPECT_EQ(packet, (std::vector<uint8_t>{0x90, 0x80, 0x09, 0x80, 0x05, 0x7F}));
}

TEST(Vp8Descriptor, RewriteRejectsWithoutFields) {
  std::vector<uint8_t> packet = {0x10, 0x00};
  Vp8PayloadDescriptor d;
  ASSERT_EQ(parse(packet, d), Vp8ParseError::kOk);
  EXPECT_FALSE(rewrite_vp8_picture_id(packet, d, 1, 1));
  EXPECT_EQ(packet, (std::vector<uint8_t>{0x10, 0x00}));

  std::vector<uint8_t> full = kFullPacket;
  ASSERT_EQ(parse(full, d), Vp8ParseError::kOk);
  std::vector<uint8_t> too_short(full.begin(), full.begin() + 3);
  EXPECT_FALSE(rewrite_vp8_picture_id(too_short, d, 1, 1));
  EXPECT_EQ(too_short, (std::vector<uint8_t>{0xB2, 0xF0, 0x92}));
}

TEST(Vp8Descriptor, WriteRoundTrips) {
  Vp8PayloadDescriptor in;
  in.extended = true;
  in.start_of_partition = true;
  in.partition_index = 3;
  in.has_picture_id = true;
  in.picture_id_16bit = true;
  in.picture_id = 0x4321;
  in.has_tl0_pic_idx = true;
  in.tl0_pic_idx = 200;
  in.has_tid = true;
  in.tid = 1;
  in.has_key_idx = true;
  in.key_idx = 17;

  std::vector<uint8_t> buffer(kVp8MaxPayloadDescriptorBytes + 1, 0xEE);
  const size_t written = write_vp8_payload_descriptor(in, buffer);
  ASSERT_EQ(written, kVp8MaxPayloadDescriptorBytes);
  EXPECT_EQ(buffer.back(), 0xEE);

  Vp8PayloadDescriptor out;
  ASSERT_EQ(parse(buffer, out), Vp8ParseError::kOk);
  EXPECT_EQ(out.partition_index, 3);
  EXPECT_EQ(out.picture_id, 0x4321);
  EXPECT_EQ(out.tl0_pic_idx, 200);
  EXPECT_EQ(out.tid, 1);
  EXPECT_FALSE(out.layer_sync);
  EXPECT_EQ(out.key_idx, 17);
  EXPECT_EQ(out.size, written);
}

TEST(Vp8Descriptor, WriteRejectsSmallBuffer) {
  Vp8PayloadDescriptor in;
  in.has_picture_id = true;
  in.picture_id_16bit = true;
  EXPECT_EQ(vp8_payload_descriptor_size(in), 4u);
  std::vector<uint8_t> buffer(3);
  EXPECT_EQ(write_vp8_payload_descriptor(in, buffer), 0u);

  Vp8PayloadDescriptor minimal;
  minimal.start_of_partition = true;
  std::vector<uint8_t> one(1);
  ASSERT_EQ(write_vp8_payload_descriptor(minimal, one), 1u);
  EXPECT_EQ(one[0], 0x10);
}

TEST(Vp8Descriptor, ErrorNames) {
  EXPECT_EQ(to_string(Vp8ParseError::kOk), "ok");
  EXPECT_EQ(to_string(Vp8ParseError::kTruncatedPictureId), "truncated picture id");
}

}  // namespace
}  // namespace sightline::codec

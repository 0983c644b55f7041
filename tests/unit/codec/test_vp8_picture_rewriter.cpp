// Tests of VP8 picture id and TL0PICIDX continuity across simulcast layer
// switches and dropped pictures.
#include "relay/codec/vp8_picture_rewriter.h"

#include <gtest/gtest.h>

#include <vector>

namespace sightline::codec {
namespace {

constexpr uint32_t kLowLayer = 1000;
constexpr uint32_t kHighLayer = 2000;

// A payload with the given descriptor and four VP8 bytes after it.
std::vector<uint8_t> make_payload(uint16_t picture_id, bool wide, uint8_t tl0_pic_idx, uint8_t tid = 0) {
  Vp8PayloadDescriptor descriptor;
  descriptor.start_of_partition = true;
  descriptor.has_picture_id = true;
  descriptor.picture_id_16bit = wide;
  descriptor.picture_id = picture_id;
  descriptor.has_tl0_pic_idx = true;
  descriptor.tl0_pic_idx = tl0_pic_idx;
  descriptor.has_tid = true;
  descriptor.tid = tid;
  std::vector<uint8_t> payload(kVp8MaxPayloadDescriptorBytes + 4, 0);
  const size_t size = write_vp8_payload_descriptor(descriptor, MutableByteView(payload));
  payload.resize(size);
  for (uint8_t byte : {0x10, 0x02, 0x9d, 0x01}) payload.push_back(byte);
  return payload;
}

struct Rewritten {
  Vp8PayloadDescriptor descriptor;
  std::vector<uint8_t> bytes;
};

Rewritten rewrite(Vp8PictureRewriter& rewriter, uint32_t source, std::vector<uint8_t> payload) {
  Vp8PayloadDescriptor descriptor;
  EXPECT_EQ(parse_vp8_payload_descriptor(ByteView(payload), descriptor), Vp8ParseError::kOk);
  EXPECT_TRUE(rewriter.rewrite(source, MutableByteView(payload), descriptor));
  Rewritten result;
  EXPECT_EQ(parse_vp8_payload_descriptor(ByteView(payload), result.descriptor), Vp8ParseError::kOk);
  result.bytes = payload;
  return result;
}

void drop(Vp8PictureRewriter& rewriter, uint32_t source, const std::vector<uint8_t>& payload) {
  Vp8PayloadDescriptor descriptor;
  ASSERT_EQ(parse_vp8_payload_descriptor(ByteView(payload), descriptor), Vp8ParseError::kOk);
  rewriter.drop(source, descriptor);
}

TEST(Vp8PictureRewriter, FirstSourceKeepsItsNumbers) {
  Vp8PictureRewriter rewriter;
  const Rewritten first = rewrite(rewriter, kLowLayer, make_payload(1234, true, 17));
  EXPECT_EQ(first.descriptor.picture_id, 1234);
  EXPECT_EQ(first.descriptor.tl0_pic_idx, 17);
}

TEST(Vp8PictureRewriter, SwitchContinues15BitIds) {
  Vp8PictureRewriter rewriter;
  rewrite(rewriter, kLowLayer, make_payload(500, true, 40));
  rewrite(rewriter, kLowLayer, make_payload(501, true, 41));
  // The high layer numbers its pictures independently.
  const Rewritten switched = rewrite(rewriter, kHighLayer, make_payload(9000, true, 200));
  EXPECT_EQ(switched.descriptor.picture_id, 502);
  EXPECT_EQ(switched.descriptor.tl0_pic_idx, 42);
  EXPECT_TRUE(switched.descriptor.picture_id_16bit);
  const Rewritten next = rewrite(rewriter, kHighLayer, make_payload(9001, true, 201));
  EXPECT_EQ(next.descriptor.picture_id, 503);
  EXPECT_EQ(next.descriptor.tl0_pic_idx, 43);
}

TEST(Vp8PictureRewriter, Keeps7BitWidthAndWraps) {
  Vp8PictureRewriter rewriter;
  rewrite(rewriter, kLowLayer, make_payload(126, false, 254));
  const Rewritten wrapped = rewrite(rewriter, kLowLayer, make_payload(127, false, 255));
  EXPECT_EQ(wrapped.descriptor.picture_id, 127);
  // Switch to a layer whose next id would be 128: written modulo 128.
  const Rewritten switched = rewrite(rewriter, kHighLayer, make_payload(5, false, 9));
  EXPECT_FALSE(switched.descriptor.picture_id_16bit);
  EXPECT_EQ(switched.descriptor.picture_id, 0);
  EXPECT_EQ(switched.descriptor.tl0_pic_idx, 0);
  // The descriptor size did not change, so the payload bytes stay in place.
  EXPECT_EQ(switched.bytes.size(), make_payload(5, false, 9).size());
  const Rewritten next = rewrite(rewriter, kHighLayer, make_payload(6, false, 10));
  EXPECT_EQ(next.descriptor.picture_id, 1);
  EXPECT_EQ(next.descriptor.tl0_pic_idx, 1);
}

TEST(Vp8PictureRewriter, Wraps15BitIdsAfterSwitch) {
  Vp8PictureRewriter rewriter;
  rewrite(rewriter, kLowLayer, make_payload(32766, true, 1));
  const Rewritten switched = rewrite(rewriter, kHighLayer, make_payload(10, true, 1));
  EXPECT_EQ(switched.descriptor.picture_id, 32767);
  const Rewritten wrapped = rewrite(rewriter, kHighLayer, make_payload(11, true, 2));
  EXPECT_EQ(wrapped.descriptor.picture_id, 0);
  // The source itself wraps later: the output follows.
  rewrite(rewriter, kHighLayer, make_payload(32767, true, 3));
  const Rewritten source_wrapped = rewrite(rewriter, kHighLayer, make_payload(0, true, 3));
  EXPECT_EQ(source_wrapped.descriptor.picture_id, static_cast<uint16_t>((0 + 32767 - 10 + 32768) % 32768));
}

TEST(Vp8PictureRewriter, ClosesGapsOfDroppedPictures) {
  Vp8PictureRewriter rewriter;
  rewrite(rewriter, kLowLayer, make_payload(100, true, 7, 0));
  // Pictures 101 and 103 are of temporal layer 2 and dropped; 102 is TL1.
  drop(rewriter, kLowLayer, make_payload(101, true, 7, 2));
  drop(rewriter, kLowLayer, make_payload(101, true, 7, 2));  // a second packet of the same picture
  const Rewritten tl1 = rewrite(rewriter, kLowLayer, make_payload(102, true, 7, 1));
  EXPECT_EQ(tl1.descriptor.picture_id, 101);
  EXPECT_EQ(tl1.descriptor.tl0_pic_idx, 7);
  drop(rewriter, kLowLayer, make_payload(103, true, 7, 2));
  const Rewritten tl0 = rewrite(rewriter, kLowLayer, make_payload(104, true, 8, 0));
  EXPECT_EQ(tl0.descriptor.picture_id, 102);
  EXPECT_EQ(tl0.descriptor.tl0_pic_idx, 8);
}

TEST(Vp8PictureRewriter, LeavesPayloadAfterDescriptor) {
  Vp8PictureRewriter rewriter;
  rewrite(rewriter, kLowLayer, make_payload(300, true, 3));
  const std::vector<uint8_t> original = make_payload(77, true, 90);
  const Rewritten switched = rewrite(rewriter, kHighLayer, original);
  ASSERT_EQ(switched.bytes.size(), original.size());
  const size_t descriptor_size = switched.descriptor.size;
  for (size_t i = descriptor_size; i < original.size(); ++i) EXPECT_EQ(switched.bytes[i], original[i]) << i;
  EXPECT_EQ(switched.bytes[0], original[0]);
}

TEST(Vp8PictureRewriter, RejectsShortPayload) {
  Vp8PictureRewriter rewriter;
  std::vector<uint8_t> payload = make_payload(1, true, 1);
  Vp8PayloadDescriptor descriptor;
  ASSERT_EQ(parse_vp8_payload_descriptor(ByteView(payload), descriptor), Vp8ParseError::kOk);
  EXPECT_FALSE(rewriter.rewrite(kLowLayer, MutableByteView(payload).first(descriptor.size - 1), descriptor));
}

}  // namespace
}  // namespace sightline::codec

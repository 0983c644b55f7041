// Tests of VP8 frame reassembly on synthetic frames: reordering, sequence
// number wrap, duplicates, loss, padding and malformed descriptors.
#include "tools/media/vp8_frame_assembler.h"

#include <gtest/gtest.h>

#include <vector>

#include "tools/media/vp8_packetizer.h"

namespace sightline::media {
namespace {

struct Packet {
  uint16_t sequence_number;
  uint32_t timestamp;
  bool marker;
  std::vector<uint8_t> payload;
};

// A synthetic VP8 frame whose first byte carries the inverse key frame bit
// (RFC 7741 section 4.3) and whose other bytes encode the frame index.
std::vector<uint8_t> make_frame(int index, bool keyframe, size_t size) {
  std::vector<uint8_t> frame(size, static_cast<uint8_t>(index));
  frame[0] = keyframe ? 0x00 : 0x01;
  return frame;
}

class AssemblerTest : public testing::Test {
 protected:
  // Appends the packets of one frame of `size` bytes, 3 per packet at most.
  void add_frame(int index, bool keyframe, size_t size = 7) {
    std::vector<std::vector<uint8_t>> payloads;
    ASSERT_TRUE(packetizer_.packetize(make_frame(index, keyframe, size), payloads));
    for (size_t i = 0; i < payloads.size(); ++i) {
      packets_.push_back({next_sequence_number_++, static_cast<uint32_t>(index * 6000), i + 1 == payloads.size(), payloads[i]});
    }
  }

  void insert(const Packet& p) { assembler_.insert({p.sequence_number, p.timestamp, p.marker, p.payload}); }
  void insert_all() {
    for (const Packet& p : packets_) insert(p);
  }

  std::vector<int> delivered_;
  std::vector<bool> keyframes_;
  Vp8Packetizer packetizer_{7};  // 4-byte descriptor + 3 bytes of frame.
  uint16_t next_sequence_number_ = 100;
  std::vector<Packet> packets_;
  Vp8FrameAssembler assembler_{[this](const Vp8AssembledFrame& frame) {
    const int index = static_cast<int>(frame.rtp_timestamp / 6000);
    delivered_.push_back(index);
    keyframes_.push_back(frame.keyframe);
    ASSERT_FALSE(frame.bytes.empty());
    EXPECT_EQ(frame.bytes[0], frame.keyframe ? 0x00 : 0x01);
    for (size_t i = 1; i < frame.bytes.size(); ++i) EXPECT_EQ(frame.bytes[i], index) << "byte " << i;
  }};
};

TEST_F(AssemblerTest, InOrderFrames) {
  add_frame(0, true);
  add_frame(1, false);
  add_frame(2, false, 1);  // A single-packet frame.
  insert_all();
  assembler_.flush();
  EXPECT_EQ(delivered_, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(keyframes_, (std::vector<bool>{true, false, false}));
  EXPECT_EQ(assembler_.stats().frames_delivered, 3u);
  EXPECT_FALSE(assembler_.waiting_for_keyframe());
  EXPECT_FALSE(assembler_.take_keyframe_request());
}

TEST_F(AssemblerTest, ReorderedWithinWindow) {
  for (int i = 0; i < 6; ++i) add_frame(i, i == 0);
  // Swap pairs, including the first two packets of the stream.
  for (size_t i = 0; i + 1 < packets_.size(); i += 2) std::swap(packets_[i], packets_[i + 1]);
  insert_all();
  assembler_.flush();
  EXPECT_EQ(delivered_, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(assembler_.stats().packets_lost, 0u);
  EXPECT_EQ(assembler_.stats().packets_late, 0u);
}

TEST_F(AssemblerTest, SequenceNumberWrap) {
  next_sequence_number_ = 65533;
  for (int i = 0; i < 4; ++i) add_frame(i, i == 0);
  std::swap(packets_[2], packets_[3]);  // 65535 and 0 swapped.
  insert_all();
  assembler_.flush();
  EXPECT_EQ(delivered_, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(assembler_.stats().packets_lost, 0u);
}

TEST_F(AssemblerTest, DuplicatesAndLateCounted) {
  for (int i = 0; i < 4; ++i) add_frame(i, i == 0);
  insert_all();
  insert(packets_[packets_.size() - 1]);  // A duplicate of the last packet, already consumed.
  insert(packets_[0]);                    // Long consumed.
  assembler_.flush();
  EXPECT_EQ(delivered_, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(assembler_.stats().packets_late, 2u);
}

TEST_F(AssemblerTest, LossRequestsKeyframeAndDropsDeltas) {
  for (int i = 0; i < 8; ++i) add_frame(i, i == 0 || i == 6);
  // Frame 2 is packets 6..8 of the stream. Its middle packet is lost.
  packets_.erase(packets_.begin() + 7);
  insert_all();
  assembler_.flush();

  // Frames 2 (incomplete), 3, 4 and 5 (deltas after the loss) are not delivered.
  EXPECT_EQ(delivered_, (std::vector<int>{0, 1, 6, 7}));
  EXPECT_EQ(assembler_.stats().packets_lost, 1u);
  EXPECT_EQ(assembler_.stats().frames_incomplete, 1u);
  EXPECT_EQ(assembler_.stats().delta_frames_dropped, 3u);
  EXPECT_FALSE(assembler_.waiting_for_keyframe());
  // The key frame arrived, so no request remains.
  EXPECT_FALSE(assembler_.take_keyframe_request());
}

TEST_F(AssemblerTest, LossDetectedAfterWindow) {
  for (int i = 0; i < 6; ++i) add_frame(i, i == 0);
  const size_t lost = 4;  // Second packet of frame 1.
  for (size_t i = 0; i < packets_.size(); ++i) {
    if (i == lost) continue;
    insert(packets_[i]);
    // The gap is declared once a packet arrives kDefaultVp8ReorderWindowPackets after it.
    const bool past_window = i >= lost + kDefaultVp8ReorderWindowPackets;
    EXPECT_EQ(assembler_.stats().packets_lost, past_window ? 1u : 0u) << "after packet " << i;
  }
  EXPECT_TRUE(assembler_.waiting_for_keyframe());
  EXPECT_TRUE(assembler_.take_keyframe_request());
  EXPECT_FALSE(assembler_.take_keyframe_request());
  EXPECT_EQ(delivered_, (std::vector<int>{0}));
}

TEST_F(AssemblerTest, StartWithoutKeyframeRequestsOne) {
  add_frame(0, false);
  add_frame(1, false);
  insert_all();
  assembler_.flush();
  EXPECT_TRUE(assembler_.take_keyframe_request());
  EXPECT_TRUE(delivered_.empty());

  packets_.clear();
  add_frame(2, true);
  insert_all();
  assembler_.flush();
  EXPECT_FALSE(assembler_.take_keyframe_request());
  EXPECT_EQ(delivered_, (std::vector<int>{2}));
  EXPECT_EQ(assembler_.stats().delta_frames_dropped, 2u);
  EXPECT_EQ(assembler_.stats().packets_lost, 0u);
}

TEST_F(AssemblerTest, PaddingFillsSequenceNumber) {
  add_frame(0, true);
  packets_.push_back({next_sequence_number_++, 0, false, {}});
  add_frame(1, false);
  insert_all();
  assembler_.flush();
  EXPECT_EQ(delivered_, (std::vector<int>{0, 1}));
  EXPECT_EQ(assembler_.stats().packets_lost, 0u);
}

TEST_F(AssemblerTest, MalformedDescriptorBreaksFrame) {
  add_frame(0, true);
  add_frame(1, false);
  add_frame(2, true);
  packets_[4].payload = {0x80};  // X=1 with no extension byte, in frame 1.
  insert_all();
  assembler_.flush();
  EXPECT_EQ(delivered_, (std::vector<int>{0, 2}));
  EXPECT_EQ(assembler_.stats().packets_malformed, 1u);
  EXPECT_EQ(assembler_.stats().frames_incomplete, 1u);
}

TEST_F(AssemblerTest, LargeJumpCountsLoss) {
  add_frame(0, true);
  insert_all();
  packets_.clear();
  next_sequence_number_ = static_cast<uint16_t>(next_sequence_number_ + 1000);
  add_frame(1, true);
  insert_all();
  assembler_.flush();
  EXPECT_EQ(delivered_, (std::vector<int>{0, 1}));
  EXPECT_EQ(assembler_.stats().packets_lost, 1000u);
}

}  // namespace
}  // namespace sightline::media

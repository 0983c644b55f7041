// FrameReader: RFC 4571 frames out of a byte stream cut at any point.
#include "relay/net/rfc4571_framing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace sightline::net {
namespace {

constexpr size_t kMaxFrame = 2048;
constexpr size_t kBuffer = 4096;

std::vector<uint8_t> framed(const std::string& payload) {
  std::vector<uint8_t> out(kFrameHeaderBytes + payload.size());
  write_frame_header(out.data(), payload.size());
  std::memcpy(out.data() + kFrameHeaderBytes, payload.data(), payload.size());
  return out;
}

std::vector<uint8_t> header_only(size_t length) {
  std::vector<uint8_t> out(kFrameHeaderBytes);
  write_frame_header(out.data(), length);
  return out;
}

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// Feeds bytes in reads of at most `step` bytes and records what next() gives.
struct Outcome {
  std::vector<std::string> frames;
  int empty = 0;
  int oversize = 0;
};

Outcome feed(FrameReader& reader, const std::vector<uint8_t>& bytes, size_t step) {
  Outcome outcome;
  size_t offset = 0;
  while (offset < bytes.size()) {
    const MutableByteView space = reader.receive_space();
    EXPECT_FALSE(space.empty()) << "no room to receive at offset " << offset;
    if (space.empty()) break;
    const size_t count = std::min({step, space.size(), bytes.size() - offset});
    std::memcpy(space.data(), bytes.data() + offset, count);
    reader.received(count);
    offset += count;
    MutableByteView frame;
    for (;;) {
      const FrameReader::Result result = reader.next(&frame);
      if (result == FrameReader::Result::need_more) break;
      if (result == FrameReader::Result::skipped_empty) ++outcome.empty;
      if (result == FrameReader::Result::skipped_oversize) ++outcome.oversize;
      if (result == FrameReader::Result::frame) outcome.frames.emplace_back(frame.begin(), frame.end());
    }
  }
  return outcome;
}

TEST(FrameReader, WholeFrameInOneRead) {
  FrameReader reader(kMaxFrame, kBuffer);
  const Outcome outcome = feed(reader, framed("binding request"), 1000);
  ASSERT_EQ(outcome.frames.size(), 1u);
  EXPECT_EQ(outcome.frames[0], "binding request");
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(FrameReader, FrameSplitAtEveryByte) {
  // One byte per read: the cut falls inside the prefix and inside the payload.
  FrameReader reader(kMaxFrame, kBuffer);
  const Outcome outcome = feed(reader, concat({framed("first"), framed("second packet")}), 1);
  ASSERT_EQ(outcome.frames.size(), 2u);
  EXPECT_EQ(outcome.frames[0], "first");
  EXPECT_EQ(outcome.frames[1], "second packet");
}

TEST(FrameReader, SeveralFramesInOneRead) {
  FrameReader reader(kMaxFrame, kBuffer);
  const Outcome outcome = feed(reader, concat({framed("a"), framed("bb"), framed("ccc")}), 4096);
  ASSERT_EQ(outcome.frames.size(), 3u);
  EXPECT_EQ(outcome.frames[0], "a");
  EXPECT_EQ(outcome.frames[1], "bb");
  EXPECT_EQ(outcome.frames[2], "ccc");
}

TEST(FrameReader, ZeroLengthFramesAreSkippedAndCounted) {
  FrameReader reader(kMaxFrame, kBuffer);
  const Outcome outcome = feed(reader, concat({header_only(0), framed("media"), header_only(0)}), 3);
  EXPECT_EQ(outcome.empty, 2);
  ASSERT_EQ(outcome.frames.size(), 1u);
  EXPECT_EQ(outcome.frames[0], "media");
}

TEST(FrameReader, OversizeFrameIsSkippedWholeAndFramingRecovers) {
  // A 3000-byte frame, larger than the 2048 accepted: its bytes are
  // discarded as they arrive, across reads, and the next frame is intact.
  FrameReader reader(kMaxFrame, kBuffer);
  const std::string big(3000, 'x');
  for (const size_t step : {size_t{1}, size_t{7}, size_t{1500}, size_t{4096}}) {
    reader.reset();
    const Outcome outcome = feed(reader, concat({framed("before"), framed(big), framed("after")}), step);
    EXPECT_EQ(outcome.oversize, 1) << "step " << step;
    ASSERT_EQ(outcome.frames.size(), 2u) << "step " << step;
    EXPECT_EQ(outcome.frames[0], "before");
    EXPECT_EQ(outcome.frames[1], "after");
  }
}

TEST(FrameReader, LargestAcceptedFrameFitsAfterPartialData) {
  // A partial small frame first, then a frame of exactly the largest
  // accepted size: the buffer always has room for the rest of it.
  FrameReader reader(kMaxFrame, kFrameHeaderBytes + kMaxFrame);
  const std::string largest(kMaxFrame, 'm');
  for (const size_t step : {size_t{1}, size_t{5}, size_t{1000}, size_t{2049}}) {
    reader.reset();
    const Outcome outcome = feed(reader, concat({framed("s"), framed(largest), framed("t")}), step);
    ASSERT_EQ(outcome.frames.size(), 3u) << "step " << step;
    EXPECT_EQ(outcome.frames[1], largest);
    EXPECT_EQ(outcome.frames[2], "t");
  }
}

TEST(FrameReader, FrameOneOverTheLimitIsOversize) {
  FrameReader reader(kMaxFrame, kBuffer);
  const Outcome outcome = feed(reader, framed(std::string(kMaxFrame + 1, 'o')), 4096);
  EXPECT_EQ(outcome.oversize, 1);
  EXPECT_TRUE(outcome.frames.empty());
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(FrameReader, GarbageNeverOverrunsTheBuffer) {
  // Pseudo-random bytes: every length read from them is honoured or
  // skipped, never read past, and the reader always has room to receive.
  FrameReader reader(kMaxFrame, kBuffer);
  std::vector<uint8_t> garbage(200'000);
  uint32_t state = 12345;
  for (uint8_t& byte : garbage) {
    state = state * 1103515245u + 12345u;
    byte = static_cast<uint8_t>(state >> 16);
  }
  for (const size_t step : {size_t{1}, size_t{333}, size_t{4096}}) {
    reader.reset();
    const Outcome outcome = feed(reader, garbage, step);
    for (const std::string& frame : outcome.frames) EXPECT_LE(frame.size(), kMaxFrame);
    EXPECT_LE(reader.buffered(), kBuffer);
  }
}

TEST(FrameReader, FrameMayBeModifiedInPlace) {
  FrameReader reader(kMaxFrame, kBuffer);
  const std::vector<uint8_t> bytes = concat({framed("abc"), framed("def")});
  const MutableByteView space = reader.receive_space();
  std::memcpy(space.data(), bytes.data(), bytes.size());
  reader.received(bytes.size());
  MutableByteView frame;
  ASSERT_EQ(reader.next(&frame), FrameReader::Result::frame);
  std::fill(frame.begin(), frame.end(), uint8_t{'z'});  // as SRTP decryption does
  ASSERT_EQ(reader.next(&frame), FrameReader::Result::frame);
  EXPECT_EQ(std::string(frame.begin(), frame.end()), "def");
}

TEST(FrameReader, HeaderWritesBigEndianLength) {
  uint8_t header[2] = {};
  write_frame_header(header, 0x1234);
  EXPECT_EQ(header[0], 0x12);
  EXPECT_EQ(header[1], 0x34);
}

}  // namespace
}  // namespace sightline::net

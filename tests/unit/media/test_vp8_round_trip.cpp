// End-to-end tests of the peer's video path on the foreman clip: encode,
// packetize, reorder, reassemble, decode, compare with the source.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tests/support/shared_test_data.h"
#include "tools/media/psnr.h"
#include "tools/media/vp8_decoder.h"
#include "tools/media/vp8_encoder.h"
#include "tools/media/vp8_frame_assembler.h"
#include "tools/media/vp8_packetizer.h"
#include "tools/media/y4m_reader.h"

namespace sightline::media {
namespace {

const char kForemanFile[] = "video/talking_foreman_cif_15fps_4.3s.y4m";
constexpr int kForemanFrames = 65;
constexpr uint32_t kTicksPerFrame = kVp8TimestampHz / 15;

std::vector<I420Frame> read_foreman() {
  std::string error;
  auto reader = Y4mReader::open(test::shared_test_file(kForemanFile), false, error);
  EXPECT_NE(reader, nullptr) << error;
  std::vector<I420Frame> frames;
  if (reader == nullptr) return frames;
  I420Frame frame;
  while (reader->read_frame(frame)) frames.push_back(frame);
  EXPECT_EQ(reader->error(), "");
  return frames;
}

struct SentPacket {
  uint16_t sequence_number;
  uint32_t timestamp;
  bool marker;
  std::vector<uint8_t> payload;
};

// Packetizes one encoded frame into RTP packets with consecutive sequence numbers.
void append_packets(Vp8Packetizer& packetizer, const EncodedFrame& encoded, uint32_t timestamp,
                    uint16_t& next_sequence_number, std::vector<SentPacket>& out) {
  std::vector<std::vector<uint8_t>> payloads;
  ASSERT_TRUE(packetizer.packetize(encoded.bytes, payloads));
  for (size_t i = 0; i < payloads.size(); ++i) {
    out.push_back({next_sequence_number++, timestamp, i + 1 == payloads.size(), payloads[i]});
  }
}

Vp8RtpPacket as_rtp(const SentPacket& p) { return {p.sequence_number, p.timestamp, p.marker, p.payload}; }

std::unique_ptr<Vp8Encoder> make_encoder() {
  Vp8EncoderConfig config;  // CIF, 15 fps, 600 kbps.
  std::string error;
  auto encoder = Vp8Encoder::create(config, error);
  EXPECT_NE(encoder, nullptr) << error;
  return encoder;
}

TEST(Vp8RoundTrip, ShuffledPacketsDecodeAbove30Db) {
  const std::vector<I420Frame> source = read_foreman();
  ASSERT_EQ(source.size(), static_cast<size_t>(kForemanFrames));
  auto encoder = make_encoder();
  ASSERT_NE(encoder, nullptr);

  // Start near the wrap so reassembly crosses sequence number 65535 -> 0.
  Vp8Packetizer packetizer(kDefaultVp8MaxPayloadBytes);
  uint16_t sequence_number = 65500;
  std::vector<SentPacket> packets;
  std::vector<EncodedFrame> encoded;
  size_t encoded_bytes = 0;
  int keyframes = 0;
  for (size_t i = 0; i < source.size(); ++i) {
    ASSERT_TRUE(encoder->encode(source[i], static_cast<int64_t>(i * kTicksPerFrame), encoded)) << encoder->last_error();
    ASSERT_EQ(encoded.size(), 1u) << "frame " << i;
    keyframes += encoded[0].keyframe ? 1 : 0;
    encoded_bytes += encoded[0].bytes.size();
    append_packets(packetizer, encoded[0], static_cast<uint32_t>(i * kTicksPerFrame), sequence_number, packets);
  }
  EXPECT_EQ(keyframes, 1);  // Only the first frame without a request.
  for (const SentPacket& p : packets) EXPECT_LE(p.payload.size(), kDefaultVp8MaxPayloadBytes);

  // Reorder within consecutive windows of three packets.
  std::mt19937 random(7);
  for (size_t start = 0; start + 3 <= packets.size(); start += 3) {
    std::shuffle(packets.begin() + static_cast<ptrdiff_t>(start), packets.begin() + static_cast<ptrdiff_t>(start + 3), random);
  }

  std::string error;
  auto decoder = Vp8Decoder::create(error);
  ASSERT_NE(decoder, nullptr) << error;
  std::vector<uint32_t> timestamps;
  double psnr_sum = 0;
  I420Frame decoded;
  Vp8FrameAssembler assembler([&](const Vp8AssembledFrame& frame) {
    const DecodeResult result = decoder->decode(frame.bytes, decoded);
    ASSERT_EQ(result.status, DecodeStatus::kOk) << result.message;
    const size_t index = frame.rtp_timestamp / kTicksPerFrame;
    ASSERT_LT(index, source.size());
    const auto psnr = compute_psnr(source[index], decoded);
    ASSERT_TRUE(psnr.has_value());
    psnr_sum += psnr->y_db;
    timestamps.push_back(frame.rtp_timestamp);
    EXPECT_TRUE(frame.has_picture_id);
    EXPECT_EQ(frame.picture_id, index);
  });
  for (const SentPacket& p : packets) assembler.insert(as_rtp(p));
  assembler.flush();

  ASSERT_EQ(timestamps.size(), source.size());
  for (size_t i = 0; i < timestamps.size(); ++i) EXPECT_EQ(timestamps[i], i * kTicksPerFrame);
  EXPECT_EQ(assembler.stats().packets_lost, 0u);
  EXPECT_EQ(assembler.stats().frames_incomplete, 0u);
  EXPECT_FALSE(assembler.take_keyframe_request());

  const double mean_psnr = psnr_sum / static_cast<double>(timestamps.size());
  const double kbps = static_cast<double>(encoded_bytes) * 8 / (kForemanFrames / 15.0) / 1000;
  std::printf("foreman CIF 15 fps at 600 kbps target: %.1f kbps actual, mean Y PSNR %.2f dB over %zu frames, %zu packets\n",
              kbps, mean_psnr, timestamps.size(), packets.size());
  EXPECT_GT(mean_psnr, 30.0);
}

TEST(Vp8RoundTrip, KeyframeRequestHonoured) {
  const std::vector<I420Frame> source = read_foreman();
  ASSERT_GE(source.size(), 10u);
  auto encoder = make_encoder();
  ASSERT_NE(encoder, nullptr);
  std::vector<EncodedFrame> encoded;
  for (int i = 0; i < 10; ++i) {
    if (i == 6) encoder->request_keyframe();
    ASSERT_TRUE(encoder->encode(source[static_cast<size_t>(i)], i * kTicksPerFrame, encoded));
    ASSERT_EQ(encoded.size(), 1u);
    EXPECT_EQ(encoded[0].keyframe, i == 0 || i == 6) << "frame " << i;
    EXPECT_EQ(encoded[0].pts, i * kTicksPerFrame);
  }
}

TEST(Vp8RoundTrip, EncoderRejectsWrongSize) {
  auto encoder = make_encoder();
  ASSERT_NE(encoder, nullptr);
  I420Frame small;
  small.resize(176, 144);
  std::vector<EncodedFrame> encoded;
  EXPECT_FALSE(encoder->encode(small, 0, encoded));
  EXPECT_EQ(encoder->last_error(), "VP8 encoder input is 176x144, expected 352x288");
}

TEST(Vp8RoundTrip, EncoderRejectsInvalidConfig) {
  Vp8EncoderConfig config;
  config.target_bitrate_kbps = 0;
  std::string error;
  EXPECT_EQ(Vp8Encoder::create(config, error), nullptr);
  EXPECT_EQ(error, "invalid VP8 target bitrate 0 kbps: must be positive");
}

// With three temporal layers, layer 0 must decode by itself: a receiver
// that drops layers 1 and 2 (as analysis does) gets the same pictures for
// the layer 0 frames as one that decodes everything.
TEST(Vp8RoundTrip, TemporalLayerZeroDecodesAlone) {
  const std::vector<I420Frame> source = read_foreman();
  ASSERT_EQ(source.size(), static_cast<size_t>(kForemanFrames));
  Vp8EncoderConfig config;
  config.temporal_layers = 3;
  std::string error;
  auto encoder = Vp8Encoder::create(config, error);
  ASSERT_NE(encoder, nullptr) << error;
  auto full = Vp8Decoder::create(error);
  auto base_only = Vp8Decoder::create(error);
  ASSERT_NE(full, nullptr);
  ASSERT_NE(base_only, nullptr);

  std::vector<EncodedFrame> encoded;
  I420Frame full_picture;
  I420Frame base_picture;
  int base_frames = 0;
  double lowest_psnr = 100;
  for (size_t i = 0; i < source.size(); ++i) {
    ASSERT_TRUE(encoder->encode(source[i], static_cast<int64_t>(i * kTicksPerFrame), encoded)) << encoder->last_error();
    ASSERT_EQ(encoded.size(), 1u);
    const EncodedFrame& frame = encoded[0];
    const uint8_t expected_layer = std::array<uint8_t, 4>{0, 2, 1, 2}[i % 4];
    EXPECT_EQ(frame.temporal_layer, expected_layer) << "frame " << i;
    EXPECT_EQ(frame.layer_sync, i == 0 || expected_layer == 1) << "frame " << i;
    ASSERT_EQ(full->decode(frame.bytes, full_picture).status, DecodeStatus::kOk) << "frame " << i;
    if (frame.temporal_layer != 0) continue;
    ASSERT_EQ(base_only->decode(frame.bytes, base_picture).status, DecodeStatus::kOk) << "frame " << i;
    ++base_frames;
    EXPECT_EQ(base_picture.data, full_picture.data) << "layer 0 frame " << i << " differs without layers 1 and 2";
    lowest_psnr = std::min(lowest_psnr, compute_psnr(source[i], base_picture)->y_db);
  }
  EXPECT_EQ(base_frames, (kForemanFrames + 3) / 4);
  EXPECT_GT(lowest_psnr, 28.0);
}

TEST(Vp8RoundTrip, EncoderRejectsTwoTemporalLayers) {
  Vp8EncoderConfig config;
  config.temporal_layers = 2;
  std::string error;
  EXPECT_EQ(Vp8Encoder::create(config, error), nullptr);
  EXPECT_EQ(error, "invalid VP8 temporal layer count 2: must be 1 or 3");
}

TEST(Vp8RoundTrip, LostDeltaPacketSkipsUntilKeyframe) {
  const std::vector<I420Frame> source = read_foreman();
  ASSERT_EQ(source.size(), static_cast<size_t>(kForemanFrames));
  auto encoder = make_encoder();
  ASSERT_NE(encoder, nullptr);
  std::string error;
  auto decoder = Vp8Decoder::create(error);
  ASSERT_NE(decoder, nullptr) << error;

  std::vector<size_t> delivered;
  std::vector<bool> delivered_keyframe;
  I420Frame decoded;
  Vp8FrameAssembler assembler([&](const Vp8AssembledFrame& frame) {
    const DecodeResult result = decoder->decode(frame.bytes, decoded);
    EXPECT_EQ(result.status, DecodeStatus::kOk) << result.message;
    delivered.push_back(frame.rtp_timestamp / kTicksPerFrame);
    delivered_keyframe.push_back(frame.keyframe);
  });

  // The receiver's PLI reaches the encoder before the next frame: a
  // one-frame round trip.
  constexpr size_t kDamagedFrame = 10;
  Vp8Packetizer packetizer;
  uint16_t sequence_number = 1000;
  std::vector<EncodedFrame> encoded;
  int keyframe_requests = 0;
  size_t keyframe_sent_at = 0;
  for (size_t i = 0; i < source.size(); ++i) {
    if (assembler.take_keyframe_request()) {
      ++keyframe_requests;
      encoder->request_keyframe();
    }
    ASSERT_TRUE(encoder->encode(source[i], static_cast<int64_t>(i * kTicksPerFrame), encoded));
    ASSERT_EQ(encoded.size(), 1u);
    if (i > 0 && encoded[0].keyframe && keyframe_sent_at == 0) keyframe_sent_at = i;

    std::vector<SentPacket> packets;
    append_packets(packetizer, encoded[0], static_cast<uint32_t>(i * kTicksPerFrame), sequence_number, packets);
    if (i == kDamagedFrame) {
      ASSERT_FALSE(encoded[0].keyframe);
      ASSERT_GE(packets.size(), 2u);
      packets.erase(packets.begin() + 1);  // Second packet of a delta frame.
    }
    for (const SentPacket& p : packets) assembler.insert(as_rtp(p));
  }
  assembler.flush();

  EXPECT_EQ(assembler.stats().packets_lost, 1u);
  EXPECT_EQ(assembler.stats().frames_incomplete, 1u);
  EXPECT_GE(keyframe_requests, 1);
  ASSERT_GT(keyframe_sent_at, kDamagedFrame);

  // Frames before the loss and from the key frame on arrive; the damaged
  // frame and the delta frames between are held back and counted.
  const size_t skipped = keyframe_sent_at - kDamagedFrame;
  EXPECT_EQ(assembler.stats().delta_frames_dropped, skipped - 1);
  ASSERT_EQ(delivered.size(), source.size() - skipped);
  for (size_t i = 0; i < delivered.size(); ++i) {
    const size_t expected = i < kDamagedFrame ? i : i + skipped;
    EXPECT_EQ(delivered[i], expected);
  }
  EXPECT_TRUE(delivered_keyframe[kDamagedFrame]);
  std::printf("loss at frame %zu: key frame sent at frame %zu after %d request(s)\n", kDamagedFrame, keyframe_sent_at,
              keyframe_requests);
}

}  // namespace
}  // namespace sightline::media

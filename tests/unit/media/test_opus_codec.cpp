// Tests of the Opus encoder and decoder on a 440 Hz tone: level and pitch
// survive the round trip, and lost packets are concealed or recovered by FEC.
#include "tools/media/opus_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "tools/media/audio_source.h"

namespace sightline::media {
namespace {

constexpr double kToneHz = 440.0;
constexpr int kFrames = 50;  // One second.

double rms(const std::vector<int16_t>& samples) {
  double sum = 0;
  for (int16_t s : samples) sum += static_cast<double>(s) * s;
  return std::sqrt(sum / static_cast<double>(samples.size()));
}

// Goertzel filter power of `samples` at `frequency_hz`, normalised by length.
double goertzel_power(const std::vector<int16_t>& samples, double frequency_hz) {
  const double coefficient = 2 * std::cos(2 * std::numbers::pi * frequency_hz / kOpusSampleRateHz);
  double previous = 0;
  double before_previous = 0;
  for (int16_t s : samples) {
    const double current = s + coefficient * previous - before_previous;
    before_previous = previous;
    previous = current;
  }
  const double power = previous * previous + before_previous * before_previous - coefficient * previous * before_previous;
  return power / static_cast<double>(samples.size() * samples.size());
}

// Encodes one second of the tone and decodes it, skipping the first 100 ms
// while the codec settles.
struct RoundTrip {
  std::vector<int16_t> input;
  std::vector<int16_t> output;
};

RoundTrip round_trip(int channels) {
  std::string error;
  OpusEncoderConfig config;
  config.channels = channels;
  auto encoder = OpusAudioEncoder::create(config, error);
  EXPECT_NE(encoder, nullptr) << error;
  auto decoder = OpusAudioDecoder::create(channels, error);
  EXPECT_NE(decoder, nullptr) << error;
  RoundTrip result;
  if (!encoder || !decoder) return result;

  ToneGenerator tone(kToneHz, 8000, channels);
  std::vector<int16_t> pcm;
  std::vector<int16_t> decoded;
  std::vector<uint8_t> packet;
  for (int i = 0; i < kFrames; ++i) {
    EXPECT_TRUE(tone.read_frame(pcm));
    EXPECT_TRUE(encoder->encode(pcm, packet)) << encoder->last_error();
    EXPECT_TRUE(decoder->decode(packet, decoded)) << decoder->last_error();
    EXPECT_EQ(decoded.size(), static_cast<size_t>(kOpusFrameSamplesPerChannel * channels));
    if (i < 5) continue;
    result.input.insert(result.input.end(), pcm.begin(), pcm.end());
    result.output.insert(result.output.end(), decoded.begin(), decoded.end());
  }
  return result;
}

TEST(OpusCodec, ToneKeepsLevelAndPitch) {
  const RoundTrip trip = round_trip(1);
  ASSERT_FALSE(trip.output.empty());
  const double input_rms = rms(trip.input);
  const double output_rms = rms(trip.output);
  EXPECT_NEAR(input_rms, 8000 / std::sqrt(2.0), 10);
  EXPECT_NEAR(output_rms / input_rms, 1.0, 0.15) << "input RMS " << input_rms << ", output RMS " << output_rms;

  // 440 Hz dominates its neighbours a semitone and an octave away.
  const double at_tone = goertzel_power(trip.output, kToneHz);
  for (double other : {220.0, 415.3, 466.2, 880.0}) {
    EXPECT_GT(at_tone, 100 * goertzel_power(trip.output, other)) << other << " Hz";
  }

  // 0.9 s of 440 Hz crosses zero upwards about 396 times.
  int upward_crossings = 0;
  for (size_t i = 1; i < trip.output.size(); ++i) {
    if (trip.output[i - 1] < 0 && trip.output[i] >= 0) ++upward_crossings;
  }
  EXPECT_NEAR(upward_crossings, 396, 4);
}

TEST(OpusCodec, StereoRoundTrip) {
  const RoundTrip trip = round_trip(2);
  ASSERT_FALSE(trip.output.empty());
  EXPECT_NEAR(rms(trip.output) / rms(trip.input), 1.0, 0.15);
}

TEST(OpusCodec, LossConcealedAndRecoveredByFec) {
  std::string error;
  auto encoder = OpusAudioEncoder::create({}, error);
  ASSERT_NE(encoder, nullptr) << error;
  auto decoder = OpusAudioDecoder::create(1, error);
  ASSERT_NE(decoder, nullptr) << error;

  ToneGenerator tone(kToneHz);
  std::vector<int16_t> pcm;
  std::vector<int16_t> decoded;
  std::vector<uint8_t> packet;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(tone.read_frame(pcm));
    ASSERT_TRUE(encoder->encode(pcm, packet));
    ASSERT_TRUE(decoder->decode(packet, decoded));
  }

  // Packet 20 is lost: concealment produces 20 ms of sound, not silence.
  ASSERT_TRUE(tone.read_frame(pcm));
  ASSERT_TRUE(encoder->encode(pcm, packet));
  ASSERT_TRUE(decoder->decode({}, decoded));
  EXPECT_EQ(decoded.size(), static_cast<size_t>(kOpusFrameSamplesPerChannel));
  EXPECT_GT(rms(decoded), 1000);

  // Packet 22 is lost but 23 arrives: its FEC data rebuilds 22.
  ASSERT_TRUE(tone.read_frame(pcm));
  ASSERT_TRUE(encoder->encode(pcm, packet));
  ASSERT_TRUE(decoder->decode(packet, decoded));
  ASSERT_TRUE(tone.read_frame(pcm));
  ASSERT_TRUE(encoder->encode(pcm, packet));  // Lost.
  ASSERT_TRUE(tone.read_frame(pcm));
  ASSERT_TRUE(encoder->encode(pcm, packet));
  ASSERT_TRUE(decoder->decode_fec(packet, decoded));
  EXPECT_EQ(decoded.size(), static_cast<size_t>(kOpusFrameSamplesPerChannel));
  EXPECT_GT(rms(decoded), 1000);
  ASSERT_TRUE(decoder->decode(packet, decoded));
  EXPECT_GT(rms(decoded), 1000);
}

TEST(OpusCodec, RejectsWrongFrameLength) {
  std::string error;
  auto encoder = OpusAudioEncoder::create({}, error);
  ASSERT_NE(encoder, nullptr) << error;
  std::vector<int16_t> pcm(480);
  std::vector<uint8_t> packet;
  EXPECT_FALSE(encoder->encode(pcm, packet));
  EXPECT_EQ(encoder->last_error(), "Opus encoder input has 480 samples, expected 960 (20 ms at 48 kHz, interleaved)");
}

TEST(OpusCodec, RejectsInvalidConfig) {
  std::string error;
  OpusEncoderConfig config;
  config.channels = 3;
  EXPECT_EQ(OpusAudioEncoder::create(config, error), nullptr);
  EXPECT_EQ(error, "invalid Opus channel count 3: must be 1 or 2");
  EXPECT_EQ(OpusAudioDecoder::create(0, error), nullptr);
  config.channels = 1;
  config.bitrate_bps = 100;
  EXPECT_EQ(OpusAudioEncoder::create(config, error), nullptr);
  EXPECT_EQ(error, "invalid Opus bitrate 100 bps: must be 500..512000");
}

TEST(OpusCodec, RejectsGarbagePacket) {
  std::string error;
  auto decoder = OpusAudioDecoder::create(1, error);
  ASSERT_NE(decoder, nullptr) << error;
  // TOC code 3 (arbitrary frame count) with a frame count of 0 is invalid.
  const std::vector<uint8_t> packet = {0x03, 0x00};
  std::vector<int16_t> decoded;
  EXPECT_FALSE(decoder->decode(packet, decoded));
  EXPECT_EQ(decoder->last_error(), "Opus decoding failed: corrupted stream");
}

}  // namespace
}  // namespace sightline::media

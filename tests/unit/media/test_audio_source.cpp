// Tests of the WAV reader on files written here and of the tone generator.
#include "tools/media/audio_source.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace sightline::media {
namespace {

void put_le16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}
void put_le32(std::string& out, uint32_t v) {
  put_le16(out, static_cast<uint16_t>(v & 0xFFFF));
  put_le16(out, static_cast<uint16_t>(v >> 16));
}

// Writes a canonical PCM WAV file, with an extra LIST chunk before "data".
std::string write_wav(const std::string& name, const std::vector<int16_t>& samples, int channels,
                      uint32_t rate = 48000, uint16_t bits = 16) {
  std::string data;
  for (int16_t s : samples) put_le16(data, static_cast<uint16_t>(s));
  std::string body = "WAVEfmt ";
  put_le32(body, 16);
  put_le16(body, 1);
  put_le16(body, static_cast<uint16_t>(channels));
  put_le32(body, rate);
  put_le32(body, rate * static_cast<uint32_t>(channels) * bits / 8);
  put_le16(body, static_cast<uint16_t>(channels * bits / 8));
  put_le16(body, bits);
  body += "LIST";
  put_le32(body, 3);
  body += "abc";
  body.push_back('\0');  // Pad to even size.
  body += "data";
  put_le32(body, static_cast<uint32_t>(data.size()));
  body += data;
  std::string file = "RIFF";
  put_le32(file, static_cast<uint32_t>(body.size()));
  file += body;

  const std::string path = (std::filesystem::path(testing::TempDir()) / name).string();
  std::ofstream(path, std::ios::binary) << file;
  return path;
}

TEST(WavReader, ReadsFramesAndLoops) {
  // 1.5 frames of mono samples -700, -699, ..., 739.
  std::vector<int16_t> samples(1440);
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<int16_t>(i - 700);
  const std::string path = write_wav("ramp.wav", samples, 1);
  std::string error;
  auto reader = WavReader::open(path, error);
  ASSERT_NE(reader, nullptr) << error;
  EXPECT_EQ(reader->channels(), 1);
  EXPECT_EQ(reader->frame_count(), 1440);

  std::vector<int16_t> pcm;
  ASSERT_TRUE(reader->read_frame(pcm));
  ASSERT_EQ(pcm.size(), 960u);
  EXPECT_EQ(pcm[0], -700);
  EXPECT_EQ(pcm[959], 259);
  // The second frame contains the last 480 samples and then the first 480.
  ASSERT_TRUE(reader->read_frame(pcm));
  EXPECT_EQ(pcm[0], 260);
  EXPECT_EQ(pcm[479], 739);
  EXPECT_EQ(pcm[480], -700);
  ASSERT_TRUE(reader->read_frame(pcm));
  EXPECT_EQ(pcm[0], -220);
}

TEST(WavReader, Stereo) {
  std::vector<int16_t> samples(960 * 2);
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<int16_t>(i % 2 == 0 ? 100 : -100);
  const std::string path = write_wav("stereo.wav", samples, 2);
  std::string error;
  auto reader = WavReader::open(path, error);
  ASSERT_NE(reader, nullptr) << error;
  EXPECT_EQ(reader->channels(), 2);
  std::vector<int16_t> pcm;
  ASSERT_TRUE(reader->read_frame(pcm));
  ASSERT_EQ(pcm.size(), 1920u);
  EXPECT_EQ(pcm[0], 100);
  EXPECT_EQ(pcm[1], -100);
}

TEST(WavReader, RejectsOtherRate) {
  const std::string path = write_wav("cd.wav", std::vector<int16_t>(100), 1, 44100);
  std::string error;
  EXPECT_EQ(WavReader::open(path, error), nullptr);
  EXPECT_EQ(error, "invalid WAV file " + path +
                       ": unsupported sample rate 44100 Hz: only 48000 Hz is supported; convert with ffmpeg -ar 48000");
}

TEST(WavReader, RejectsOtherSampleFormat) {
  const std::string path = write_wav("eight.wav", std::vector<int16_t>(100), 1, 48000, 8);
  std::string error;
  EXPECT_EQ(WavReader::open(path, error), nullptr);
  EXPECT_NE(error.find("only 16-bit PCM is supported"), std::string::npos) << error;
}

TEST(WavReader, RejectsMissingAndNonWav) {
  std::string error;
  EXPECT_EQ(WavReader::open("/nonexistent/voice.wav", error), nullptr);
  EXPECT_EQ(error, "cannot open WAV file /nonexistent/voice.wav: file not found or not readable");

  const std::string path = (std::filesystem::path(testing::TempDir()) / "text.wav").string();
  std::ofstream(path) << "hello, this is not audio";
  EXPECT_EQ(WavReader::open(path, error), nullptr);
  EXPECT_EQ(error, "invalid WAV file " + path + ": missing RIFF/WAVE header");
}

TEST(ToneGenerator, ContinuousSine) {
  ToneGenerator tone(1000.0, 10000, 2);
  std::vector<int16_t> first;
  std::vector<int16_t> second;
  ASSERT_TRUE(tone.read_frame(first));
  ASSERT_TRUE(tone.read_frame(second));
  ASSERT_EQ(first.size(), 1920u);
  // 1 kHz at 48 kHz: sample 12 is the peak, both channels equal.
  EXPECT_EQ(first[0], 0);
  EXPECT_EQ(first[24], 10000);
  EXPECT_EQ(first[25], 10000);
  // 20 ms is exactly 20 periods, so the second frame repeats the first.
  for (size_t i = 0; i < first.size(); ++i) EXPECT_NEAR(second[i], first[i], 1) << "sample " << i;
}

}  // namespace
}  // namespace sightline::media

// The load generator against an in-process relay: four calls for five
// seconds, media flowing both ways with real handshakes and latency measured.
#include <gtest/gtest.h>
#include <sched.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/relay_fixture.h"
#include "tools/load/cpu_time.h"
#include "tools/load/encoded_media.h"
#include "tools/load/load_generator.h"

namespace sightline::testing {
namespace {

// Four calls for five seconds against a relay in the same process.
load::LoadOptions four_calls_in_process() {
  load::LoadOptions options;
  options.in_process = true;
  options.workers = 1;
  options.calls = 4;
  options.seconds = 5;
  options.loops = 1;
  options.clip_path = default_clip();
  return options;
}

// Writes a 64x48 clip of `frames` frames at 15 fps, each a flat shade that
// changes per frame, and returns its path.
std::string write_short_clip(int frames) {
  const std::string path = ::testing::TempDir() + "load_generator_short_clip.y4m";
  std::ofstream file(path, std::ios::binary);
  file << "YUV4MPEG2 W64 H48 F15:1 Ip A1:1 C420jpeg\n";
  for (int i = 0; i < frames; ++i) {
    file << "FRAME\n";
    file << std::string(64 * 48, static_cast<char>(40 + 10 * i)) << std::string(2 * 32 * 24, static_cast<char>(128));
  }
  return path;
}

TEST(EncodedMedia, KeepsClipFrameRate) {
  std::string error;
  const auto media = load::encode_media(write_short_clip(10), 300, 0, error);
  ASSERT_NE(media, nullptr) << error;
  EXPECT_DOUBLE_EQ(media->frame_rate, 15);
  EXPECT_EQ(media->video_frames.size(), 10u);
  EXPECT_TRUE(media->video_frames.front().keyframe);
}

// A 30 fps run shows each frame of the 15 fps clip twice, so the clip keeps
// its duration and each frame's bytes are split over two pictures.
TEST(EncodedMedia, RepeatsFramesAtHigherRate) {
  std::string error;
  const auto media = load::encode_media(write_short_clip(10), 300, 30, error);
  ASSERT_NE(media, nullptr) << error;
  EXPECT_DOUBLE_EQ(media->frame_rate, 30);
  EXPECT_EQ(media->video_frames.size(), 20u);
  EXPECT_TRUE(media->video_frames.front().keyframe);

  // At 5 fps only every third clip frame is shown.
  const auto slower = load::encode_media(write_short_clip(10), 300, 5, error);
  ASSERT_NE(slower, nullptr) << error;
  EXPECT_EQ(slower->video_frames.size(), 4u);
}

// `taskset -c 1 sightline load` must start one loop, not one per CPU of the
// machine, and judge the bottleneck against that one CPU.
TEST(CpuTime, UsableCpusFollowAffinity) {
  cpu_set_t original;
  CPU_ZERO(&original);
  ASSERT_EQ(sched_getaffinity(0, sizeof original, &original), 0);
  if (CPU_COUNT(&original) < 2) GTEST_SKIP() << "needs a machine with two CPUs or more";
  EXPECT_EQ(load::usable_cpu_count(), static_cast<unsigned>(CPU_COUNT(&original)));

  cpu_set_t single;
  CPU_ZERO(&single);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &original)) {
      CPU_SET(cpu, &single);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof single, &single), 0);
  const unsigned restricted = load::usable_cpu_count();
  ASSERT_EQ(sched_setaffinity(0, sizeof original, &original), 0);
  EXPECT_EQ(restricted, 1u);
}

TEST(LoadGenerator, FourCallsInProcess) {
  load::LoadOptions options = four_calls_in_process();
  options.csv_path = ::testing::TempDir() + "load_generator_test.csv";
  std::string error;
  const std::optional<nlohmann::json> summary = load::run_load_generator(options, error);
  ASSERT_TRUE(summary.has_value()) << error;
  std::printf("%s\n", summary->dump().c_str());

  EXPECT_EQ(summary->at("calls"), 4);
  EXPECT_EQ(summary->at("participants_connected"), 8);
  EXPECT_EQ(summary->at("participants_failed"), 0);
  EXPECT_EQ(summary->at("srtp_profile"), "SRTP_AEAD_AES_128_GCM");
  // Eight participants send 15 video frames and 50 audio packets a second,
  // well over 2000 packets in five seconds. Nearly all come back through the relay.
  const auto sent = summary->at("packets_sent").get<uint64_t>();
  const auto received = summary->at("packets_received").get<uint64_t>();
  EXPECT_GT(sent, 2000u);
  EXPECT_GT(received, sent * 9 / 10);
  EXPECT_LT(summary->at("loss_percent").get<double>(), 1.0);
  EXPECT_GT(summary->at("latency_samples").get<uint64_t>(), received / 2);
  EXPECT_GT(summary->at("latency_p50_ms").get<double>(), 0.0);
  EXPECT_LT(summary->at("latency_p99_ms").get<double>(), 20.0);
  EXPECT_EQ(summary->at("max_calls_held"), 4);
  EXPECT_GT(summary->at("relay_cpu_seconds").get<double>(), 0.0);
  EXPECT_EQ(summary->at("receive_decrypt_every"), 1);
  EXPECT_EQ(summary->at("packets_unverified"), 0);
  EXPECT_EQ(summary->at("decrypt_failures"), 0);
  EXPECT_GT(summary->at("packets_decrypted").get<uint64_t>(), received * 7 / 10);

  // Each CSV row counts its own second: the first row's forwarded packets
  // must not include the seconds of the joins before it.
  std::ifstream csv(options.csv_path);
  std::string header;
  std::string first_row;
  ASSERT_TRUE(std::getline(csv, header));
  ASSERT_TRUE(std::getline(csv, first_row));
  std::vector<std::string> fields;
  std::stringstream row(first_row);
  for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
  ASSERT_EQ(fields.size(), 18u) << first_row;
  const double received_in_second = std::stod(fields[5]);
  const double forwarded_in_second = std::stod(fields[17]);
  EXPECT_GT(received_in_second, 0);
  // In process the relay counts what it sent; a few packets may be in
  // flight across the second's edge.
  EXPECT_LE(forwarded_in_second, received_in_second * 1.03 + 5) << first_row;
}

// With sampled decryption, one packet in eight is decrypted and
// authenticated, and the rest are counted from their clear RTP header. The
// receive figures must not change.
TEST(LoadGenerator, SampledDecryption) {
  load::LoadOptions options = four_calls_in_process();
  options.decrypt_every = 8;
  std::string error;
  const std::optional<nlohmann::json> summary = load::run_load_generator(options, error);
  ASSERT_TRUE(summary.has_value()) << error;
  std::printf("%s\n", summary->dump().c_str());

  EXPECT_EQ(summary->at("participants_connected"), 8);
  EXPECT_EQ(summary->at("receive_decrypt_every"), 8);
  const auto sent = summary->at("packets_sent").get<uint64_t>();
  const auto received = summary->at("packets_received").get<uint64_t>();
  EXPECT_GT(received, sent * 9 / 10);
  EXPECT_LT(summary->at("loss_percent").get<double>(), 1.0);
  EXPECT_GT(summary->at("latency_samples").get<uint64_t>(), received / 2);
  EXPECT_EQ(summary->at("decrypt_failures"), 0);

  // The per-second transport counters trail packets_received by up to a
  // second, so the split is checked as shares of their own sum.
  const auto decrypted = summary->at("packets_decrypted").get<uint64_t>();
  const auto unverified = summary->at("packets_unverified").get<uint64_t>();
  EXPECT_GT(decrypted + unverified, received * 7 / 10);
  EXPECT_LE(decrypted + unverified, received);
  EXPECT_GT(decrypted, 0u);
  EXPECT_GT(unverified, decrypted * 6);
  EXPECT_LT(unverified, decrypted * 8);
}

}  // namespace
}  // namespace sightline::testing

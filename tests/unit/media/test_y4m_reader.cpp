// Tests of the Y4M reader on the foreman clip and on small files written here.
#include "tools/media/y4m_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/shared_test_data.h"

namespace sightline::media {
namespace {

const char kForemanFile[] = "video/talking_foreman_cif_15fps_4.3s.y4m";

std::string write_temp(const std::string& name, const std::string& content) {
  const std::string path = (std::filesystem::path(testing::TempDir()) / name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(Y4mReader, ForemanHeaderAndFrames) {
  std::string error;
  auto reader = Y4mReader::open(test::shared_test_file(kForemanFile), false, error);
  ASSERT_NE(reader, nullptr) << error;
  EXPECT_EQ(reader->width(), 352);
  EXPECT_EQ(reader->height(), 288);
  EXPECT_EQ(reader->frame_rate_numerator(), 15);
  EXPECT_EQ(reader->frame_rate_denominator(), 1);
  EXPECT_DOUBLE_EQ(reader->frame_rate(), 15.0);

  I420Frame frame;
  int count = 0;
  while (reader->read_frame(frame)) ++count;
  EXPECT_EQ(reader->error(), "");
  EXPECT_EQ(count, 65);
  EXPECT_EQ(frame.data.size(), 352u * 288 * 3 / 2);
  EXPECT_FALSE(reader->read_frame(frame));
}

TEST(Y4mReader, LoopRepeatsFirstFrame) {
  std::string error;
  auto reader = Y4mReader::open(test::shared_test_file(kForemanFile), true, error);
  ASSERT_NE(reader, nullptr) << error;
  I420Frame first;
  I420Frame frame;
  ASSERT_TRUE(reader->read_frame(first));
  for (int i = 2; i <= 65; ++i) ASSERT_TRUE(reader->read_frame(frame)) << "frame " << i;
  EXPECT_NE(frame.data, first.data);
  ASSERT_TRUE(reader->read_frame(frame));  // Frame 66.
  EXPECT_EQ(frame.data, first.data);
  EXPECT_EQ(reader->frames_read(), 66);
}

TEST(Y4mReader, SmallFileWithFrameParameters) {
  // 4x2 4:2:0: 8 luma bytes and 2 + 2 chroma bytes per frame.
  const std::string content = "YUV4MPEG2 W4 H2 F30000:1001 Ip A1:1 C420mpeg2 XCOMMENT=x\n"
                              "FRAME\nABCDEFGHuvwx"
                              "FRAME Ixyz\nabcdefgh1234";
  const std::string path = write_temp("small.y4m", content);
  std::string error;
  auto reader = Y4mReader::open(path, false, error);
  ASSERT_NE(reader, nullptr) << error;
  EXPECT_NEAR(reader->frame_rate(), 29.97, 0.01);
  I420Frame frame;
  ASSERT_TRUE(reader->read_frame(frame));
  EXPECT_EQ(std::string(frame.y().begin(), frame.y().end()), "ABCDEFGH");
  EXPECT_EQ(std::string(frame.u().begin(), frame.u().end()), "uv");
  EXPECT_EQ(std::string(frame.v().begin(), frame.v().end()), "wx");
  ASSERT_TRUE(reader->read_frame(frame));
  EXPECT_EQ(std::string(frame.v().begin(), frame.v().end()), "34");
  EXPECT_FALSE(reader->read_frame(frame));
  EXPECT_EQ(reader->error(), "");
}

TEST(Y4mReader, RejectsOtherChroma) {
  const std::string path = write_temp("c444.y4m", "YUV4MPEG2 W4 H2 F25:1 C444\nFRAME\n");
  std::string error;
  EXPECT_EQ(Y4mReader::open(path, false, error), nullptr);
  EXPECT_EQ(error, "invalid Y4M file " + path +
                       ": unsupported chroma 'C444': only 8-bit 4:2:0 (C420jpeg, C420mpeg2, C420, C420paldv) is "
                       "supported; convert with ffmpeg -pix_fmt yuv420p");
}

TEST(Y4mReader, RejectsTenBitChroma) {
  const std::string path = write_temp("c420p10.y4m", "YUV4MPEG2 W4 H2 F25:1 C420p10\n");
  std::string error;
  EXPECT_EQ(Y4mReader::open(path, false, error), nullptr);
  EXPECT_NE(error.find("unsupported chroma 'C420p10'"), std::string::npos) << error;
}

TEST(Y4mReader, RejectsMissingFile) {
  std::string error;
  EXPECT_EQ(Y4mReader::open("/nonexistent/clip.y4m", false, error), nullptr);
  EXPECT_EQ(error, "cannot open Y4M file /nonexistent/clip.y4m: file not found or not readable");
}

TEST(Y4mReader, RejectsNonY4m) {
  const std::string path = write_temp("not.y4m", "RIFF....WAVE\n");
  std::string error;
  EXPECT_EQ(Y4mReader::open(path, false, error), nullptr);
  EXPECT_EQ(error, "invalid Y4M file " + path + ": missing YUV4MPEG2 signature");
}

TEST(Y4mReader, RejectsMissingSize) {
  const std::string path = write_temp("nosize.y4m", "YUV4MPEG2 F25:1\n");
  std::string error;
  EXPECT_EQ(Y4mReader::open(path, false, error), nullptr);
  EXPECT_EQ(error, "invalid Y4M file " + path + ": missing or invalid W or H field");
}

TEST(Y4mReader, ReportsTruncatedFrame) {
  const std::string path = write_temp("short.y4m", "YUV4MPEG2 W4 H2 F25:1\nFRAME\nABCDEFGHuvwxFRAME\nabc");
  std::string error;
  auto reader = Y4mReader::open(path, true, error);
  ASSERT_NE(reader, nullptr) << error;
  I420Frame frame;
  ASSERT_TRUE(reader->read_frame(frame));
  EXPECT_FALSE(reader->read_frame(frame));
  EXPECT_EQ(reader->error(), "invalid Y4M file " + path + ": truncated frame 2: expected 12 bytes, got 3");
}

TEST(Y4mReader, ReportsBadFrameHeader) {
  const std::string path = write_temp("badframe.y4m", "YUV4MPEG2 W4 H2 F25:1\nFRAMX\nABCDEFGHuvwx");
  std::string error;
  auto reader = Y4mReader::open(path, false, error);
  ASSERT_NE(reader, nullptr) << error;
  I420Frame frame;
  EXPECT_FALSE(reader->read_frame(frame));
  EXPECT_EQ(reader->error(), "invalid Y4M file " + path + ": expected FRAME header for frame 1, found 'FRAMX'");
}

}  // namespace
}  // namespace sightline::media

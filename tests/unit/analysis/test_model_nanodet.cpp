// NanoDet output decoding and per-class NMS on hand-made outputs.
#include <gtest/gtest.h>

#include <vector>

#include "analysis/model_nanodet.h"

namespace sightline::analysis {
namespace {

constexpr int kInputSize = 64;
constexpr int kStride = 32;
constexpr int kCells = (kInputSize / kStride) * (kInputSize / kStride);

// A level whose cell 3 (row 1, column 1, centre 48,48) holds a phone at 0.9
// with every side's distribution peaked on bin `bin`.
struct OneLevel {
  std::vector<float> scores = std::vector<float>(kCells * kNanoDetClasses, 0.0f);
  std::vector<float> bins = std::vector<float>(kCells * 4 * kNanoDetBins, 0.0f);

  explicit OneLevel(int bin) {
    scores[3 * kNanoDetClasses + kCocoCellPhone] = 0.9f;
    for (int side = 0; side < 4; ++side) {
      bins[(3 * 4 + side) * kNanoDetBins + bin] = 50.0f;
    }
  }
};

TEST(NanoDetDecode, PeakedDistributionGivesBox) {
  OneLevel level(1);
  const NanoDetLevel levels[] = {{kStride, level.scores, level.bins}};
  const int wanted[] = {kCocoCellPhone};
  const auto boxes = decode_nanodet(levels, kInputSize, wanted, 0.5f);
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0].class_id, kCocoCellPhone);
  EXPECT_FLOAT_EQ(boxes[0].score, 0.9f);
  // One stride (32 px) on each side of the cell centre (48, 48).
  EXPECT_NEAR(boxes[0].box.x, 16.0f, 1e-3);
  EXPECT_NEAR(boxes[0].box.y, 16.0f, 1e-3);
  EXPECT_NEAR(boxes[0].box.width, 64.0f, 1e-3);
  EXPECT_NEAR(boxes[0].box.height, 64.0f, 1e-3);
}

TEST(NanoDetDecode, FlatDistributionGivesMeanDistance) {
  OneLevel level(0);
  std::fill(level.bins.begin(), level.bins.end(), 0.0f);
  const NanoDetLevel levels[] = {{kStride, level.scores, level.bins}};
  const int wanted[] = {kCocoCellPhone};
  const auto boxes = decode_nanodet(levels, kInputSize, wanted, 0.5f);
  ASSERT_EQ(boxes.size(), 1u);
  // Uniform over bins 0..10: expected distance 5 strides = 160 px per side.
  EXPECT_NEAR(boxes[0].box.x, 48.0f - 160.0f, 1e-3);
  EXPECT_NEAR(boxes[0].box.width, 320.0f, 1e-3);
}

TEST(NanoDetDecode, SkipsUnwantedAndWeakClasses) {
  OneLevel level(1);
  const NanoDetLevel levels[] = {{kStride, level.scores, level.bins}};
  const int people[] = {kCocoPerson};
  EXPECT_TRUE(decode_nanodet(levels, kInputSize, people, 0.1f).empty());
  const int phones[] = {kCocoCellPhone};
  EXPECT_TRUE(decode_nanodet(levels, kInputSize, phones, 0.95f).empty());
}

TEST(NanoDetDecode, IgnoresShortLevel) {
  std::vector<float> scores(3);
  std::vector<float> bins(3);
  const NanoDetLevel levels[] = {{kStride, scores, bins}};
  const int phones[] = {kCocoCellPhone};
  EXPECT_TRUE(decode_nanodet(levels, kInputSize, phones, 0.0f).empty());
}

TEST(Nms, KeepsBestOfOverlappingSameClass) {
  std::vector<ObjectBox> boxes = {
      {kCocoCellPhone, 0.6f, cv::Rect2f(0, 0, 10, 10)},
      {kCocoCellPhone, 0.9f, cv::Rect2f(1, 1, 10, 10)},
      {kCocoPerson, 0.5f, cv::Rect2f(0, 0, 10, 10)},
      {kCocoCellPhone, 0.4f, cv::Rect2f(50, 50, 10, 10)},
  };
  const auto kept = per_class_nms(boxes, 0.5f);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_FLOAT_EQ(kept[0].score, 0.9f);
  EXPECT_EQ(kept[1].class_id, kCocoPerson);
  EXPECT_FLOAT_EQ(kept[2].score, 0.4f);
}

}  // namespace
}  // namespace sightline::analysis

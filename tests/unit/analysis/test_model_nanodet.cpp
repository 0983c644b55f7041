// NanoDet output decoding and per-class NMS on hand-made outputs, and the
// choice of input shape.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
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
  const auto boxes = decode_nanodet(levels, cv::Size(kInputSize, kInputSize), wanted, 0.5f);
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
  const auto boxes = decode_nanodet(levels, cv::Size(kInputSize, kInputSize), wanted, 0.5f);
  ASSERT_EQ(boxes.size(), 1u);
  // Uniform over bins 0..10: expected distance 5 strides = 160 px per side.
  EXPECT_NEAR(boxes[0].box.x, 48.0f - 160.0f, 1e-3);
  EXPECT_NEAR(boxes[0].box.width, 320.0f, 1e-3);
}

TEST(NanoDetDecode, SkipsUnwantedAndWeakClasses) {
  OneLevel level(1);
  const NanoDetLevel levels[] = {{kStride, level.scores, level.bins}};
  const int people[] = {kCocoPerson};
  EXPECT_TRUE(decode_nanodet(levels, cv::Size(kInputSize, kInputSize), people, 0.1f).empty());
  const int phones[] = {kCocoCellPhone};
  EXPECT_TRUE(decode_nanodet(levels, cv::Size(kInputSize, kInputSize), phones, 0.95f).empty());
}

TEST(NanoDetDecode, WideInputCountsColumnsByWidth) {
  // A 96x32 input at stride 32: one row of three cells. A phone in the last
  // cell is centred at (80, 16); a square grid would have put it on row 1.
  constexpr int kColumns = 3;
  std::vector<float> scores(kColumns * kNanoDetClasses, 0.0f);
  std::vector<float> bins(kColumns * 4 * kNanoDetBins, 0.0f);
  scores[2 * kNanoDetClasses + kCocoCellPhone] = 0.8f;
  for (int side = 0; side < 4; ++side) {
    bins[(2 * 4 + side) * kNanoDetBins + 0] = 50.0f;
  }
  const NanoDetLevel levels[] = {{kStride, scores, bins}};
  const int phones[] = {kCocoCellPhone};
  const auto boxes = decode_nanodet(levels, cv::Size(96, 32), phones, 0.5f);
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_NEAR(boxes[0].box.x, 80.0f, 1e-3);
  EXPECT_NEAR(boxes[0].box.y, 16.0f, 1e-3);
}

TEST(NanoDetDecode, IgnoresShortLevel) {
  std::vector<float> scores(3);
  std::vector<float> bins(3);
  const NanoDetLevel levels[] = {{kStride, scores, bins}};
  const int phones[] = {kCocoCellPhone};
  EXPECT_TRUE(decode_nanodet(levels, cv::Size(kInputSize, kInputSize), phones, 0.0f).empty());
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

TEST(NanoDetShape, WideFrameGetsWideInput) {
  // 320x180 at the square's scale (1.0) fits 320x192.
  EXPECT_EQ(kNanoDetShapes320[choose_nanodet_shape(kNanoDetShapes320, cv::Size(320, 180))], cv::Size(320, 192));
  // 640x360 scales to 320x180 as well.
  EXPECT_EQ(kNanoDetShapes320[choose_nanodet_shape(kNanoDetShapes320, cv::Size(640, 360))], cv::Size(320, 192));
}

TEST(NanoDetShape, FourByThreeGetsMiddleInput) {
  // 400x300 scales to 320x240: 320x192 would shrink it, 320x256 fits it.
  EXPECT_EQ(kNanoDetShapes320[choose_nanodet_shape(kNanoDetShapes320, cv::Size(400, 300))], cv::Size(320, 256));
  EXPECT_EQ(kNanoDetShapes320[choose_nanodet_shape(kNanoDetShapes320, cv::Size(300, 400))], cv::Size(256, 320));
}

TEST(NanoDetShape, PortraitAndSquare) {
  EXPECT_EQ(kNanoDetShapes320[choose_nanodet_shape(kNanoDetShapes320, cv::Size(180, 320))], cv::Size(192, 320));
  EXPECT_EQ(kNanoDetShapes320[choose_nanodet_shape(kNanoDetShapes320, cv::Size(500, 500))], cv::Size(320, 320));
  // 330x300 scales to 320x291, which only the square holds.
  EXPECT_EQ(kNanoDetShapes320[choose_nanodet_shape(kNanoDetShapes320, cv::Size(330, 300))], cv::Size(320, 320));
}

TEST(NanoDetShape, EmptyImageGetsFirstShape) {
  EXPECT_EQ(choose_nanodet_shape(kNanoDetShapes320, cv::Size(0, 0)), 0u);
}

TEST(NanoDetShape, ModelFileNames) {
  EXPECT_EQ(nanodet_model_file(cv::Size(416, 416)), "nanodet.onnx");
  EXPECT_EQ(nanodet_model_file(cv::Size(320, 320)), "nanodet_320.onnx");
  EXPECT_EQ(nanodet_model_file(cv::Size(320, 192)), "nanodet_320x192.onnx");
  EXPECT_EQ(nanodet_model_file(cv::Size(192, 320)), "nanodet_192x320.onnx");
}

TEST(NanoDetSet, MissingShapeFileNamesImport) {
  const cv::Size shapes[] = {{320, 192}};
  try {
    NanoDetSet set("/nonexistent-models-dir", shapes);
    FAIL() << "expected a missing model file error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("nanodet_320x192.onnx"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("import.sh"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace sightline::analysis

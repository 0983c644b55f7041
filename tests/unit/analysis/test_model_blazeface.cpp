// BlazeFace anchor decoding on hand-made outputs, and the real model on
// shared photographs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "analysis/model_blazeface.h"
#include "analysis/model_files.h"

namespace sightline::analysis {
namespace {

const std::filesystem::path kImages = std::filesystem::path(SIGHTLINE_SHARED_DIR) / "testdata" / "images";

std::filesystem::path models_dir() { return models_directory("", SIGHTLINE_SOURCE_DIR); }

cv::Mat read_image(const std::string& file) {
  const std::filesystem::path path = kImages / file;
  cv::Mat image = cv::imread(path.string(), cv::IMREAD_COLOR);
  if (image.empty()) {
    throw std::runtime_error("failed to read image " + path.string());
  }
  return image;
}

// A stride 32 level (8x8 cells, 6 anchors each) with one confident anchor.
struct OneLevel {
  static constexpr int kGrid = 8;
  static constexpr int kPerCell = 6;
  std::vector<float> logits = std::vector<float>(kGrid * kGrid * kPerCell, -10.0f);
  std::vector<float> regressors = std::vector<float>(kGrid * kGrid * kPerCell * kBlazeFaceValues, 0.0f);
};

TEST(BlazeFaceDecode, AnchorOffsetsGiveBoxAndKeypoints) {
  OneLevel level;
  // Cell (column 2, row 1), centred at (80, 48) in the 256 input; its 4th anchor.
  const int anchor = (1 * OneLevel::kGrid + 2) * OneLevel::kPerCell + 3;
  level.logits[anchor] = 3.0f;
  float* values = &level.regressors[anchor * kBlazeFaceValues];
  values[0] = 4.0f;  // centre x offset
  values[1] = -8.0f;  // centre y offset
  values[2] = 40.0f;
  values[3] = 60.0f;
  values[4 + 2 * static_cast<int>(FaceKeypoint::mouth)] = 1.0f;
  values[5 + 2 * static_cast<int>(FaceKeypoint::mouth)] = 10.0f;
  const BlazeFaceLevel levels[] = {{OneLevel::kGrid, OneLevel::kPerCell, level.logits, level.regressors}};

  const std::vector<FaceBox> faces = decode_blazeface(levels, 0.5f);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_NEAR(faces[0].score, 1.0f / (1.0f + std::exp(-3.0f)), 1e-6);
  EXPECT_NEAR(faces[0].box.x, 84.0f - 20.0f, 1e-4);
  EXPECT_NEAR(faces[0].box.y, 40.0f - 30.0f, 1e-4);
  EXPECT_NEAR(faces[0].box.width, 40.0f, 1e-4);
  EXPECT_NEAR(faces[0].box.height, 60.0f, 1e-4);
  EXPECT_NEAR(faces[0].keypoint(FaceKeypoint::mouth).x, 81.0f, 1e-4);
  EXPECT_NEAR(faces[0].keypoint(FaceKeypoint::mouth).y, 58.0f, 1e-4);
  EXPECT_NEAR(faces[0].keypoint(FaceKeypoint::nose).x, 80.0f, 1e-4);
}

TEST(BlazeFaceDecode, WeakAnchorsAreDropped) {
  OneLevel level;
  level.logits[5] = 0.0f;  // score 0.5
  const BlazeFaceLevel levels[] = {{OneLevel::kGrid, OneLevel::kPerCell, level.logits, level.regressors}};
  EXPECT_TRUE(decode_blazeface(levels, 0.6f).empty());
  EXPECT_EQ(decode_blazeface(levels, 0.5f).size(), 1u);
}

TEST(BlazeFaceDecode, OverlappingAnchorsKeepBest) {
  OneLevel level;
  // Two anchors of one cell with the same box: NMS keeps the stronger.
  for (int anchor : {0, 1}) {
    level.regressors[anchor * kBlazeFaceValues + 2] = 30.0f;
    level.regressors[anchor * kBlazeFaceValues + 3] = 30.0f;
  }
  level.logits[0] = 1.0f;
  level.logits[1] = 2.0f;
  const BlazeFaceLevel levels[] = {{OneLevel::kGrid, OneLevel::kPerCell, level.logits, level.regressors}};
  const std::vector<FaceBox> faces = decode_blazeface(levels, 0.5f);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_NEAR(faces[0].score, 1.0f / (1.0f + std::exp(-2.0f)), 1e-6);
}

TEST(BlazeFaceDecode, ShortOutputsAreSkipped) {
  OneLevel level;
  level.logits[0] = 5.0f;
  level.regressors.resize(10);
  const BlazeFaceLevel levels[] = {{OneLevel::kGrid, OneLevel::kPerCell, level.logits, level.regressors}};
  EXPECT_TRUE(decode_blazeface(levels, 0.5f).empty());
}

TEST(BlazeFaceModel, MissingFileNamesImportTool) {
  try {
    BlazeFace model(std::filesystem::temp_directory_path() / "no-such-models-dir");
    FAIL() << "expected a missing model error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("blazeface.onnx"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("tools/models/import.sh"), std::string::npos) << error.what();
  }
}

// The real model on shared photographs; skipped without the imported model.
class BlazeFaceOnPhotos : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_regular_file(models_dir() / kBlazeFaceModelFile)) {
      GTEST_SKIP() << "needs " << (models_dir() / kBlazeFaceModelFile) << " (tools/models/import.sh)";
    }
    model_ = std::make_unique<BlazeFace>(models_dir());
  }

  std::unique_ptr<BlazeFace> model_;
};

TEST_F(BlazeFaceOnPhotos, PortraitGivesOneFaceWithKeypointsInOrder) {
  // A 1200x1200 head-and-shoulders portrait, face in the middle.
  const cv::Mat image = read_image("no_phone_person/nophone_fr_biden_biden2.jpg");
  const std::vector<FaceBox> faces = model_->detect(image, 0.5f);
  ASSERT_EQ(faces.size(), 1u);
  const FaceBox& face = faces[0];
  EXPECT_GT(face.score, 0.8f);
  // The face box covers about 40% of the width, centred on the middle third.
  EXPECT_GT(face.box.width, 0.3f * image.cols);
  EXPECT_LT(face.box.width, 0.6f * image.cols);
  const cv::Point2f center(face.box.x + face.box.width / 2, face.box.y + face.box.height / 2);
  EXPECT_GT(center.x, image.cols / 3.0f);
  EXPECT_LT(center.x, 2 * image.cols / 3.0f);
  for (const cv::Point2f& point : face.keypoints) {
    EXPECT_TRUE(face.box.contains(point)) << point;
  }
  // Upright face: eyes above the nose, the nose above the mouth; the
  // person's right eye and ear on the image's left.
  const cv::Point2f right_eye = face.keypoint(FaceKeypoint::right_eye);
  const cv::Point2f left_eye = face.keypoint(FaceKeypoint::left_eye);
  const cv::Point2f nose = face.keypoint(FaceKeypoint::nose);
  const cv::Point2f mouth = face.keypoint(FaceKeypoint::mouth);
  EXPECT_LT(right_eye.x, left_eye.x);
  EXPECT_LT(std::max(right_eye.y, left_eye.y), nose.y);
  EXPECT_LT(nose.y, mouth.y);
  EXPECT_LT(face.keypoint(FaceKeypoint::right_ear).x, right_eye.x);
  EXPECT_GT(face.keypoint(FaceKeypoint::left_ear).x, left_eye.x);
}

TEST_F(BlazeFaceOnPhotos, SmallFaceInSceneIsFound) {
  // 400x300: a man smoking, his face about 55 pixels wide near (135, 93).
  const cv::Mat image = read_image("dress_ok_hard/ok_s40_smoking_081.jpg");
  const std::vector<FaceBox> faces = model_->detect(image, 0.5f);
  ASSERT_FALSE(faces.empty());
  const cv::Rect2f& box = faces[0].box;
  EXPECT_TRUE(box.contains(cv::Point2f(135, 93))) << box;
  EXPECT_GT(box.width, 35.0f);
  EXPECT_LT(box.width, 80.0f);
}

TEST_F(BlazeFaceOnPhotos, PhoneOnFloorHasNoFace) {
  const cv::Mat image = read_image("phone_visible_other/other_saeed_floorphone_10.jpg");
  EXPECT_TRUE(model_->detect(image, 0.5f).empty());
}

TEST_F(BlazeFaceOnPhotos, EmptyImageHasNoFace) { EXPECT_TRUE(model_->detect(cv::Mat(), 0.5f).empty()); }

}  // namespace
}  // namespace sightline::analysis

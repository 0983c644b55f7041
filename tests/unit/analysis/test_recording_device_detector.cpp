// The evidence the recording device detector takes from a phone box besides
// NanoDet's score: how much of it is skin, how square it is, and where it
// sits relative to the nearest face.
#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "analysis/model_files.h"
#include "analysis/model_input.h"

#include "analysis/recording_device_detector.h"

namespace sightline::analysis {
namespace {

// BGR colours: a dark grey phone back and a skin tone inside the skin range.
const cv::Scalar kPhoneGrey(60, 60, 60);
const cv::Scalar kSkin(96, 138, 198);

cv::Mat image_with_box(const cv::Rect& box, const cv::Scalar& colour) {
  cv::Mat image(240, 320, CV_8UC3, cv::Scalar(200, 120, 40));
  image(box).setTo(colour);
  return image;
}

TEST(PhoneEvidence, GreyUprightPhoneKeepsScore) {
  const cv::Rect box(100, 60, 40, 80);
  const cv::Mat image = image_with_box(box, kPhoneGrey);
  EXPECT_FLOAT_EQ(phone_evidence(image, {kCocoCellPhone, 0.6f, cv::Rect2f(box)}), 0.6f);
}

TEST(PhoneEvidence, SkinBoxIsLowered) {
  // All skin: 0.6 x (1 - 0.8 x (1.0 - 0.3)).
  const cv::Rect box(100, 60, 40, 80);
  const cv::Mat image = image_with_box(box, kSkin);
  EXPECT_NEAR(phone_evidence(image, {kCocoCellPhone, 0.6f, cv::Rect2f(box)}), 0.6f * 0.44f, 1e-4);
}

TEST(PhoneEvidence, FingersOnPhoneAreAllowed) {
  // A quarter of the box is skin, under the 30% a holding hand may cover.
  const cv::Rect box(100, 60, 40, 80);
  cv::Mat image = image_with_box(box, kPhoneGrey);
  image(cv::Rect(100, 60, 40, 20)).setTo(kSkin);
  EXPECT_FLOAT_EQ(phone_evidence(image, {kCocoCellPhone, 0.6f, cv::Rect2f(box)}), 0.6f);
}

TEST(PhoneEvidence, SquareBoxIsLowered) {
  const cv::Rect box(100, 60, 60, 60);
  const cv::Mat image = image_with_box(box, kPhoneGrey);
  EXPECT_NEAR(phone_evidence(image, {kCocoCellPhone, 0.6f, cv::Rect2f(box)}), 0.6f * 0.7f, 1e-5);
}

TEST(PhoneEvidence, LandscapePhoneKeepsScore) {
  const cv::Rect box(100, 60, 80, 40);
  const cv::Mat image = image_with_box(box, kPhoneGrey);
  EXPECT_FLOAT_EQ(phone_evidence(image, {kCocoCellPhone, 0.5f, cv::Rect2f(box)}), 0.5f);
}

TEST(PhoneEvidence, BoxOutsideImageGivesNoSkin) {
  const cv::Mat image(240, 320, CV_8UC3, kSkin);
  // Only the box's shape counts: upright, no pixel inside the image.
  EXPECT_FLOAT_EQ(phone_evidence(image, {kCocoCellPhone, 0.6f, cv::Rect2f(400, 300, 20, 40)}), 0.6f);
}

TEST(PhoneEvidence, EmptyBoxIsLowered) {
  const cv::Mat image(240, 320, CV_8UC3, kPhoneGrey);
  EXPECT_NEAR(phone_evidence(image, {kCocoCellPhone, 0.6f, cv::Rect2f(10, 10, 0, 0)}), 0.6f * 0.7f, 1e-5);
}

// An upright face 100 pixels wide with its nose at (200, 150).
FaceBox face_at_200_150(float score = 0.9f) {
  FaceBox face;
  face.score = score;
  face.box = cv::Rect2f(150, 90, 100, 100);
  face.keypoints[static_cast<size_t>(FaceKeypoint::nose)] = cv::Point2f(200, 150);
  return face;
}

// A 30x50 phone box centred at (x, y): 0.15 of the area of the face below.
cv::Rect2f phone_centred_at(float x, float y) { return cv::Rect2f(x - 15, y - 25, 30, 50); }

TEST(FacePositionFactor, NoFaceKeepsScore) {
  EXPECT_FLOAT_EQ(face_position_factor(phone_centred_at(200, 200), {}), 1.0f);
}

TEST(FacePositionFactor, ObjectAtMouthIsLowered) {
  const FaceBox faces[] = {face_at_200_150()};
  // 0.3 face widths below the nose, in line with it: a cigarette or a cup.
  EXPECT_FLOAT_EQ(face_position_factor(phone_centred_at(200, 180), faces), 0.5f);
  // 0.5 across to the side is still at the mouth.
  EXPECT_FLOAT_EQ(face_position_factor(phone_centred_at(250, 190), faces), 0.5f);
}

TEST(FacePositionFactor, MouthZoneHasEdges) {
  const FaceBox faces[] = {face_at_200_150()};
  // 0.1 below the nose: in front of the nose, not the mouth.
  EXPECT_FLOAT_EQ(face_position_factor(phone_centred_at(200, 160), faces), 1.0f);
  // 0.8 below: the chest, where a phone is held to look at its screen.
  EXPECT_FLOAT_EQ(face_position_factor(phone_centred_at(200, 230), faces), 1.0f);
  // 0.8 across: beside the face, not at the mouth.
  EXPECT_FLOAT_EQ(face_position_factor(phone_centred_at(280, 180), faces), 1.0f);
}

TEST(FacePositionFactor, DeviceAboveNoseIsRaised) {
  const FaceBox faces[] = {face_at_200_150()};
  // 0.2 face widths above the nose (eye level) and far above the head.
  EXPECT_FLOAT_EQ(face_position_factor(phone_centred_at(200, 130), faces), 1.6f);
  EXPECT_FLOAT_EQ(face_position_factor(phone_centred_at(350, 20), faces), 1.6f);
  // Level with the nose: no change.
  EXPECT_FLOAT_EQ(face_position_factor(phone_centred_at(300, 150), faces), 1.0f);
}

TEST(FacePositionFactor, SmallBoxAboveHeadIsBackground) {
  const FaceBox faces[] = {face_at_200_150()};
  // 16x5 pixels against a 100x100 face: a ceiling light, not a held device.
  EXPECT_FLOAT_EQ(face_position_factor(cv::Rect2f(280, 40, 16, 5), faces), 1.0f);
  // 40x25 (a tenth of the face's area) is large enough.
  EXPECT_FLOAT_EQ(face_position_factor(cv::Rect2f(280, 40, 40, 25), faces), 1.6f);
}

TEST(FacePositionFactor, WeakFaceIsIgnored) {
  const FaceBox faces[] = {face_at_200_150(kMinFaceScore - 0.01f)};
  EXPECT_FLOAT_EQ(face_position_factor(phone_centred_at(200, 180), faces), 1.0f);
}

TEST(FacePositionFactor, NearestFaceDecides) {
  // A second face with its nose at (600, 150). The phone is at its mouth, but
  // 4 face widths across from the first face, which alone would give 1.
  FaceBox other = face_at_200_150();
  other.box.x += 400;
  other.keypoints[static_cast<size_t>(FaceKeypoint::nose)].x += 400;
  const FaceBox faces[] = {face_at_200_150(), other};
  EXPECT_FLOAT_EQ(face_position_factor(phone_centred_at(600, 180), faces), 0.5f);
}

// The whole detector on shared photographs, with and without face evidence;
// skipped without the imported models.
class RecordingDeviceOnPhotos : public ::testing::Test {
 protected:
  void SetUp() override {
    models_ = models_directory("", SIGHTLINE_SOURCE_DIR);
    if (!std::filesystem::is_regular_file(models_ / kBlazeFaceModelFile) ||
        !std::filesystem::is_regular_file(models_ / "nanodet_320.onnx")) {
      GTEST_SKIP() << "needs the models in " << models_ << " (tools/models/import.sh)";
    }
  }

  // Both scores of one shared photograph: {without, with} face evidence.
  std::pair<float, float> scores(const std::string& file) {
    const std::filesystem::path path =
        std::filesystem::path(SIGHTLINE_SHARED_DIR) / "testdata" / "images" / file;
    const cv::Mat image = cv::imread(path.string(), cv::IMREAD_COLOR);
    if (image.empty()) {
      throw std::runtime_error("failed to read image " + path.string());
    }
    const I420Image frame(image);
    RecordingDeviceOptions options;
    options.face_evidence = false;
    RecordingDeviceDetector without(models_, options);
    options.face_evidence = true;
    RecordingDeviceDetector with(models_, options);
    return {without.detect(frame.view()).score, with.detect(frame.view()).score};
  }

  std::filesystem::path models_;
};

TEST_F(RecordingDeviceOnPhotos, OnlyRoutineRunsTakeTheHeadPassAlone) {
  const cv::Mat image = cv::imread(
      (std::filesystem::path(SIGHTLINE_SHARED_DIR) / "testdata" / "images" / "phone_held_up/held_dtp_demo_frame035.jpg")
          .string(),
      cv::IMREAD_COLOR);
  ASSERT_FALSE(image.empty());
  const I420Image frame(image);
  RecordingDeviceOptions options;
  options.full_pass_every = 3;
  RecordingDeviceDetector detector(models_, options);
  const auto memory = detector.make_track_state();
  using Pass = RecordingDeviceDetector::Pass;
  const auto pass_of = [&](RunReason reason) {
    detector.detect_on_track(frame.view(), memory.get(), reason);
    return detector.last_pass();
  };
  // The first run finds the person; two routine runs reuse the box, the
  // third routine run looks at the whole frame again.
  EXPECT_EQ(pass_of(RunReason::routine), Pass::whole_frame);
  EXPECT_EQ(pass_of(RunReason::routine), Pass::head_only);
  EXPECT_EQ(pass_of(RunReason::routine), Pass::head_only);
  EXPECT_EQ(pass_of(RunReason::routine), Pass::whole_frame);
  EXPECT_EQ(pass_of(RunReason::routine), Pass::head_only);
  // A triggered run (a burst, a suspicion) always looks at the whole frame.
  EXPECT_EQ(pass_of(RunReason::triggered), Pass::whole_frame);
  EXPECT_EQ(pass_of(RunReason::triggered), Pass::whole_frame);
  EXPECT_EQ(pass_of(RunReason::routine), Pass::head_only);
}

TEST_F(RecordingDeviceOnPhotos, CameraAboveHeadIsRaised) {
  // A woman holding a small camera above her head: 1.6 times the score.
  const auto [without, with] = scores("phone_held_up/held_s40_taking_photos_084.jpg");
  EXPECT_GT(without, 0.1f);
  EXPECT_NEAR(with, 1.6f * without, 1e-4);
}

TEST_F(RecordingDeviceOnPhotos, ToothbrushAtMouthIsLowered) {
  // A toothbrush that NanoDet calls a phone, at the mouth of a visible face.
  const auto [without, with] = scores("dress_breach_hard/br_s40_brushing_teeth_125.jpg");
  EXPECT_GT(without, 0.1f);
  EXPECT_LT(with, without);
}

TEST_F(RecordingDeviceOnPhotos, SideViewWithoutFaceKeepsScore) {
  // A man seen from behind-left raising a phone to a laptop: no face is found.
  const auto [without, with] = scores("phone_held_up/held_dtp_demo_frame035.jpg");
  EXPECT_GT(without, 0.5f);
  EXPECT_FLOAT_EQ(with, without);
}

}  // namespace
}  // namespace sightline::analysis

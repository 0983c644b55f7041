// Skin mask, skin evidence and dress score on synthetic colour patches, and
// the raised-phone geometry.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "analysis/dress_detector.h"
#include "analysis/recording_device_detector.h"
#include "analysis/skin_evidence.h"

namespace sightline::analysis {
namespace {

float skin_fraction_of(const cv::Scalar& bgr) {
  const cv::Mat patch(16, 16, CV_8UC3, bgr);
  return static_cast<float>(cv::countNonZero(skin_mask(patch))) / 256.0f;
}

TEST(SkinMask, AcceptsLightMediumAndDarkSkin) {
  EXPECT_EQ(skin_fraction_of({173, 196, 236}), 1.0f);  // light
  EXPECT_EQ(skin_fraction_of({96, 138, 198}), 1.0f);   // medium
  EXPECT_EQ(skin_fraction_of({45, 67, 110}), 1.0f);    // dark
}

TEST(SkinMask, RejectsClothingColours) {
  EXPECT_EQ(skin_fraction_of({200, 80, 30}), 0.0f);    // blue shirt
  EXPECT_EQ(skin_fraction_of({60, 160, 60}), 0.0f);    // green
  EXPECT_EQ(skin_fraction_of({128, 128, 128}), 0.0f);  // grey
  EXPECT_EQ(skin_fraction_of({10, 10, 10}), 0.0f);     // black
}

TEST(SkinEvidence, BareTorsoVersusShirt) {
  cv::Mat image(200, 100, CV_8UC3, cv::Scalar(200, 80, 30));
  image(cv::Rect(0, 0, 100, 50)).setTo(cv::Scalar(96, 138, 198));
  const SkinEvidence shirt = measure_skin(image, cv::Rect(0, 0, 100, 200));
  EXPECT_GT(shirt.head_fraction, 0.9f);
  EXPECT_LT(shirt.torso_fraction, 0.05f);

  image.setTo(cv::Scalar(96, 138, 198));
  const SkinEvidence bare = measure_skin(image, cv::Rect(0, 0, 100, 200));
  EXPECT_GT(bare.torso_fraction, 0.9f);
}

TEST(SkinEvidence, LowerHalfIgnoresTheFace) {
  // Head-and-shoulders framing: a face filling the top half over a shirt.
  cv::Mat image(200, 100, CV_8UC3, cv::Scalar(200, 80, 30));
  image(cv::Rect(20, 0, 60, 100)).setTo(cv::Scalar(96, 138, 198));
  EXPECT_EQ(measure_skin(image, cv::Rect(0, 0, 100, 200)).lower_fraction, 0.0f);

  image(cv::Rect(0, 100, 100, 100)).setTo(cv::Scalar(96, 138, 198));
  EXPECT_EQ(measure_skin(image, cv::Rect(0, 0, 100, 200)).lower_fraction, 1.0f);
}

TEST(DressScore, ClassifierNeedsSkinBelowTheHead) {
  DressEvidence evidence;
  evidence.classifier.sexy = 0.9f;
  evidence.skin.lower_fraction = 0.4f;
  EXPECT_FLOAT_EQ(dress_score(evidence), 0.9f);
  evidence.skin.lower_fraction = kMinLowerSkin / 2;
  EXPECT_FLOAT_EQ(dress_score(evidence), 0.45f);
  evidence.skin.lower_fraction = 0;
  EXPECT_FLOAT_EQ(dress_score(evidence), 0.0f);
}

TEST(DressScore, PornNeedsTorsoMatchingTheFace) {
  // A hand at the mouth raises the classifier's Porn output on dressed people, so
  // the Porn class counts only with a bare-looking torso.
  DressEvidence evidence;
  evidence.classifier.porn = 0.9f;
  evidence.skin.lower_fraction = 0.5f;
  EXPECT_FLOAT_EQ(dress_score(evidence), 0.0f);
  evidence.skin.torso_face_match = kMinTorsoFaceMatch;
  EXPECT_FLOAT_EQ(dress_score(evidence), 0.9f);
  evidence.skin.torso_face_match = kMinTorsoFaceMatch / 2;
  EXPECT_FLOAT_EQ(dress_score(evidence), 0.45f);
}

TEST(DressScore, TakesTheStrongerProduct) {
  DressEvidence evidence;
  evidence.classifier.sexy = 0.6f;
  evidence.classifier.porn = 0.3f;
  evidence.skin.lower_fraction = 0.5f;
  evidence.skin.torso_face_match = 1.0f;
  EXPECT_FLOAT_EQ(dress_score(evidence), 0.6f);
  evidence.skin.lower_fraction = 0;
  EXPECT_FLOAT_EQ(dress_score(evidence), 0.3f);
}

TEST(DressScore, SkinFactorBoundsTheScore) {
  SkinEvidence skin;
  EXPECT_FLOAT_EQ(dress_skin_factor(skin), 0.0f);
  skin.lower_fraction = kMinLowerSkin / 4;
  skin.torso_face_match = kMinTorsoFaceMatch / 2;
  EXPECT_FLOAT_EQ(dress_skin_factor(skin), 0.5f);
  skin.lower_fraction = kMinLowerSkin;
  EXPECT_FLOAT_EQ(dress_skin_factor(skin), 1.0f);
}

TEST(SkinEvidence, BareTorsoMatchesTheFace) {
  const cv::Scalar medium(96, 138, 198);
  cv::Mat image(200, 100, CV_8UC3, medium);
  const SkinEvidence bare = measure_skin(image, cv::Rect(0, 0, 100, 200));
  EXPECT_TRUE(bare.face_reference);
  EXPECT_EQ(bare.torso_face_match, 1.0f);

  // A shirt over the torso centre (37.5% to 75% of the height).
  image(cv::Rect(0, 60, 100, 140)).setTo(cv::Scalar(200, 80, 30));
  const SkinEvidence shirt = measure_skin(image, cv::Rect(0, 0, 100, 200));
  EXPECT_TRUE(shirt.face_reference);
  EXPECT_EQ(shirt.torso_face_match, 0.0f);
}

TEST(SkinEvidence, SkinColouredClothIsNotTheFace) {
  // A beige top passes the fixed skin range, but its chroma is more than
  // kFaceChromaTolerance away from the face's.
  const cv::Scalar face(96, 138, 198);
  const cv::Scalar beige(173, 196, 236);
  cv::Mat image(200, 100, CV_8UC3, beige);
  image(cv::Rect(0, 0, 100, 60)).setTo(face);
  const SkinEvidence evidence = measure_skin(image, cv::Rect(0, 0, 100, 200));
  EXPECT_TRUE(evidence.face_reference);
  EXPECT_GT(evidence.torso_fraction, 0.9f);
  EXPECT_EQ(evidence.torso_face_match, 0.0f);
}

TEST(SkinEvidence, NoFaceFallsBackToTypicalSkin) {
  // No skin in the head region: the torso is compared with the typical
  // chroma, which dark skin (Cr 151, Cb 110) matches and green cloth does not.
  cv::Mat image(200, 100, CV_8UC3, cv::Scalar(60, 160, 60));
  image(cv::Rect(0, 70, 100, 90)).setTo(cv::Scalar(45, 67, 110));
  const SkinEvidence dark = measure_skin(image, cv::Rect(0, 0, 100, 200));
  EXPECT_FALSE(dark.face_reference);
  EXPECT_EQ(dark.torso_face_match, 1.0f);

  image.setTo(cv::Scalar(60, 160, 60));
  const SkinEvidence cloth = measure_skin(image, cv::Rect(0, 0, 100, 200));
  EXPECT_FALSE(cloth.face_reference);
  EXPECT_EQ(cloth.torso_face_match, 0.0f);
}

TEST(SkinEvidence, TinyBoxHasNoEvidence) {
  const cv::Mat image(20, 20, CV_8UC3, cv::Scalar(96, 138, 198));
  EXPECT_EQ(measure_skin(image, cv::Rect(0, 0, 2, 2)).torso_fraction, 0.0f);
}

TEST(RaisedPhone, ChestHeightInsidePersonIsRaised) {
  const cv::Rect2f person(100, 50, 200, 400);
  EXPECT_TRUE(is_raised_phone(cv::Rect2f(180, 120, 40, 70), person));
}

TEST(RaisedPhone, LowPhoneIsNotRaised) {
  const cv::Rect2f person(100, 50, 200, 400);
  EXPECT_FALSE(is_raised_phone(cv::Rect2f(180, 380, 40, 40), person));
}

TEST(RaisedPhone, FarAwayOrOversizedIsNotRaised) {
  const cv::Rect2f person(100, 50, 200, 400);
  EXPECT_FALSE(is_raised_phone(cv::Rect2f(500, 120, 40, 70), person));
  EXPECT_FALSE(is_raised_phone(cv::Rect2f(100, 50, 180, 200), person));
}

}  // namespace
}  // namespace sightline::analysis

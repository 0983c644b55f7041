// The evidence the recording device detector takes from a phone box besides
// NanoDet's score: how much of it is skin and how square it is.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

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

}  // namespace
}  // namespace sightline::analysis

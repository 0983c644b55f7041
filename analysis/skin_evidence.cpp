// Skin mask and torso skin fraction.
#include "analysis/skin_evidence.h"

#include <opencv2/imgproc.hpp>

namespace sightline::analysis {
namespace {

// Chroma bounds of skin in 8-bit YCrCb, as commonly used for face and skin
// segmentation, with a luma floor that drops near-black pixels whose chroma
// is noise.
const cv::Scalar kSkinLow(40, 133, 77);
const cv::Scalar kSkinHigh(255, 173, 127);

// Person box fractions: the head band on top, the torso band below it,
// trimmed at the sides where arms and background sit.
// NOTE: in head-and-shoulders framing the face reaches into the torso band,
// so a dressed person's face counts as torso skin; placing the torso below a
// detected face would fix this.
constexpr float kHeadBottom = 0.25f;
constexpr float kTorsoBottom = 0.80f;
constexpr float kTorsoSide = 0.20f;
constexpr float kLowerTop = 0.50f;

float fraction(const cv::Mat& mask) {
  return mask.empty() ? 0.0f : static_cast<float>(cv::countNonZero(mask)) / static_cast<float>(mask.total());
}

}  // namespace

cv::Mat skin_mask(const cv::Mat& bgr) {
  cv::Mat ycrcb;
  cv::cvtColor(bgr, ycrcb, cv::COLOR_BGR2YCrCb);
  cv::Mat mask;
  cv::inRange(ycrcb, kSkinLow, kSkinHigh, mask);
  return mask;
}

SkinEvidence measure_skin(const cv::Mat& bgr, const cv::Rect& person) {
  const cv::Rect box = person & cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (box.width < 4 || box.height < 8) {
    return {};
  }
  const int head_bottom = static_cast<int>(box.height * kHeadBottom);
  const int torso_bottom = static_cast<int>(box.height * kTorsoBottom);
  const int side = static_cast<int>(box.width * kTorsoSide);
  const cv::Rect head(box.x + side, box.y, box.width - 2 * side, head_bottom);
  const cv::Rect torso(box.x + side, box.y + head_bottom, box.width - 2 * side, torso_bottom - head_bottom);

  SkinEvidence evidence;
  evidence.head_fraction = fraction(skin_mask(bgr(head)));
  evidence.torso_fraction = fraction(skin_mask(bgr(torso)));
  const int lower_top = static_cast<int>(box.height * kLowerTop);
  evidence.lower_fraction = fraction(skin_mask(bgr(cv::Rect(box.x, box.y + lower_top, box.width, box.height - lower_top))));
  return evidence;
}

}  // namespace sightline::analysis

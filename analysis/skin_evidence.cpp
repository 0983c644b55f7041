// Skin mask, skin fractions over a person box, and the torso's match with the
// face's skin chroma.
#include "analysis/skin_evidence.h"

#include <algorithm>
#include <array>

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

// The face reference region is the top 30% of the box, middle 60% of its
// width. The torso centre compared with it spans 37.5% to 75% of the height
// and the middle half of the width. That is chest and belly in waist-up
// framing, and belly and hips in full-body framing.
// NOTE: in close head-and-shoulders framing the torso centre can reach the
// chin and neck, which match the face by definition. dress_score weighs the
// match by the classifier's Porn probability, which stayed low on close-up
// faces here, but a detected face would place the torso more reliably.
constexpr float kFaceBottom = 0.30f;
constexpr float kFaceSide = 0.20f;
constexpr float kTorsoCentreTop = 0.375f;
constexpr float kTorsoCentreBottom = 0.75f;
constexpr float kTorsoCentreSide = 0.25f;
// The face reference needs skin on at least this share of its region (and 20
// pixels), so that a few skin-coloured background pixels do not set it.
constexpr float kMinFaceSkin = 0.01f;
constexpr int kMinFacePixels = 20;

float fraction(const cv::Mat& mask) {
  return mask.empty() ? 0.0f : static_cast<float>(cv::countNonZero(mask)) / static_cast<float>(mask.total());
}

// The upper median of one histogram: the smallest value whose cumulative
// count exceeds half the total.
int median_of(const std::array<int, 256>& histogram, int total) {
  int cumulative = 0;
  for (int value = 0; value < 256; ++value) {
    cumulative += histogram[value];
    if (cumulative > total / 2) {
      return value;
    }
  }
  return 255;
}

// Finds the median Cr and Cb of the skin pixels of a YCrCb region. Returns
// false, leaving cr and cb unchanged, when too few pixels are skin.
bool median_skin_chroma(const cv::Mat& ycrcb, const cv::Mat& mask, int& cr, int& cb) {
  std::array<int, 256> cr_histogram{};
  std::array<int, 256> cb_histogram{};
  int count = 0;
  for (int y = 0; y < ycrcb.rows; ++y) {
    const cv::Vec3b* pixels = ycrcb.ptr<cv::Vec3b>(y);
    const uint8_t* skin = mask.ptr<uint8_t>(y);
    for (int x = 0; x < ycrcb.cols; ++x) {
      if (skin[x] != 0) {
        ++cr_histogram[pixels[x][1]];
        ++cb_histogram[pixels[x][2]];
        ++count;
      }
    }
  }
  const int needed = std::max(kMinFacePixels, static_cast<int>(kMinFaceSkin * static_cast<float>(ycrcb.total())));
  if (count < needed) {
    return false;
  }
  cr = median_of(cr_histogram, count);
  cb = median_of(cb_histogram, count);
  return true;
}

cv::Rect band(const cv::Size& size, float top, float bottom, float side) {
  const int x = static_cast<int>(size.width * side);
  const int y = static_cast<int>(size.height * top);
  return {x, y, size.width - 2 * x, static_cast<int>(size.height * bottom) - y};
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
  // One colour conversion and one mask serve every region, so the regions
  // below are in box coordinates.
  cv::Mat ycrcb;
  cv::cvtColor(bgr(box), ycrcb, cv::COLOR_BGR2YCrCb);
  cv::Mat mask;
  cv::inRange(ycrcb, kSkinLow, kSkinHigh, mask);
  const cv::Size size = box.size();

  SkinEvidence evidence;
  evidence.head_fraction = fraction(mask(band(size, 0, kHeadBottom, kTorsoSide)));
  evidence.torso_fraction = fraction(mask(band(size, kHeadBottom, kTorsoBottom, kTorsoSide)));
  evidence.lower_fraction = fraction(mask(band(size, kLowerTop, 1, 0)));

  const cv::Rect face = band(size, 0, kFaceBottom, kFaceSide);
  int cr = kTypicalSkinCr;
  int cb = kTypicalSkinCb;
  evidence.face_reference = median_skin_chroma(ycrcb(face), mask(face), cr, cb);
  const cv::Rect torso_centre = band(size, kTorsoCentreTop, kTorsoCentreBottom, kTorsoCentreSide);
  cv::Mat match;
  cv::inRange(ycrcb(torso_centre), cv::Scalar(kSkinLow[0], cr - kFaceChromaTolerance, cb - kFaceChromaTolerance),
              cv::Scalar(255, cr + kFaceChromaTolerance, cb + kFaceChromaTolerance), match);
  evidence.torso_face_match = fraction(match);
  return evidence;
}

}  // namespace sightline::analysis

// Exposed-skin measures over a person's torso: a chroma-based skin mask and
// the fraction of skin pixels in the region below the head.
#pragma once

#include <opencv2/core.hpp>

namespace sightline::analysis {

// 255 where a BGR pixel's chroma falls in the skin range, else 0. The range
// is on Cr and Cb only (YCrCb), with a floor on luma, so that it covers light
// and dark skin alike: skin tones differ mostly in brightness, not chroma.
cv::Mat skin_mask(const cv::Mat& bgr);

struct SkinEvidence {
  // Fraction of skin pixels in the torso region, 0..1.
  float torso_fraction = 0;
  // Fraction of skin pixels in the head region, used as a reference: a face
  // that is not skin coloured (lighting, a mask) makes the torso figure weak.
  float head_fraction = 0;
  // Fraction of skin pixels in the lower half of the box, full width. In
  // head-and-shoulders framing the face ends above it, so dressed people
  // score low here, while a bare chest, belly or legs fill it.
  float lower_fraction = 0;
};

// Measures skin inside `person` (image pixels). The head is taken as the top
// quarter of the box, the torso as the central band below it, and the lower
// body as the bottom half.
SkinEvidence measure_skin(const cv::Mat& bgr, const cv::Rect& person);

}  // namespace sightline::analysis

// Exposed-skin measures over a person box: a chroma-based skin mask, the
// fraction of skin pixels in bands of the box, and how much of the torso has
// the chroma of the person's own face.
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
  // Fraction of the torso centre (37.5% to 75% of the box height, the middle
  // half of its width) whose chroma lies within kFaceChromaTolerance of the
  // face's median skin chroma, 0..1. Clothing of a skin-like colour (beige,
  // pink, orange) passes the fixed skin range but rarely matches the face.
  float torso_face_match = 0;
  // Whether the head region had enough skin pixels to take the face chroma
  // from. Without them the match uses kTypicalSkinCr and kTypicalSkinCb.
  bool face_reference = false;
};

// Cr and Cb of a BGR pixel may differ from the face's median by this much
// (8-bit YCrCb) and still count as matching it.
inline constexpr int kFaceChromaTolerance = 10;
// The chroma used when no face skin is visible, near the centre of the
// skin_mask range.
inline constexpr int kTypicalSkinCr = 150;
inline constexpr int kTypicalSkinCb = 105;

// Measures skin inside `person` (image pixels). The head is taken as the top
// quarter of the box, the torso as the central band below it, and the lower
// body as the bottom half. The face chroma comes from the skin pixels of the
// top 30% of the box, middle 60% of its width.
SkinEvidence measure_skin(const cv::Mat& bgr, const cv::Rect& person);

}  // namespace sightline::analysis

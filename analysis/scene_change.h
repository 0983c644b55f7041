// The cheap stage in front of the detectors: a 32x18 grey thumbnail of a
// frame and the mean absolute difference between two thumbnails, so that
// frames equal to the last analysed one can skip the detectors.
#pragma once

#include <array>
#include <cstdint>

#include "analysis/detection.h"

namespace sightline::analysis {

// 16:9, the shape of most call video; other shapes are stretched, which the
// difference measure does not mind.
inline constexpr int kThumbnailWidth = 32;
inline constexpr int kThumbnailHeight = 18;

// Mean luma of each cell of a 32x18 grid over the frame, and how much of the
// lower half of the frame is skin coloured.
struct SceneThumbnail {
  std::array<uint8_t, kThumbnailWidth * kThumbnailHeight> cells{};
  // 0..1: skin-coloured chroma samples in the lower half of the frame, where
  // a bare chest, belly or legs appear in head-and-shoulders framing.
  float lower_skin_fraction = 0;
};

// Averages the Y plane over each grid cell. Only every second row and column
// is read, which is 4x fewer reads; a cell of a 320x180 frame is 10x10. The
// skin fraction reads every second chroma sample of the lower half.
SceneThumbnail make_thumbnail(const FrameView& frame);

// Mean absolute difference of the cells, in grey levels 0..255.
double mean_absolute_difference(const SceneThumbnail& a, const SceneThumbnail& b);

}  // namespace sightline::analysis

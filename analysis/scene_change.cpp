// Grey thumbnails and their mean absolute difference.
#include "analysis/scene_change.h"

#include <cstddef>
#include <cstdlib>

namespace sightline::analysis {
namespace {

// The chroma box of skin_mask() (analysis/skin_evidence.cpp), Cr 133..173,
// Cb 77..127 and luma at least 40, applied directly to the decoder's
// limited-range BT.601 samples. skin_mask() reads OpenCV's full-range
// conversion, so the two differ slightly: this one is only a trigger.
constexpr int kSkinCrMin = 133;
constexpr int kSkinCrMax = 173;
constexpr int kSkinCbMin = 77;
constexpr int kSkinCbMax = 127;
constexpr int kSkinLumaMin = 40;

float lower_skin_fraction(const FrameView& frame) {
  if (frame.u == nullptr || frame.v == nullptr) return 0;
  const int chroma_width = (frame.width + 1) / 2;
  const int chroma_height = (frame.height + 1) / 2;
  uint32_t skin = 0;
  uint32_t count = 0;
  for (int y = chroma_height / 2; y < chroma_height; y += 2) {
    const uint8_t* cb_row = frame.u + static_cast<ptrdiff_t>(y) * frame.uv_stride;
    const uint8_t* cr_row = frame.v + static_cast<ptrdiff_t>(y) * frame.uv_stride;
    const uint8_t* luma_row = frame.y + static_cast<ptrdiff_t>(2 * y) * frame.y_stride;
    for (int x = 0; x < chroma_width; x += 2) {
      const int cb = cb_row[x];
      const int cr = cr_row[x];
      if (cr >= kSkinCrMin && cr <= kSkinCrMax && cb >= kSkinCbMin && cb <= kSkinCbMax &&
          luma_row[2 * x] >= kSkinLumaMin) {
        ++skin;
      }
      ++count;
    }
  }
  return count == 0 ? 0.0f : static_cast<float>(skin) / static_cast<float>(count);
}

}  // namespace

SceneThumbnail make_thumbnail(const FrameView& frame) {
  SceneThumbnail thumbnail;
  if (frame.y == nullptr || frame.width < kThumbnailWidth || frame.height < kThumbnailHeight) return thumbnail;

  for (int cell_y = 0; cell_y < kThumbnailHeight; ++cell_y) {
    const int top = cell_y * frame.height / kThumbnailHeight;
    const int bottom = (cell_y + 1) * frame.height / kThumbnailHeight;
    for (int cell_x = 0; cell_x < kThumbnailWidth; ++cell_x) {
      const int left = cell_x * frame.width / kThumbnailWidth;
      const int right = (cell_x + 1) * frame.width / kThumbnailWidth;
      uint32_t sum = 0;
      uint32_t count = 0;
      for (int y = top; y < bottom; y += 2) {
        const uint8_t* row = frame.y + static_cast<ptrdiff_t>(y) * frame.y_stride;
        for (int x = left; x < right; x += 2) {
          sum += row[x];
          ++count;
        }
      }
      thumbnail.cells[static_cast<size_t>(cell_y * kThumbnailWidth + cell_x)] =
          static_cast<uint8_t>(count == 0 ? 0 : sum / count);
    }
  }
  thumbnail.lower_skin_fraction = lower_skin_fraction(frame);
  return thumbnail;
}

double mean_absolute_difference(const SceneThumbnail& a, const SceneThumbnail& b) {
  uint32_t total = 0;
  for (size_t i = 0; i < a.cells.size(); ++i) total += static_cast<uint32_t>(std::abs(a.cells[i] - b.cells[i]));
  return static_cast<double>(total) / static_cast<double>(a.cells.size());
}

}  // namespace sightline::analysis

// Grey thumbnails and their mean absolute difference.
#include "analysis/scene_change.h"

#include <cstddef>
#include <cstdlib>

namespace sightline::analysis {

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
  return thumbnail;
}

double mean_absolute_difference(const SceneThumbnail& a, const SceneThumbnail& b) {
  uint32_t total = 0;
  for (size_t i = 0; i < a.cells.size(); ++i) total += static_cast<uint32_t>(std::abs(a.cells[i] - b.cells[i]));
  return static_cast<double>(total) / static_cast<double>(a.cells.size());
}

}  // namespace sightline::analysis

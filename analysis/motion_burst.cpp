// Motion bursts on grey thumbnails, after removing a global camera shift.
#include "analysis/motion_burst.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace sightline::analysis {

int compared_cells(int max_shift) { return (kThumbnailWidth - 2 * max_shift) * (kThumbnailHeight - 2 * max_shift); }

int changed_cells_after_alignment(const SceneThumbnail& current, const SceneThumbnail& reference, int cell_threshold,
                                  int max_shift) {
  uint32_t best_difference = std::numeric_limits<uint32_t>::max();
  int best_changed = 0;
  for (int dy = -max_shift; dy <= max_shift; ++dy) {
    for (int dx = -max_shift; dx <= max_shift; ++dx) {
      uint32_t difference = 0;
      int changed = 0;
      for (int y = max_shift; y < kThumbnailHeight - max_shift; ++y) {
        for (int x = max_shift; x < kThumbnailWidth - max_shift; ++x) {
          const int a = reference.cells[static_cast<size_t>(y * kThumbnailWidth + x)];
          const int b = current.cells[static_cast<size_t>((y + dy) * kThumbnailWidth + x + dx)];
          const int cell_difference = std::abs(a - b);
          difference += static_cast<uint32_t>(cell_difference);
          if (cell_difference >= cell_threshold) ++changed;
        }
      }
      if (difference < best_difference) {
        best_difference = difference;
        best_changed = changed;
      }
    }
  }
  return best_changed;
}

bool MotionBurstDetector::update(int64_t media_time_ms, const SceneThumbnail& thumbnail) {
  // A gap of several steps (loss, a wait for a keyframe) or a jump back makes
  // the reference stale, so it is replaced without a measurement.
  if (!reference_ms_ || media_time_ms < *reference_ms_ || media_time_ms - *reference_ms_ > 5 * config_.step_ms) {
    reference_ms_ = media_time_ms;
    reference_ = thumbnail;
    return false;
  }
  if (media_time_ms - *reference_ms_ < config_.step_ms) return false;

  const int changed = changed_cells_after_alignment(thumbnail, reference_, config_.cell_threshold, kMaxShift);
  reference_ms_ = media_time_ms;
  reference_ = thumbnail;
  last_changed_cells_ = changed;
  if (!average_) {
    // The first step sets the average, so that a track that starts in motion
    // does not count as a burst.
    average_ = changed;
    return false;
  }

  const bool burst = config_.ratio > 0 && changed >= config_.min_changed_cells && changed >= config_.ratio * *average_;
  // An average_ms at or below step_ms keeps only the last step.
  const double weight =
      config_.average_ms > config_.step_ms
          ? static_cast<double>(std::max<int64_t>(config_.step_ms, 1)) / static_cast<double>(config_.average_ms)
          : 1.0;
  *average_ += weight * (changed - *average_);
  return burst;
}

}  // namespace sightline::analysis

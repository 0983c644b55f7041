// A cheap trigger for the recording device detector: a burst of local motion
// well above the track's own recent motion, as when an arm lifts a phone into
// view. Measured on the 32x18 grey thumbnails the scene stage already makes.
#pragma once

#include <cstdint>
#include <optional>

#include "analysis/scene_change.h"

namespace sightline::analysis {

struct MotionBurstConfig {
  // A burst is motion at least this many times the track's running average of
  // motion. 0 disables the trigger.
  double ratio = 2.0;
  // A burst also needs at least this many changed cells, of the 28x14 inner
  // cells compared (392), so that a still scene's noise never triggers.
  int min_changed_cells = 20;
  // A cell has changed when its grey level differs by at least this much
  // between the two thumbnails, after aligning them.
  int cell_threshold = 24;
  // Motion is measured between thumbnails this far apart in media time.
  int64_t step_ms = 200;
  // Time constant of the running average of motion.
  int64_t average_ms = 5000;
};

// Changed cells between two thumbnails, after shifting `current` by up to
// `max_shift` cells in each direction to the position that matches
// `reference` best (least absolute difference). The shift removes most of a
// camera pan or shake, so that what remains is motion inside the picture.
// Only cells at least `max_shift` from the border are compared.
int changed_cells_after_alignment(const SceneThumbnail& current, const SceneThumbnail& reference, int cell_threshold,
                                  int max_shift);

// Cells compared by changed_cells_after_alignment() at a given shift.
int compared_cells(int max_shift);

// Follows one track's motion and reports bursts.
class MotionBurstDetector {
 public:
  // Largest camera shift, in cells (10 pixels at 320x180), that alignment removes.
  static constexpr int kMaxShift = 2;

  explicit MotionBurstDetector(const MotionBurstConfig& config) : config_(config) {}

  // Takes the thumbnail of a frame shown at `media_time_ms` and returns true
  // when the motion since the thumbnail of step_ms earlier is a burst. Frames
  // within step_ms of the last measured one only wait for the next step.
  bool update(int64_t media_time_ms, const SceneThumbnail& thumbnail);

  // Running average of changed cells per step; 0 before the second step.
  double average_changed_cells() const { return average_.value_or(0.0); }
  // Changed cells of the last measured step.
  int last_changed_cells() const { return last_changed_cells_; }

 private:
  MotionBurstConfig config_;
  std::optional<int64_t> reference_ms_;
  SceneThumbnail reference_;
  std::optional<double> average_;
  int last_changed_cells_ = 0;
};

}  // namespace sightline::analysis

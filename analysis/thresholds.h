// Per-sample decision thresholds on each detector's score. `sightline eval`
// and the live pipeline share them, so that live alerts follow the quality
// measured on the labelled photographs.
#pragma once

#include "analysis/detection.h"

namespace sightline::analysis {

// Defaults, chosen on the labelled photographs (docs/models.md).
inline constexpr float kRecordingDeviceThreshold = 0.25f;
inline constexpr float kDressThreshold = 0.45f;

// A sample is positive when its score is at least its detector's threshold.
// Each threshold is 0..1, like the scores.
struct DetectionThresholds {
  float recording_device = kRecordingDeviceThreshold;
  float dress = kDressThreshold;

  float for_kind(DetectionKind kind) const {
    switch (kind) {
      case DetectionKind::recording_device:
        return recording_device;
      case DetectionKind::inappropriate_dress:
        return dress;
    }
    return recording_device;
  }
};

}  // namespace sightline::analysis

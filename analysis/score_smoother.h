// Smoothing of one detector's scores on one track. An event starts when k of
// the last n samples are positive and ends when none of the last n is, so
// a single bad frame raises nothing and a real event does not flap.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/detection.h"
#include "analysis/thresholds.h"

namespace sightline::analysis {

struct ScoreSmootherConfig {
  int k = 2;
  int n = 3;
  // A sample is positive when its score is at least its detector's threshold.
  DetectionThresholds thresholds;
};

enum class SmoothedChange : uint8_t { none, raised, cleared };

class ScoreSmoother {
 public:
  // Smooths the scores of the `kind` detector, against that detector's
  // threshold. n is clamped to 1..64 and k to 1..n.
  ScoreSmoother(const ScoreSmootherConfig& config, DetectionKind kind);

  // Adds one sample and returns whether it started or ended an event.
  SmoothedChange add(const Detection& detection);

  bool active() const { return active_; }
  float threshold() const { return threshold_; }
  // The highest positive score of the current or last event, counting the
  // samples in the window that raised it, and the latest positive box.
  float event_score() const { return event_score_; }
  const Box& event_box() const { return event_box_; }

 private:
  int k_;
  float threshold_;
  std::vector<float> window_;  // Scores of the last n samples, a ring.
  size_t next_ = 0;
  size_t filled_ = 0;
  bool active_ = false;
  float event_score_ = 0;
  Box event_box_;
};

}  // namespace sightline::analysis

// k-of-n score smoothing with hysteresis.
#include "analysis/score_smoother.h"

#include <algorithm>
#include <cstddef>

namespace sightline::analysis {

namespace {
constexpr int kMaxWindowSamples = 64;
}  // namespace

ScoreSmoother::ScoreSmoother(const ScoreSmootherConfig& config, DetectionKind kind)
    : k_(0),
      threshold_(config.thresholds.for_kind(kind)),
      window_(static_cast<size_t>(std::clamp(config.n, 1, kMaxWindowSamples))) {
  k_ = std::clamp(config.k, 1, static_cast<int>(window_.size()));
}

SmoothedChange ScoreSmoother::add(const Detection& detection) {
  const bool positive = detection.score >= threshold_;
  window_[next_] = detection.score;
  next_ = (next_ + 1) % window_.size();
  filled_ = std::min(filled_ + 1, window_.size());
  if (positive) event_box_ = detection.box;

  int positives = 0;
  float highest_positive = 0;
  for (size_t i = 0; i < filled_; ++i) {
    if (window_[i] < threshold_) continue;
    ++positives;
    highest_positive = std::max(highest_positive, window_[i]);
  }

  if (!active_) {
    if (positives < k_) return SmoothedChange::none;
    active_ = true;
    event_score_ = highest_positive;
    return SmoothedChange::raised;
  }
  if (positives == 0) {
    active_ = false;
    return SmoothedChange::cleared;
  }
  if (positive) event_score_ = std::max(event_score_, detection.score);
  return SmoothedChange::none;
}

}  // namespace sightline::analysis

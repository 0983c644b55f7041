// Per-track alert state over the score smoothers.
#include "analysis/alert_tracker.h"

#include <utility>

namespace sightline::analysis {

std::string_view to_string(AlertState state) { return state == AlertState::raised ? "raised" : "cleared"; }

AlertTracker::AlertTracker(TrackIdentity identity, const ScoreSmootherConfig& config)
    : identity_(std::move(identity)),
      config_(config),
      smoothers_{ScoreSmoother(config, DetectionKind::recording_device),
                 ScoreSmoother(config, DetectionKind::inappropriate_dress)} {}

Alert AlertTracker::make_alert(DetectionKind kind, AlertState state, std::chrono::system_clock::time_point time,
                               int64_t media_time_ms) const {
  const ScoreSmoother& smoother = smoothers_[index(kind)];
  Alert alert;
  alert.id = state == AlertState::cleared ? event_ids_[index(kind)] : 0;
  alert.state = state;
  alert.call_id = identity_.call_id;
  alert.participant_id = identity_.participant_id;
  alert.role = identity_.role;
  alert.ssrc = identity_.ssrc;
  alert.kind = kind;
  alert.score = smoother.event_score();
  alert.box = smoother.event_box();
  alert.time = time;
  alert.media_time_ms = media_time_ms;
  return alert;
}

std::optional<Alert> AlertTracker::add(const Detection& detection, std::chrono::system_clock::time_point time,
                                       int64_t media_time_ms) {
  const size_t i = index(detection.kind);
  if (i >= kKindCount) return std::nullopt;
  switch (smoothers_[i].add(detection)) {
    case SmoothedChange::raised:
      return make_alert(detection.kind, AlertState::raised, time, media_time_ms);
    case SmoothedChange::cleared:
      return make_alert(detection.kind, AlertState::cleared, time, media_time_ms);
    case SmoothedChange::none:
      break;
  }
  return std::nullopt;
}

uint32_t AlertTracker::active_kinds() const {
  uint32_t kinds = 0;
  for (size_t i = 0; i < kKindCount; ++i) {
    if (smoothers_[i].active()) kinds |= 1U << i;
  }
  return kinds;
}

std::vector<Alert> AlertTracker::clear_all(std::chrono::system_clock::time_point time, int64_t media_time_ms) {
  std::vector<Alert> cleared;
  for (size_t i = 0; i < kKindCount; ++i) {
    if (!smoothers_[i].active()) continue;
    const auto kind = static_cast<DetectionKind>(i);
    cleared.push_back(make_alert(kind, AlertState::cleared, time, media_time_ms));
    smoothers_[i] = ScoreSmoother(config_, kind);
  }
  return cleared;
}

}  // namespace sightline::analysis

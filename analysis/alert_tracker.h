// Alerts of one track: one score smoother per detection kind, turning
// smoothed events into alerts that are raised once and cleared once.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/detection.h"
#include "analysis/score_smoother.h"

namespace sightline::analysis {

enum class AlertState : uint8_t { raised, cleared };
std::string_view to_string(AlertState state);

// An alert for the supervising officer's console, without pixels.
struct Alert {
  uint64_t id = 0;  // The same id on the raise and on the clear of one event.
  AlertState state = AlertState::raised;
  std::string call_id;
  std::string participant_id;
  std::string role;
  uint32_t ssrc = 0;
  DetectionKind kind = DetectionKind::recording_device;
  // The highest smoothed-in score of the event so far.
  float score = 0;
  Box box;
  std::chrono::system_clock::time_point time;
  // The frame's presentation time on the track, from its RTP timestamp.
  int64_t media_time_ms = 0;
};

struct TrackIdentity {
  std::string call_id;
  std::string participant_id;
  std::string role;
  uint32_t ssrc = 0;
};

class AlertTracker {
 public:
  AlertTracker(TrackIdentity identity, const ScoreSmootherConfig& config);

  // Adds one detector result; returns an alert with id 0 when it raised or
  // cleared an event, which the caller numbers.
  std::optional<Alert> add(const Detection& detection, std::chrono::system_clock::time_point time,
                           int64_t media_time_ms);

  // Numbers the current event of `kind` once its raise alert got `id`.
  void set_event_id(DetectionKind kind, uint64_t id) { event_ids_[index(kind)] = id; }

  // Clears every active event, e.g. when the track ends, so that the
  // console does not keep an alert that no longer has a track.
  std::vector<Alert> clear_all(std::chrono::system_clock::time_point time, int64_t media_time_ms);

  const TrackIdentity& identity() const { return identity_; }

  // A bit (1 << kind) for each kind whose alert is raised and not yet cleared.
  uint32_t active_kinds() const;

 private:
  static constexpr size_t kKindCount = 2;
  static size_t index(DetectionKind kind) { return static_cast<size_t>(kind); }
  Alert make_alert(DetectionKind kind, AlertState state, std::chrono::system_clock::time_point time,
                   int64_t media_time_ms) const;

  TrackIdentity identity_;
  ScoreSmootherConfig config_;
  std::array<ScoreSmoother, kKindCount> smoothers_;
  std::array<uint64_t, kKindCount> event_ids_{};
};

}  // namespace sightline::analysis

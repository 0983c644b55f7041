// Frame sampling per track: rate limit, raised rate after a suspicion, the
// scene change skip and the motion burst trigger.
#include "analysis/frame_sampler.h"

namespace sightline::analysis {

SampleDecision FrameSampler::decide(int64_t media_time_ms, const SceneThumbnail& thumbnail) {
  constexpr size_t kRecording = static_cast<size_t>(DetectionKind::recording_device);
  // Every frame goes to the motion stage, so that a burst between two
  // samples is seen when it happens.
  if (config_.motion_burst.ratio > 0 && motion_.update(media_time_ms, thumbnail)) {
    const std::optional<int64_t>& last_run = last_run_ms_[kRecording];
    if (!last_run || media_time_ms - *last_run >= config_.interval_ms) burst_pending_ = true;
  }
  const bool follow_up_due = follow_up_ms_ && media_time_ms >= *follow_up_ms_;
  const bool motion = burst_pending_ || follow_up_due;

  const bool raised = boosted(media_time_ms);
  if (last_analysed_ms_) {
    const int64_t elapsed_ms = media_time_ms - *last_analysed_ms_;
    const int64_t interval_ms = raised || motion ? config_.boosted_interval_ms : config_.interval_ms;
    if (elapsed_ms < interval_ms) return SampleDecision::skip_rate;

    // While a suspicion is being confirmed every sample counts, changed or not.
    const bool unchanged = config_.scene_change_threshold > 0 &&
                           mean_absolute_difference(thumbnail, last_thumbnail_) < config_.scene_change_threshold;
    if (!raised && !motion && unchanged && elapsed_ms < config_.max_unanalysed_ms) {
      still_ = true;
      return SampleDecision::skip_unchanged;
    }
    // The first change after a still scene: something moved into view.
    scene_onset_ = still_ && !unchanged;
    still_ = unchanged;
  }

  motion_run_ = motion;
  last_analysed_ms_ = media_time_ms;
  last_thumbnail_ = thumbnail;
  return SampleDecision::analyse;
}

void FrameSampler::note_suspicion(int64_t media_time_ms) {
  boost_until_ms_ = media_time_ms + config_.boost_duration_ms;
}

void FrameSampler::note_suspicion(DetectionKind kind, int64_t media_time_ms) {
  note_suspicion(media_time_ms);
  suspicion_until_ms_[static_cast<size_t>(kind)] = media_time_ms + config_.boost_duration_ms;
}

uint32_t FrameSampler::due_detectors(int64_t media_time_ms, uint32_t active, const SceneThumbnail& thumbnail,
                                     uint32_t* routine) const {
  uint32_t triggered = 0;
  if (scene_onset_ || motion_run_) triggered |= 1U << static_cast<size_t>(DetectionKind::recording_device);
  constexpr size_t kDress = static_cast<size_t>(DetectionKind::inappropriate_dress);
  if (config_.dress_skin_rise > 0 &&
      thumbnail.lower_skin_fraction - skin_at_last_dress_run_ >= config_.dress_skin_rise) {
    triggered |= 1U << kDress;
  }
  uint32_t interval_due = 0;
  for (size_t kind = 0; kind < kDetectionKinds; ++kind) {
    const std::optional<int64_t>& last_run = last_run_ms_[kind];
    const std::optional<int64_t>& suspicion_until = suspicion_until_ms_[kind];
    const bool confirming = (active & (1U << kind)) != 0 || (suspicion_until && media_time_ms < *suspicion_until);
    if (!last_run || confirming) {
      triggered |= 1U << kind;
    } else if (media_time_ms - *last_run >= config_.detector_interval_ms[kind]) {
      interval_due |= 1U << kind;
    }
  }
  if (routine != nullptr) *routine = interval_due & ~triggered;
  return triggered | interval_due;
}

void FrameSampler::note_detectors_run(uint32_t detectors, int64_t media_time_ms, const SceneThumbnail& thumbnail) {
  for (size_t kind = 0; kind < kDetectionKinds; ++kind) {
    if ((detectors & (1U << kind)) != 0) last_run_ms_[kind] = media_time_ms;
  }
  // A burst stays pending until a recording device run is recorded, so that
  // a sample dropped from a full queue does not lose it.
  if ((detectors & (1U << static_cast<size_t>(DetectionKind::recording_device))) != 0) {
    if (burst_pending_) {
      burst_pending_ = false;
      if (config_.motion_follow_up_ms > 0) follow_up_ms_ = media_time_ms + config_.motion_follow_up_ms;
    } else if (follow_up_ms_ && media_time_ms >= *follow_up_ms_) {
      follow_up_ms_.reset();
    }
  }
  if ((detectors & (1U << static_cast<size_t>(DetectionKind::inappropriate_dress))) != 0) {
    skin_at_last_dress_run_ = thumbnail.lower_skin_fraction;
  }
}

}  // namespace sightline::analysis

// Decides which decoded frames of a track go to the detectors: a base rate,
// a raised rate for a while after a suspicion, a skip for frames that look
// the same as the last analysed one, and an extra sample on a motion burst.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "analysis/motion_burst.h"
#include "analysis/scene_change.h"

namespace sightline::analysis {

struct FrameSamplerConfig {
  // One analysed frame per second per track by default.
  int64_t interval_ms = 1000;
  // Four per second while confirming a suspicion.
  int64_t boosted_interval_ms = 250;
  int64_t boost_duration_ms = 3000;
  // A frame whose thumbnail differs from the last analysed one by less than
  // this mean absolute difference (grey levels) is skipped. 0 disables the
  // skip. A phone raised into a 32x18 cell grid changes whole cells by tens
  // of grey levels, while camera noise averages out below 1 per cell.
  double scene_change_threshold = 1.0;
  // An unchanged scene is still analysed this often, so that a change too
  // small for the thumbnail is found within this time.
  int64_t max_unanalysed_ms = 5000;
  // Minimum media time between two runs of each detector on a track, indexed
  // by DetectionKind, on top of the sampling above. A detector also runs on
  // a track's first analysed frame, and on every analysed frame while its
  // suspicion is being confirmed or its alert is raised. The recording
  // device detector also runs on the first changed frame after a still
  // scene (a phone raised in front of a fixed camera).
  // The dress detector costs more than 100 ms a run, and what a person wears
  // changes far less often than a phone is raised, so it runs every 60 s, and
  // at once on a rise of skin in the lower half of the frame (below).
  // The recording device detector runs every 8 s, and at once on a motion
  // burst (below), which is what finds a raise. The periodic run finds a
  // phone that was raised too slowly for a burst (docs/analysis.md).
  std::array<int64_t, kDetectionKinds> detector_interval_ms{8000, 60000};
  // A burst of local motion (an arm lifting a phone) makes the next frame a
  // sample once boosted_interval_ms has passed since the last sample, and
  // runs the recording device detector on it, unless that detector ran less
  // than interval_ms ago. One more run follows motion_follow_up_ms later,
  // when a raised phone is usually held still (0: no follow-up run).
  // motion_burst.ratio = 0 disables both.
  MotionBurstConfig motion_burst;
  int64_t motion_follow_up_ms = 1000;
  // Rise of the skin fraction of the frame's lower half (0..1 of its chroma
  // samples) since the dress detector's last run that runs it before its
  // interval is up. Someone undressing or stepping back to show a bare body
  // raises it. 0 disables the trigger.
  float dress_skin_rise = 0.10f;
};

enum class SampleDecision : uint8_t { analyse, skip_rate, skip_unchanged };

class FrameSampler {
 public:
  explicit FrameSampler(const FrameSamplerConfig& config) : config_(config), motion_(config.motion_burst) {}

  // Decides for a frame shown at `media_time_ms` (from its RTP timestamp).
  // An analyse decision counts as the last analysed frame.
  SampleDecision decide(int64_t media_time_ms, const SceneThumbnail& thumbnail);

  // Raises the rate until `media_time_ms` + boost_duration_ms, after a
  // detector scored a frame as suspicious.
  void note_suspicion(int64_t media_time_ms);
  bool boosted(int64_t media_time_ms) const { return boost_until_ms_ && media_time_ms < *boost_until_ms_; }

  // Which detectors run on a frame that decide() chose to analyse, as a bit
  // mask over DetectionKind (bit 1 << kind). `active` has a bit set for each
  // kind whose alert is raised. When `routine` is given, it gets the bits of
  // the due detectors whose run is routine (RunReason::routine).
  uint32_t due_detectors(int64_t media_time_ms, uint32_t active, const SceneThumbnail& thumbnail,
                         uint32_t* routine = nullptr) const;
  // Records the detectors in `detectors` (a mask as above) as run at
  // media_time_ms on the frame of `thumbnail`.
  void note_detectors_run(uint32_t detectors, int64_t media_time_ms, const SceneThumbnail& thumbnail);

  // Raises the track's sampling rate, as note_suspicion(media_time_ms) does,
  // and makes the detector of `kind` (only) run on every analysed frame
  // until media_time_ms + boost_duration_ms.
  void note_suspicion(DetectionKind kind, int64_t media_time_ms);

  // Whether the motion stage (a burst or its follow-up) requested the
  // recording device run on the frame decide() last chose to analyse.
  bool motion_run() const { return motion_run_; }

 private:
  FrameSamplerConfig config_;
  std::optional<int64_t> last_analysed_ms_;
  // The scene stage skipped the last sample as unchanged.
  bool still_ = false;
  // The last analysed frame was the first changed one after a still scene.
  bool scene_onset_ = false;
  MotionBurstDetector motion_;
  // A burst was seen and no recording device run has been recorded since.
  bool burst_pending_ = false;
  // The last analysed frame carries a burst's run or its follow-up run.
  bool motion_run_ = false;
  // Media time of the follow-up run after the last burst's run.
  std::optional<int64_t> follow_up_ms_;
  SceneThumbnail last_thumbnail_;
  std::optional<int64_t> boost_until_ms_;
  std::array<std::optional<int64_t>, kDetectionKinds> last_run_ms_{};
  std::array<std::optional<int64_t>, kDetectionKinds> suspicion_until_ms_{};
  float skin_at_last_dress_run_ = 0;
};

}  // namespace sightline::analysis

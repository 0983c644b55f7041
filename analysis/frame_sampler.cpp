// Frame sampling per track: rate limit, raised rate after a suspicion, and
// the scene change skip.
#include "analysis/frame_sampler.h"

namespace sightline::analysis {

SampleDecision FrameSampler::decide(int64_t media_time_ms, const SceneThumbnail& thumbnail) {
  const bool raised = boosted(media_time_ms);
  if (last_analysed_ms_) {
    const int64_t elapsed_ms = media_time_ms - *last_analysed_ms_;
    const int64_t interval_ms = raised ? config_.boosted_interval_ms : config_.interval_ms;
    if (elapsed_ms < interval_ms) return SampleDecision::skip_rate;

    // While a suspicion is being confirmed every sample counts, changed or not.
    const bool unchanged = config_.scene_change_threshold > 0 &&
                           mean_absolute_difference(thumbnail, last_thumbnail_) < config_.scene_change_threshold;
    if (!raised && unchanged && elapsed_ms < config_.max_unanalysed_ms) return SampleDecision::skip_unchanged;
  }
  last_analysed_ms_ = media_time_ms;
  last_thumbnail_ = thumbnail;
  return SampleDecision::analyse;
}

void FrameSampler::note_suspicion(int64_t media_time_ms) {
  boost_until_ms_ = media_time_ms + config_.boost_duration_ms;
}

}  // namespace sightline::analysis

#include "relay/call/layer_selector.h"

#include <algorithm>


namespace sightline::call {

namespace {

struct Level {
  size_t spatial = 0;
  uint8_t temporal = 0;
  uint64_t bitrate_bps = 0;
};

// Orders levels spatial layer first, then temporal layer.
bool lower(const Level& a, size_t spatial, uint8_t temporal) {
  return a.spatial < spatial || (a.spatial == spatial && a.temporal < temporal);
}

}  // namespace

const char* to_string(Congestion congestion) {
  switch (congestion) {
    case Congestion::none:
      return "none";
    case Congestion::queuing:
      return "queuing";
    case Congestion::loss:
      return "loss";
  }
  return "unknown";
}

void LayerSelector::update(uint64_t estimate_bps, Congestion congestion, std::span<const LayerBitrate> layers,
                           TimePoint now) {
  const bool congested = congestion != Congestion::none;
  std::optional<Level> lowest;
  std::optional<Level> fitting;   // highest level within the estimate
  std::optional<Level> fitting_below_target;  // the same, below the target's spatial layer
  std::optional<Level> upgrade;   // highest level within the estimate by kUpMargin
  std::optional<Level> upgrade_within_target;  // the same, within the target's spatial layer
  std::optional<uint64_t> target_bps;
  for (size_t spatial = 0; spatial < layers.size() && spatial < kMaxSimulcastLayers; ++spatial) {
    const LayerBitrate& layer = layers[spatial];
    if (!layer.active) continue;
    const uint8_t temporal_layers = layer.temporal_layers == 0 ? 1 : layer.temporal_layers;
    // Each temporal layer doubles the frame rate, so levels below the top
    // two carry less than half of the pictures. The lowest layer keeps them
    // all, as the last resort.
    const uint8_t first_temporal = !lowest ? 0 : static_cast<uint8_t>(std::max(0, temporal_layers - 2));
    for (uint8_t temporal = first_temporal; temporal < temporal_layers && temporal < kMaxTemporalLayers; ++temporal) {
      // The top temporal level stands for the whole stream, so that a
      // stream whose TIDs were not seen yet is still forwarded whole.
      const bool top = temporal + 1 == temporal_layers;
      const Level level{spatial, top ? static_cast<uint8_t>(kMaxTemporalLayers - 1) : temporal,
                        layer.cumulative_bps[temporal]};
      if (!lowest) lowest = level;
      if (target_spatial_ && spatial == *target_spatial_ && level.temporal == target_temporal_) {
        target_bps = level.bitrate_bps;
      }
      if (static_cast<double>(level.bitrate_bps) <= static_cast<double>(estimate_bps)) {
        fitting = level;
        if (target_spatial_ && spatial < *target_spatial_) fitting_below_target = level;
      }
      if (static_cast<double>(level.bitrate_bps) * kUpMargin <= static_cast<double>(estimate_bps)) {
        upgrade = level;
        if (target_spatial_ && spatial == *target_spatial_) upgrade_within_target = level;
      }
    }
  }
  if (!lowest) return;  // the publisher sends no video

  if (trial_since_) {
    if (congested) {
      ++failed_trials_;
      const milliseconds backoff =
          std::min(kMaxTrialBackoff, kTrialBackoff * (1 << std::min<uint32_t>(failed_trials_ - 1, 6)));
      up_blocked_until_ = now + backoff;
      trial_since_.reset();
    } else if (now - *trial_since_ >= kTrialWindow) {
      failed_trials_ = 0;
      trial_since_.reset();
    }
  }

  Level down = fitting.value_or(*lowest);
  if (thinned_since_ && now - *thinned_since_ >= kThinningWindow) thinned_since_.reset();
  if (target_spatial_ && down.spatial == *target_spatial_ && *target_spatial_ > lowest->spatial) {
    // Dropping temporal layers did not clear the congestion, or cannot
    // repair the pictures that loss took: a smaller picture is needed.
    const bool thinning_failed = congested && thinned_since_ && now - *thinned_since_ >= kThinningGrace;
    const bool thinning_under_loss = congestion == Congestion::loss && lower(down, *target_spatial_, target_temporal_);
    if (thinning_failed || thinning_under_loss) down = fitting_below_target.value_or(*lowest);
  }
  if (!target_spatial_) {
    target_spatial_ = down.spatial;
    target_temporal_ = down.temporal;
    return;
  }
  // The current target is no longer sent: move to what fits at once.
  const bool target_active = *target_spatial_ < layers.size() && layers[*target_spatial_].active;
  if (!target_active || !target_bps) {
    target_spatial_ = down.spatial;
    target_temporal_ = down.temporal;
    up_since_.reset();
    down_since_.reset();
    return;
  }
  if (lower(down, *target_spatial_, target_temporal_)) {
    up_since_.reset();
    // Within a trial, only congestion moves down at once: the key frame of
    // the move up raises the new layer's measured bitrate for about a
    // second, while the estimate, without probing, grows only slowly.
    const bool far_below = !trial_since_ &&
                           static_cast<double>(estimate_bps) < kDownAtOnceShare * static_cast<double>(*target_bps);
    if (!down_since_) down_since_ = now;
    if (!congested && !far_below && now - *down_since_ < kDownHold) return;
    if (congested && down.spatial == *target_spatial_) {
      if (!thinned_since_) thinned_since_ = now;
    } else {
      thinned_since_.reset();
    }
    target_spatial_ = down.spatial;
    target_temporal_ = down.temporal;
    // A later update without congestion does not restart a stopped layer:
    // only the key frame does.
    stop_on_switch_ = stop_on_switch_ || congested;
    down_since_.reset();
    return;
  }
  down_since_.reset();
  std::optional<Level> up = upgrade;
  if (up && up->spatial > *target_spatial_ && up_blocked_until_ && now < *up_blocked_until_) {
    // Backing off a failed trial: only the temporal layers of the current
    // spatial layer may grow, which costs no key frame and is undone at once.
    up = upgrade_within_target;
  }
  const bool can_go_up = up && !lower(*up, *target_spatial_, target_temporal_) &&
                         (up->spatial != *target_spatial_ || up->temporal != target_temporal_);
  if (!can_go_up) {
    up_since_.reset();
    return;
  }
  if (!up_since_) up_since_ = now;
  if (now - *up_since_ < kUpHold) return;
  if (up->spatial > *target_spatial_) trial_since_ = now;
  thinned_since_.reset();
  upgrade = up;
  target_spatial_ = upgrade->spatial;
  target_temporal_ = upgrade->temporal;
  stop_on_switch_ = false;
  up_since_.reset();
}

bool LayerSelector::on_packet(const LayerPacket& packet) {
  if (!target_spatial_) return false;
  if (packet.spatial == *target_spatial_ && current_spatial_ != target_spatial_ && packet.keyframe_start) {
    if (current_spatial_) ++switch_count_;
    current_spatial_ = target_spatial_;
    current_temporal_ = target_temporal_;
    stop_on_switch_ = false;
    stopped_ = false;
    return true;
  }
  if (!current_spatial_ || packet.spatial != *current_spatial_) return false;

  const bool draining = target_spatial_ && *target_spatial_ < *current_spatial_;
  if (stopped_) {
    // The decoder missed pictures of this layer, so it resumes only at a key frame.
    if (draining || !packet.keyframe_start) return false;
    stopped_ = false;
    stop_on_switch_ = false;
  } else if (packet.picture_start && draining && stop_on_switch_) {
    stopped_ = true;
    return false;
  }

  // Temporal changes take effect at picture starts, so no picture is cut.
  if (packet.picture_start) {
    // While a switch down waits for the key frame, the old layer keeps only
    // TL0: the path is short of bandwidth, and the key frame needs room.
    const uint8_t ceiling = draining ? 0 : target_temporal_;
    if (ceiling < current_temporal_) {
      current_temporal_ = ceiling;
    } else if (packet.keyframe_start) {
      current_temporal_ = ceiling;
    } else if (packet.layer_sync && packet.tid == current_temporal_ + 1 && packet.tid <= ceiling) {
      // One layer at a time: a sync picture of layer t references only
      // TL0, but the pictures of layer t after it may reference layer t - 1.
      current_temporal_ = packet.tid;
    }
  }
  return packet.tid <= current_temporal_;
}

}  // namespace sightline::call

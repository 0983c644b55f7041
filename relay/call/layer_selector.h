// Choice of the simulcast layer and temporal layer that one subscriber
// receives, from its bandwidth estimate and the layers' measured bitrates,
// and the per-packet decision that switches spatial layers only at a key
// frame of the target layer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "relay/base/clock.h"

namespace sightline::call {

inline constexpr size_t kMaxSimulcastLayers = 4;
// TID is 2 bits in the VP8 payload descriptor.
inline constexpr size_t kMaxTemporalLayers = 4;

// Bitrate of one inbound simulcast layer as the relay receives it.
struct LayerBitrate {
  // False when the publisher sends nothing on this layer (it pauses layers
  // its own estimate cannot carry).
  bool active = false;
  // Temporal layers seen, 1 when the stream carries no TID.
  uint8_t temporal_layers = 1;
  // Bitrate of temporal layers 0..t together, in bit/s.
  std::array<uint64_t, kMaxTemporalLayers> cumulative_bps{};
};

// Congestion on the path to a subscriber, as its bandwidth estimator reports it.
enum class Congestion : uint8_t {
  none,
  queuing,  // a standing queue: the path carries less than is sent
  loss,     // loss over 10%: the subscriber's decoder misses pictures
};

const char* to_string(Congestion congestion);

// Properties of one packet of the followed publisher that the selector uses.
struct LayerPacket {
  size_t spatial = 0;
  bool keyframe_start = false;  // first packet of a key frame
  bool picture_start = false;   // first packet of any picture (S=1, PID=0)
  uint8_t tid = 0;              // 0 when the stream carries no TID
  bool layer_sync = false;      // Y: the picture references only TL0 pictures
};

class LayerSelector {
 public:
  // The estimate must exceed a higher level's bitrate by this factor ...
  static constexpr double kUpMargin = 1.2;
  // ... continuously for this long before the selector moves up.
  static constexpr milliseconds kUpHold{3000};
  // Down at once when the path is congested, or the estimate is below this
  // share of the target's bitrate (except within kTrialWindow of a spatial
  // move up, when only congestion counts).
  static constexpr double kDownAtOnceShare = 0.7;
  // A smaller shortfall must last this long. A key frame, which the relay
  // itself requests on a switch, raises a layer's measured bitrate for up
  // to a second, and must not send the subscriber straight back down.
  static constexpr milliseconds kDownHold{1500};
  // Without probing, a spatial move up is a trial, failed if congestion
  // follows within kTrialWindow. The next one then waits kTrialBackoff,
  // doubled per further failure up to kMaxTrialBackoff (docs/simulcast.md).
  static constexpr milliseconds kTrialWindow{2000};
  static constexpr milliseconds kTrialBackoff{10000};
  static constexpr milliseconds kMaxTrialBackoff{60000};
  // A move down that only dropped temporal layers under congestion failed
  // when the path is still congested this long after it: the selector then
  // moves to a lower spatial layer. Long enough for a bottleneck queue of
  // 150 ms or so to drain and the feedback to say so.
  static constexpr milliseconds kThinningGrace{500};
  // ... as long as the congestion is reported within this time of the move.
  static constexpr milliseconds kThinningWindow{2000};

  // Picks the target from the estimate: down to the highest level that fits
  // (the lowest level when none fits), as kDownAtOnceShare and kDownHold
  // allow, and up as kUpMargin and kUpHold allow. A level is (spatial,
  // temporal), ordered spatial first. Above the lowest spatial layer, levels
  // with less than half of the layer's pictures are left out. A quarter of
  // the frame rate judders more than half the resolution blurs, and those
  // levels keep only the largest pictures (TL0), which overflow a small
  // bottleneck queue.
  // Under congestion a move down drops temporal layers of the current
  // spatial layer, which costs no key frame. Congestion that shows as loss
  // is the exception. The decoder then misses pictures already, and only a
  // key frame repairs that, so the move takes the smaller layer's key
  // frame, which gets through. A thinning that leaves the path congested
  // after kThinningGrace is followed by a spatial move too.
  void update(uint64_t estimate_bps, Congestion congestion, std::span<const LayerBitrate> layers, TimePoint now);

  // Returns true when the packet is to be forwarded. A spatial switch takes
  // effect at the first packet of a key frame of the target layer. While a
  // switch down waits, the old layer is thinned to TL0, or stopped when the
  // switch was made under congestion: its pictures would mostly be lost at
  // the bottleneck, and the queue they build delays the key frame. Temporal
  // layers drop at once, at a picture start, and come back at a layer sync
  // picture or a key frame.
  bool on_packet(const LayerPacket& packet);

  std::optional<size_t> current_spatial() const { return current_spatial_; }
  std::optional<size_t> target_spatial() const { return target_spatial_; }
  uint8_t current_temporal() const { return current_temporal_; }
  uint8_t target_temporal() const { return target_temporal_; }
  // A spatial switch is waiting for a key frame of the target layer, or the
  // stopped layer is the target again and waits for a key frame of its own.
  bool switch_pending() const { return (target_spatial_ && target_spatial_ != current_spatial_) || stopped_; }
  // The current layer is stopped until the pending key frame.
  bool stopped() const { return stopped_; }
  uint64_t switch_count() const { return switch_count_; }
  // Spatial moves up that met congestion within kTrialWindow, in a row.
  uint32_t failed_trials() const { return failed_trials_; }

 private:
  std::optional<size_t> current_spatial_;
  std::optional<size_t> target_spatial_;
  uint8_t current_temporal_ = kMaxTemporalLayers - 1;
  uint8_t target_temporal_ = kMaxTemporalLayers - 1;
  std::optional<TimePoint> up_since_;
  std::optional<TimePoint> down_since_;
  uint64_t switch_count_ = 0;
  // The last spatial move up, while it is within kTrialWindow.
  std::optional<TimePoint> trial_since_;
  uint32_t failed_trials_ = 0;
  // No spatial move up before this time.
  std::optional<TimePoint> up_blocked_until_;
  // The last move down dropped temporal layers only, under congestion.
  std::optional<TimePoint> thinned_since_;
  // The pending switch down was made under congestion, so the old layer stops.
  bool stop_on_switch_ = false;
  // No picture of the current layer is forwarded until a key frame: from a
  // picture start while stop_on_switch_ is set until the switch completes,
  // or until the current layer's own key frame when it is the target again.
  bool stopped_ = false;
};

}  // namespace sightline::call

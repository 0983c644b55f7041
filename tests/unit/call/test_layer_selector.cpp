// Tests of simulcast layer choice with hysteresis and of switching at key
// frames of the target layer only.
#include "relay/call/layer_selector.h"

#include <gtest/gtest.h>

#include <array>
#include <optional>

namespace sightline::call {
namespace {

// Three layers of one temporal layer each, at 150, 500 and 1500 kbit/s.
std::array<LayerBitrate, 3> three_layers() {
  std::array<LayerBitrate, 3> layers{};
  const std::array<uint64_t, 3> rates = {150'000, 500'000, 1'500'000};
  for (size_t i = 0; i < layers.size(); ++i) {
    layers[i].active = true;
    layers[i].temporal_layers = 1;
    layers[i].cumulative_bps.fill(rates[i]);
  }
  return layers;
}

LayerPacket frame(size_t spatial, bool keyframe) {
  LayerPacket packet;
  packet.spatial = spatial;
  packet.keyframe_start = keyframe;
  packet.picture_start = true;
  return packet;
}

LayerPacket continuation(size_t spatial) {
  LayerPacket packet;
  packet.spatial = spatial;
  return packet;
}

TEST(LayerSelector, StartsAtKeyframeOfTarget) {
  LayerSelector selector;
  const auto layers = three_layers();
  selector.update(2'000'000, Congestion::none, layers, TimePoint{});
  ASSERT_EQ(selector.target_spatial(), 2u);
  EXPECT_FALSE(selector.current_spatial().has_value());
  // Nothing goes out before the target layer's key frame, not even other layers.
  EXPECT_FALSE(selector.on_packet(frame(2, false)));
  EXPECT_FALSE(selector.on_packet(frame(0, true)));
  EXPECT_TRUE(selector.switch_pending());
  EXPECT_TRUE(selector.on_packet(frame(2, true)));
  EXPECT_TRUE(selector.on_packet(continuation(2)));
  EXPECT_FALSE(selector.on_packet(frame(1, false)));
  EXPECT_FALSE(selector.switch_pending());
  EXPECT_EQ(selector.switch_count(), 0u);
}

TEST(LayerSelector, SwitchesDownOnlyAtKeyframe) {
  LayerSelector selector;
  const auto layers = three_layers();
  TimePoint now{};
  selector.update(2'000'000, Congestion::none, layers, now);
  ASSERT_TRUE(selector.on_packet(frame(2, true)));

  // The estimate falls below the top layer: the target moves at once ...
  selector.update(600'000, Congestion::none, layers, now + milliseconds(100));
  EXPECT_EQ(selector.target_spatial(), 1u);
  // ... but the old layer keeps flowing until the new one has a key frame.
  EXPECT_TRUE(selector.on_packet(frame(2, false)));
  EXPECT_FALSE(selector.on_packet(frame(1, false)));
  EXPECT_TRUE(selector.on_packet(continuation(2)));
  EXPECT_TRUE(selector.on_packet(frame(1, true)));
  EXPECT_EQ(selector.current_spatial(), 1u);
  EXPECT_FALSE(selector.on_packet(frame(2, false)));
  EXPECT_EQ(selector.switch_count(), 1u);
}

TEST(LayerSelector, HoldsOnSmallShortfall) {
  LayerSelector selector;
  const auto layers = three_layers();
  TimePoint now{};
  selector.update(2'000'000, Congestion::none, layers, now);
  ASSERT_EQ(selector.target_spatial(), 2u);
  // 1.3 Mbit/s is short of the top layer's 1.5, but not by much: a key
  // frame's burst looks like this, so the selector waits.
  const TimePoint start = now;
  while (now - start < LayerSelector::kDownHold - milliseconds(100)) {
    now += milliseconds(100);
    selector.update(1'300'000, Congestion::none, layers, now);
    EXPECT_EQ(selector.target_spatial(), 2u);
  }
  now += milliseconds(200);
  selector.update(1'300'000, Congestion::none, layers, now);
  EXPECT_EQ(selector.target_spatial(), 1u);
}

TEST(LayerSelector, CongestionSkipsHold) {
  LayerSelector selector;
  const auto layers = three_layers();
  selector.update(2'000'000, Congestion::none, layers, TimePoint{});
  selector.update(1'300'000, Congestion::queuing, layers, TimePoint{} + milliseconds(100));
  EXPECT_EQ(selector.target_spatial(), 1u);
}

TEST(LayerSelector, BriefShortfallKeepsLayer) {
  LayerSelector selector;
  const auto layers = three_layers();
  TimePoint now{};
  selector.update(2'000'000, Congestion::none, layers, now);
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 5; ++i) selector.update(1'300'000, Congestion::none, layers, now += milliseconds(100));
    selector.update(2'000'000, Congestion::none, layers, now += milliseconds(100));
  }
  EXPECT_EQ(selector.target_spatial(), 2u);
}

TEST(LayerSelector, ThinsOldLayerWhileSwitchingDown) {
  LayerSelector selector;
  auto layers = three_layers();
  for (auto& layer : layers) layer.temporal_layers = 3;
  selector.update(2'000'000, Congestion::none, layers, TimePoint{});
  ASSERT_TRUE(selector.on_packet(frame(2, true)));
  LayerPacket tl1 = frame(2, false);
  tl1.tid = 1;
  EXPECT_TRUE(selector.on_packet(tl1));

  // Far below the top layer, but without congestion reported.
  selector.update(600'000, Congestion::none, layers, TimePoint{} + milliseconds(100));
  ASSERT_TRUE(selector.switch_pending());
  // The old layer's TL0 pictures still flow, its TL1 and TL2 do not.
  EXPECT_FALSE(selector.on_packet(tl1));
  EXPECT_TRUE(selector.on_packet(frame(2, false)));
  EXPECT_TRUE(selector.on_packet(frame(1, true)));
  LayerPacket new_tl1 = frame(1, false);
  new_tl1.tid = 1;
  EXPECT_TRUE(selector.on_packet(new_tl1));
}

TEST(LayerSelector, StopsOldLayerOnCongestedSwitch) {
  LayerSelector selector;
  auto layers = three_layers();
  for (auto& layer : layers) layer.temporal_layers = 3;
  selector.update(2'000'000, Congestion::none, layers, TimePoint{});
  ASSERT_TRUE(selector.on_packet(frame(2, true)));
  EXPECT_TRUE(selector.on_packet(continuation(2)));

  selector.update(600'000, Congestion::queuing, layers, TimePoint{} + milliseconds(100));
  ASSERT_TRUE(selector.switch_pending());
  // The picture in progress completes; from the next picture on nothing of
  // the old layer flows, TL0 included, so the bottleneck queue drains.
  EXPECT_TRUE(selector.on_packet(continuation(2)));
  EXPECT_FALSE(selector.on_packet(frame(2, false)));
  EXPECT_TRUE(selector.stopped());
  EXPECT_FALSE(selector.on_packet(continuation(2)));
  EXPECT_FALSE(selector.on_packet(frame(2, false)));
  // A later update without congestion does not restart the old layer.
  selector.update(600'000, Congestion::none, layers, TimePoint{} + milliseconds(200));
  EXPECT_FALSE(selector.on_packet(frame(2, false)));
  EXPECT_TRUE(selector.on_packet(frame(1, true)));
  EXPECT_EQ(selector.current_spatial(), 1u);
  EXPECT_FALSE(selector.stopped());
  EXPECT_TRUE(selector.on_packet(frame(1, false)));
}

TEST(LayerSelector, StoppedLayerResumesAtKeyframe) {
  LayerSelector selector;
  const auto layers = three_layers();
  TimePoint now{};
  selector.update(2'000'000, Congestion::none, layers, now);
  ASSERT_TRUE(selector.on_packet(frame(2, true)));
  selector.update(600'000, Congestion::queuing, layers, now += milliseconds(100));
  EXPECT_FALSE(selector.on_packet(frame(2, false)));
  ASSERT_TRUE(selector.stopped());

  // The path recovers before layer 1's key frame came: the target is the
  // top layer again, which the decoder can resume only at a key frame.
  for (int i = 0; i < 40; ++i) selector.update(2'000'000, Congestion::none, layers, now += milliseconds(100));
  ASSERT_EQ(selector.target_spatial(), 2u);
  EXPECT_TRUE(selector.switch_pending());
  EXPECT_FALSE(selector.on_packet(frame(2, false)));
  EXPECT_FALSE(selector.on_packet(frame(1, true)));
  EXPECT_TRUE(selector.on_packet(frame(2, true)));
  EXPECT_FALSE(selector.switch_pending());
  EXPECT_TRUE(selector.on_packet(frame(2, false)));
  EXPECT_EQ(selector.switch_count(), 0u);
}

TEST(LayerSelector, FallsToLowestWhenNothingFits) {
  LayerSelector selector;
  selector.update(10'000, Congestion::none, three_layers(), TimePoint{});
  EXPECT_EQ(selector.target_spatial(), 0u);
}

TEST(LayerSelector, GoesUpOnlyAfterHoldWithMargin) {
  LayerSelector selector;
  const auto layers = three_layers();
  TimePoint now{};
  selector.update(600'000, Congestion::none, layers, now);
  ASSERT_EQ(selector.target_spatial(), 1u);

  // Above the top layer's bitrate but within the margin: no move.
  for (int i = 0; i < 50; ++i) {
    now += milliseconds(100);
    selector.update(1'600'000, Congestion::none, layers, now);
  }
  EXPECT_EQ(selector.target_spatial(), 1u);

  // Beyond the margin, the move waits for the hold time.
  const TimePoint start = now;
  while (now - start < LayerSelector::kUpHold - milliseconds(100)) {
    now += milliseconds(100);
    selector.update(2'000'000, Congestion::none, layers, now);
    EXPECT_EQ(selector.target_spatial(), 1u);
  }
  now += milliseconds(200);
  selector.update(2'000'000, Congestion::none, layers, now);
  EXPECT_EQ(selector.target_spatial(), 2u);
}

TEST(LayerSelector, DipRestartsHold) {
  LayerSelector selector;
  const auto layers = three_layers();
  TimePoint now{};
  selector.update(600'000, Congestion::none, layers, now);
  for (int i = 0; i < 25; ++i) {
    now += milliseconds(100);
    selector.update(2'000'000, Congestion::none, layers, now);
  }
  now += milliseconds(100);
  selector.update(1'000'000, Congestion::none, layers, now);  // a dip, still enough for layer 1
  for (int i = 0; i < 25; ++i) {
    now += milliseconds(100);
    selector.update(2'000'000, Congestion::none, layers, now);
  }
  EXPECT_EQ(selector.target_spatial(), 1u);
}

// Runs updates every 100 ms for `duration` and returns the time of the
// first target change to `spatial`, if any.
std::optional<TimePoint> run_until_target(LayerSelector& selector, uint64_t estimate_bps, size_t spatial,
                                          TimePoint& now, Duration duration) {
  const auto layers = three_layers();
  const TimePoint end = now + duration;
  while (now < end) {
    now += milliseconds(100);
    selector.update(estimate_bps, Congestion::none, layers, now);
    if (selector.target_spatial() == spatial) return now;
  }
  return std::nullopt;
}

// A move up that meets congestion at once was a failed trial: the next move
// up waits 10 s, then 20 s after a second failure, while a move up that
// stays clear ends the backoff.
TEST(LayerSelector, BacksOffAfterFailedTrialUp) {
  LayerSelector selector;
  const auto layers = three_layers();
  TimePoint now{};
  selector.update(600'000, Congestion::none, layers, now);
  ASSERT_EQ(selector.target_spatial(), 1u);
  ASSERT_TRUE(run_until_target(selector, 2'000'000, 2, now, seconds(4)));

  // Congestion right after the move: back down, and the trial failed.
  now += milliseconds(500);
  selector.update(600'000, Congestion::queuing, layers, now);
  EXPECT_EQ(selector.target_spatial(), 1u);
  EXPECT_EQ(selector.failed_trials(), 1u);
  const TimePoint failed_at = now;
  // The estimate clears the top layer at once, but the move waits out the
  // backoff, and then the usual hold.
  const std::optional<TimePoint> second = run_until_target(selector, 2'000'000, 2, now, seconds(15));
  ASSERT_TRUE(second);
  EXPECT_GE(*second - failed_at, LayerSelector::kTrialBackoff + LayerSelector::kUpHold);
  EXPECT_LT(*second - failed_at, LayerSelector::kTrialBackoff + LayerSelector::kUpHold + seconds(1));

  // A second failed trial doubles the wait.
  now += milliseconds(300);
  selector.update(600'000, Congestion::queuing, layers, now);
  EXPECT_EQ(selector.failed_trials(), 2u);
  const TimePoint failed_again_at = now;
  const std::optional<TimePoint> third = run_until_target(selector, 2'000'000, 2, now, seconds(30));
  ASSERT_TRUE(third);
  EXPECT_GE(*third - failed_again_at, 2 * LayerSelector::kTrialBackoff);

  // This time the path carries it: once clear for the trial window, the
  // count of failures is reset.
  run_until_target(selector, 2'000'000, 3, now, LayerSelector::kTrialWindow + milliseconds(200));
  EXPECT_EQ(selector.target_spatial(), 2u);
  EXPECT_EQ(selector.failed_trials(), 0u);
}

// Congestion long after a move up is not a failed trial.
TEST(LayerSelector, LateCongestionIsNoFailedTrial) {
  LayerSelector selector;
  const auto layers = three_layers();
  TimePoint now{};
  selector.update(600'000, Congestion::none, layers, now);
  ASSERT_TRUE(run_until_target(selector, 2'000'000, 2, now, seconds(4)));
  run_until_target(selector, 2'000'000, 3, now, LayerSelector::kTrialWindow + milliseconds(200));
  selector.update(600'000, Congestion::queuing, layers, now + milliseconds(100));
  EXPECT_EQ(selector.failed_trials(), 0u);
  now += milliseconds(100);
  // So the next move up waits only for the usual hold.
  const std::optional<TimePoint> up = run_until_target(selector, 2'000'000, 2, now, seconds(5));
  ASSERT_TRUE(up);
}

TEST(LayerSelector, SkipsPausedLayer) {
  LayerSelector selector;
  auto layers = three_layers();
  selector.update(2'000'000, Congestion::none, layers, TimePoint{});
  ASSERT_TRUE(selector.on_packet(frame(2, true)));
  // The publisher stops sending its top layer.
  layers[2].active = false;
  layers[2].cumulative_bps.fill(0);
  selector.update(2'000'000, Congestion::none, layers, TimePoint{} + milliseconds(100));
  EXPECT_EQ(selector.target_spatial(), 1u);
}

TEST(LayerSelector, ThinsTemporalLayers) {
  LayerSelector selector;
  // One layer with three temporal layers: TL0 200, +TL1 300, +TL2 450 kbit/s.
  std::array<LayerBitrate, 1> layers{};
  layers[0].active = true;
  layers[0].temporal_layers = 3;
  layers[0].cumulative_bps = {200'000, 300'000, 450'000, 450'000};
  TimePoint now{};
  selector.update(1'000'000, Congestion::none, layers, now);
  ASSERT_TRUE(selector.on_packet(frame(0, true)));

  LayerPacket tl2 = frame(0, false);
  tl2.tid = 2;
  LayerPacket tl1 = frame(0, false);
  tl1.tid = 1;
  LayerPacket tl0 = frame(0, false);
  EXPECT_TRUE(selector.on_packet(tl2));

  // 300 kbit/s carries TL0 and TL1 only, and is far enough below the whole
  // stream's 450 that TL2 pictures are dropped at once.
  selector.update(300'000, Congestion::none, layers, now += milliseconds(100));
  EXPECT_FALSE(selector.on_packet(tl2));
  EXPECT_TRUE(selector.on_packet(tl1));
  EXPECT_TRUE(selector.on_packet(tl0));
  EXPECT_FALSE(selector.switch_pending());

  // Back up after the hold: TL2 returns only at a TL2 layer sync picture.
  for (int i = 0; i < 40; ++i) selector.update(1'000'000, Congestion::none, layers, now += milliseconds(100));
  EXPECT_FALSE(selector.on_packet(tl2));
  LayerPacket sync = tl2;
  sync.layer_sync = true;
  EXPECT_TRUE(selector.on_packet(sync));
  EXPECT_TRUE(selector.on_packet(tl2));
}

// Three spatial layers of three temporal layers each; per layer, the
// bitrates of TL0, TL0-1 and the whole stream.
std::array<LayerBitrate, 3> three_by_three_layers() {
  std::array<LayerBitrate, 3> layers{};
  const std::array<std::array<uint64_t, 3>, 3> rates = {{
      {40'000, 60'000, 100'000}, {100'000, 150'000, 250'000}, {300'000, 450'000, 700'000}}};
  for (size_t i = 0; i < layers.size(); ++i) {
    layers[i].active = true;
    layers[i].temporal_layers = 3;
    layers[i].cumulative_bps = {rates[i][0], rates[i][1], rates[i][2], rates[i][2]};
  }
  return layers;
}

TEST(LayerSelector, PrefersSmallerPictureToQuarterFrameRate) {
  LayerSelector selector;
  const auto layers = three_by_three_layers();
  // 400 kbit/s carries the top layer's TL0 (300), a quarter of its pictures,
  // but not its TL0-1 (450): the middle layer goes whole instead.
  selector.update(400'000, Congestion::none, layers, TimePoint{});
  EXPECT_EQ(selector.target_spatial(), 1u);
  EXPECT_EQ(selector.target_temporal(), kMaxTemporalLayers - 1);
  // Half of the top layer's pictures are worth keeping.
  LayerSelector half;
  half.update(500'000, Congestion::none, layers, TimePoint{});
  EXPECT_EQ(half.target_spatial(), 2u);
  EXPECT_EQ(half.target_temporal(), 1u);
  // The lowest layer is the last resort, down to its TL0.
  LayerSelector lowest;
  lowest.update(50'000, Congestion::none, layers, TimePoint{});
  EXPECT_EQ(lowest.target_spatial(), 0u);
  EXPECT_EQ(lowest.target_temporal(), 0u);
}

TEST(LayerSelector, LastingCongestionAfterThinningMovesDown) {
  LayerSelector selector;
  const auto layers = three_by_three_layers();
  TimePoint now{};
  selector.update(2'000'000, Congestion::none, layers, now);
  ASSERT_TRUE(selector.on_packet(frame(2, true)));

  // Congestion with an estimate that still fits half the top layer's
  // pictures: temporal layers go first, as that costs no key frame.
  selector.update(500'000, Congestion::queuing, layers, now += milliseconds(100));
  EXPECT_EQ(selector.target_spatial(), 2u);
  EXPECT_EQ(selector.target_temporal(), 1u);
  const TimePoint thinned = now;
  while (now - thinned < LayerSelector::kThinningGrace - milliseconds(100)) {
    selector.update(500'000, Congestion::queuing, layers, now += milliseconds(100));
    EXPECT_EQ(selector.target_spatial(), 2u);
  }
  // The path is still congested: the thinned layer did not fit after all.
  selector.update(500'000, Congestion::queuing, layers, now += milliseconds(100));
  EXPECT_EQ(selector.target_spatial(), 1u);
  EXPECT_TRUE(selector.switch_pending());
}

TEST(LayerSelector, ThinningThatClearsCongestionKeepsLayer) {
  LayerSelector selector;
  const auto layers = three_by_three_layers();
  TimePoint now{};
  selector.update(2'000'000, Congestion::none, layers, now);
  ASSERT_TRUE(selector.on_packet(frame(2, true)));
  selector.update(500'000, Congestion::queuing, layers, now += milliseconds(100));
  ASSERT_EQ(selector.target_temporal(), 1u);
  // The queue drains: no congestion reported at or after the grace.
  for (int i = 0; i < 10; ++i) selector.update(500'000, Congestion::none, layers, now += milliseconds(100));
  EXPECT_EQ(selector.target_spatial(), 2u);
  // Congestion long after the thinning is not taken for its failure: the
  // level still fits the estimate, so it stays.
  selector.update(500'000, Congestion::queuing, layers, now += seconds(5));
  EXPECT_EQ(selector.target_spatial(), 2u);
  EXPECT_EQ(selector.target_temporal(), 1u);
}

TEST(LayerSelector, LossMovesDownSpatiallyAtOnce) {
  LayerSelector selector;
  const auto layers = three_by_three_layers();
  TimePoint now{};
  selector.update(2'000'000, Congestion::none, layers, now);
  ASSERT_TRUE(selector.on_packet(frame(2, true)));
  // The same estimate as in the queuing case, but the path drops packets:
  // the decoder misses pictures, so the move takes the key frame of a
  // smaller layer instead of thinning the top one.
  selector.update(500'000, Congestion::loss, layers, now += milliseconds(100));
  EXPECT_EQ(selector.target_spatial(), 1u);
  EXPECT_EQ(selector.target_temporal(), kMaxTemporalLayers - 1);
  ASSERT_TRUE(selector.on_packet(frame(1, true)));

  // The losses of packets queued before the switch are reported for a
  // while. The middle layer fits the estimate, so they move it no further.
  for (int i = 0; i < 5; ++i) selector.update(500'000, Congestion::loss, layers, now += milliseconds(100));
  EXPECT_EQ(selector.target_spatial(), 1u);
}

TEST(LayerSelector, TrialKeyframeBurstKeepsLayer) {
  LayerSelector selector;
  auto layers = three_layers();
  TimePoint now{};
  selector.update(600'000, Congestion::none, layers, now);
  ASSERT_EQ(selector.target_spatial(), 1u);
  const std::optional<TimePoint> up = run_until_target(selector, 1'900'000, 2, now, seconds(4));
  ASSERT_TRUE(up);
  ASSERT_TRUE(selector.on_packet(frame(2, true)));

  // The move's key frame lifts the top layer's measured bitrate to 3 Mbit/s
  // for a second, far above the estimate, on a clear path: no move down.
  layers[2].cumulative_bps.fill(3'000'000);
  for (int i = 0; i < 10; ++i) {
    selector.update(1'900'000, Congestion::none, layers, now += milliseconds(100));
    EXPECT_EQ(selector.target_spatial(), 2u);
  }
  // Congestion within the trial still moves down at once.
  selector.update(1'900'000, Congestion::queuing, layers, now += milliseconds(100));
  EXPECT_EQ(selector.target_spatial(), 1u);
}

}  // namespace
}  // namespace sightline::call

// Tests of the motion burst stage: a large object entering the picture is a
// burst, while a moving head, a camera shake and a still scene are not.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "analysis/frame_sampler.h"
#include "analysis/motion_burst.h"
#include "analysis/scene_change.h"

namespace sightline::analysis {
namespace {

constexpr int kWidth = 320;
constexpr int kHeight = 180;
constexpr int64_t kFrameMs = 1000 / 15;

// A 320x180 luma frame: a textured background of 20x20 pixel squares (so
// that a camera shift changes cells), a bright head that can sit anywhere,
// and an optional dark block standing in for a hand holding a phone.
struct Scene {
  int camera_dx = 0;  // Camera shift in pixels; moves everything.
  int head_x = 130;   // Left edge of the 60x80 head, before the camera shift.
  // Top edge of the 50x80 phone block; kHeight or more hides it.
  int phone_top = kHeight;

  std::vector<uint8_t> render() const {
    std::vector<uint8_t> y(static_cast<size_t>(kWidth * kHeight));
    for (int row = 0; row < kHeight; ++row) {
      for (int col = 0; col < kWidth; ++col) {
        const int x = col + camera_dx;
        uint8_t value = ((x / 20) + (row / 20)) % 2 == 0 ? 70 : 110;
        if (x >= head_x && x < head_x + 60 && row >= 40 && row < 120) value = 200;
        if (x >= 200 && x < 250 && row >= phone_top && row < phone_top + 80) value = 15;
        y[static_cast<size_t>(row * kWidth + col)] = value;
      }
    }
    return y;
  }

  SceneThumbnail thumbnail() const {
    const std::vector<uint8_t> y = render();
    // No chroma: the motion stage reads luma only, and the skin fraction is 0.
    return make_thumbnail(FrameView{y.data(), nullptr, nullptr, kWidth, 0, kWidth, kHeight});
  }
};

// A head swaying 4 pixels each way at 15 fps, as a talking head does.
Scene talking_head(int frame) {
  Scene scene;
  const int sway[] = {0, 2, 4, 2, 0, -2, -4, -2};
  scene.head_x += sway[frame % 8];
  return scene;
}

TEST(MotionBurst, AlignmentRemovesCameraShift) {
  Scene before;
  Scene after;
  after.camera_dx = 10;  // One cell at 320x180.
  const SceneThumbnail a = before.thumbnail();
  const SceneThumbnail b = after.thumbnail();
  EXPECT_GT(changed_cells_after_alignment(b, a, 24, 0), 100);
  EXPECT_EQ(changed_cells_after_alignment(b, a, 24, MotionBurstDetector::kMaxShift), 0);
}

TEST(MotionBurst, ComparedCellsExcludeBorder) {
  EXPECT_EQ(compared_cells(0), 576);
  EXPECT_EQ(compared_cells(2), 392);
}

TEST(MotionBurst, StillSceneNeverBursts) {
  MotionBurstDetector motion{MotionBurstConfig{}};
  const SceneThumbnail still = Scene{}.thumbnail();
  for (int frame = 0; frame < 150; ++frame) {
    EXPECT_FALSE(motion.update(frame * kFrameMs, still)) << "frame " << frame;
  }
  EXPECT_EQ(motion.last_changed_cells(), 0);
}

TEST(MotionBurst, TalkingHeadDoesNotBurst) {
  MotionBurstDetector motion{MotionBurstConfig{}};
  for (int frame = 0; frame < 300; ++frame) {
    EXPECT_FALSE(motion.update(frame * kFrameMs, talking_head(frame).thumbnail())) << "frame " << frame;
  }
}

TEST(MotionBurst, CameraShakeDoesNotBurst) {
  MotionBurstDetector motion{MotionBurstConfig{}};
  const int shake[] = {0, 6, 12, 6, 0, -6, -12, -6};
  for (int frame = 0; frame < 300; ++frame) {
    Scene scene = talking_head(frame);
    scene.camera_dx = shake[frame % 8];
    EXPECT_FALSE(motion.update(frame * kFrameMs, scene.thumbnail())) << "frame " << frame;
  }
}

TEST(MotionBurst, RaisedPhoneBursts) {
  MotionBurstDetector motion{MotionBurstConfig{}};
  int frame = 0;
  for (; frame < 75; ++frame) ASSERT_FALSE(motion.update(frame * kFrameMs, talking_head(frame).thumbnail()));

  // The hand and phone rise from below the frame to 60 pixels from the top
  // within 8 frames (about 0.5 s), while the head keeps swaying.
  bool burst = false;
  for (int step = 1; step <= 8; ++step, ++frame) {
    Scene scene = talking_head(frame);
    scene.phone_top = kHeight - step * 15;
    burst = motion.update(frame * kFrameMs, scene.thumbnail()) || burst;
  }
  EXPECT_TRUE(burst);
  EXPECT_GE(motion.last_changed_cells(), MotionBurstConfig{}.min_changed_cells);
}

TEST(MotionBurst, ZeroRatioDisables) {
  MotionBurstConfig config;
  config.ratio = 0;
  MotionBurstDetector motion{config};
  int frame = 0;
  for (; frame < 15; ++frame) motion.update(frame * kFrameMs, Scene{}.thumbnail());
  Scene raised;
  raised.phone_top = 60;
  bool burst = false;
  for (; frame < 30; ++frame) burst = motion.update(frame * kFrameMs, raised.thumbnail()) || burst;
  EXPECT_FALSE(burst);
}

TEST(MotionBurst, GapReplacesReference) {
  MotionBurstDetector motion{MotionBurstConfig{}};
  for (int frame = 0; frame < 15; ++frame) motion.update(frame * kFrameMs, Scene{}.thumbnail());
  // Two seconds without frames (a wait for a keyframe), then a changed scene:
  // the stale reference is replaced, not compared.
  Scene raised;
  raised.phone_top = 60;
  EXPECT_FALSE(motion.update(3000, raised.thumbnail()));
  EXPECT_FALSE(motion.update(3200, raised.thumbnail()));
  EXPECT_EQ(motion.last_changed_cells(), 0);
}

constexpr uint32_t kRecordingBit = 1U << static_cast<uint32_t>(DetectionKind::recording_device);

// Runs the sampler over frames from `from` to `to` (15 fps frame numbers),
// recording every due detector as run, and returns the media times of the
// recording device runs. `routine`, when given, gets the routine ones.
std::vector<int64_t> recording_runs(FrameSampler& sampler, int from, int to, int phone_from_frame,
                                    std::vector<int64_t>* routine = nullptr) {
  std::vector<int64_t> runs;
  for (int frame = from; frame < to; ++frame) {
    Scene scene = talking_head(frame);
    if (frame >= phone_from_frame) scene.phone_top = std::max(60, kHeight - (frame - phone_from_frame + 1) * 15);
    const int64_t t = frame * kFrameMs;
    const SceneThumbnail thumbnail = scene.thumbnail();
    if (sampler.decide(t, thumbnail) != SampleDecision::analyse) continue;
    uint32_t routine_bits = 0;
    const uint32_t due = sampler.due_detectors(t, 0, thumbnail, &routine_bits);
    sampler.note_detectors_run(due, t, thumbnail);
    if ((due & kRecordingBit) != 0) runs.push_back(t);
    if (routine != nullptr && (routine_bits & kRecordingBit) != 0) routine->push_back(t);
  }
  return runs;
}

// The default sampler without the scene change skip, so that only the motion
// stage and the interval decide, and with a recording device interval of
// 4 s, which the cases below reason with (the default is 8 s).
FrameSamplerConfig without_scene_skip() {
  FrameSamplerConfig config;
  config.scene_change_threshold = 0;
  config.detector_interval_ms[static_cast<size_t>(DetectionKind::recording_device)] = 4000;
  return config;
}

TEST(MotionBurstCadence, TalkingHeadRunsOnlyAtInterval) {
  FrameSampler sampler{without_scene_skip()};
  // 20 s: the first sample and then every 4 s, at the sample after each.
  std::vector<int64_t> routine;
  const std::vector<int64_t> runs = recording_runs(sampler, 0, 300, 1000, &routine);
  ASSERT_EQ(runs.size(), 5U);
  // All but the track's first are routine, so they may take the cheap pass.
  EXPECT_EQ(routine, std::vector<int64_t>(runs.begin() + 1, runs.end()));
}

TEST(MotionBurstCadence, TalkingHeadAtDefaultIntervalRunsEvery8Seconds) {
  FrameSamplerConfig config;
  config.scene_change_threshold = 0;
  FrameSampler sampler{config};
  // 20 s: the first sample, then at 8 s and 16 s.
  const std::vector<int64_t> runs = recording_runs(sampler, 0, 300, 1000);
  ASSERT_EQ(runs.size(), 3U);
  EXPECT_GE(runs[1], 8000);
  EXPECT_LT(runs[1], 9000);
  EXPECT_GE(runs[2], 16000);
  EXPECT_LT(runs[2], 17000);
}

TEST(MotionBurstCadence, RaiseRunsDetectorAtOnceAndOnceMore) {
  FrameSampler sampler{without_scene_skip()};
  // The phone starts rising at frame 80 (5.3 s), 1.3 s after the periodic
  // run at 4 s, so the next periodic run would be at 8 s.
  std::vector<int64_t> routine;
  const std::vector<int64_t> runs = recording_runs(sampler, 0, 120, 80, &routine);
  std::vector<int64_t> after_raise;
  for (const int64_t t : runs) {
    if (t >= 80 * kFrameMs) after_raise.push_back(t);
  }
  ASSERT_EQ(after_raise.size(), 2U);
  // Both are the motion stage's, so both look at the whole frame.
  for (const int64_t t : after_raise) {
    EXPECT_EQ(std::count(routine.begin(), routine.end(), t), 0) << "run at " << t << " ms";
  }
  // Within 0.6 s of the raise starting, then the follow-up 1 s later.
  EXPECT_LE(after_raise[0] - 80 * kFrameMs, 600);
  EXPECT_GE(after_raise[1] - after_raise[0], 1000);
  EXPECT_LE(after_raise[1] - after_raise[0], 1000 + kFrameMs);
}

TEST(MotionBurstCadence, DroppedSampleKeepsBurstPending) {
  FrameSampler sampler{without_scene_skip()};
  recording_runs(sampler, 0, 80, 1000);

  // The phone rises from frame 80. Every sample is dropped from a full
  // queue, so no run is recorded, until the first sample from 6 s on.
  std::vector<int64_t> requested;
  for (int frame = 80; frame < 110; ++frame) {
    Scene scene = talking_head(frame);
    scene.phone_top = std::max(60, kHeight - (frame - 79) * 15);
    const int64_t t = frame * kFrameMs;
    const SceneThumbnail thumbnail = scene.thumbnail();
    if (sampler.decide(t, thumbnail) != SampleDecision::analyse) continue;
    if ((sampler.due_detectors(t, 0, thumbnail) & kRecordingBit) == 0) continue;
    requested.push_back(t);
    if (t >= 6000) {
      sampler.note_detectors_run(kRecordingBit, t, thumbnail);
      break;
    }
  }
  // The burst requests the run again on each sample at the boosted rate until it
  // is recorded, although the periodic run is not due before 8 s.
  ASSERT_GE(requested.size(), 3U);
  EXPECT_GE(requested.back(), 6000);
  EXPECT_LT(requested.back(), 6000 + 250 + kFrameMs);
}

TEST(MotionBurstCadence, DisabledStageWaitsForInterval) {
  FrameSamplerConfig config = without_scene_skip();
  config.motion_burst.ratio = 0;
  FrameSampler sampler{config};
  const std::vector<int64_t> runs = recording_runs(sampler, 0, 120, 80);
  for (const int64_t t : runs) {
    EXPECT_TRUE(t < 80 * kFrameMs || t >= 8000) << "run at " << t << " ms";
  }
}

}  // namespace
}  // namespace sightline::analysis

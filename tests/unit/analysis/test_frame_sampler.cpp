// Tests of frame sampling: base rate, raised rate after a suspicion, and the
// scene change skip on grey thumbnails.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "analysis/frame_sampler.h"
#include "analysis/scene_change.h"

namespace sightline::analysis {
namespace {

constexpr int64_t kFrameMs15Fps = 1000 / 15;

// A 320x180 grey frame with an optional bright rectangle, standing in for a
// phone raised in front of the camera.
struct TestFrame {
  std::vector<uint8_t> y = std::vector<uint8_t>(320 * 180, 80);
  FrameView view() const { return FrameView{y.data(), y.data(), y.data(), 320, 160, 320, 180}; }
  void fill_rectangle(int left, int top, int width, int height, uint8_t value) {
    for (int row = top; row < top + height; ++row) {
      for (int col = left; col < left + width; ++col) y[static_cast<size_t>(row * 320 + col)] = value;
    }
  }
};

int count_analysed(FrameSampler& sampler, const SceneThumbnail& thumbnail, int64_t from_ms, int64_t to_ms) {
  int analysed = 0;
  for (int64_t t = from_ms; t < to_ms; t += kFrameMs15Fps) {
    if (sampler.decide(t, thumbnail) == SampleDecision::analyse) ++analysed;
  }
  return analysed;
}

TEST(SceneThumbnail, MeasuresRaisedObject) {
  TestFrame plain;
  TestFrame with_phone;
  // 40x60 pixels, about 4% of the frame, 150 grey levels brighter.
  with_phone.fill_rectangle(140, 60, 40, 60, 230);
  const SceneThumbnail a = make_thumbnail(plain.view());
  const SceneThumbnail b = make_thumbnail(with_phone.view());
  EXPECT_EQ(a.cells[0], 80);
  EXPECT_DOUBLE_EQ(mean_absolute_difference(a, a), 0.0);
  EXPECT_GT(mean_absolute_difference(a, b), 5.0);
  EXPECT_LT(mean_absolute_difference(a, b), 8.0);
}

TEST(FrameSampler, DefaultRateIsOnePerSecond) {
  FrameSamplerConfig config;
  config.scene_change_threshold = 0;
  FrameSampler sampler(config);
  EXPECT_EQ(count_analysed(sampler, SceneThumbnail{}, 0, 10000), 10);
}

TEST(FrameSampler, SuspicionRaisesRateForBoostDuration) {
  FrameSamplerConfig config;
  config.scene_change_threshold = 0;
  FrameSampler sampler(config);
  EXPECT_EQ(count_analysed(sampler, SceneThumbnail{}, 0, 2000), 2);
  sampler.note_suspicion(2000);
  EXPECT_TRUE(sampler.boosted(2500));
  // Four per second for three seconds; 15 fps frames land 267 ms apart
  // at the 250 ms interval, so 11 or 12 samples fit.
  const int boosted = count_analysed(sampler, SceneThumbnail{}, 2000, 5000);
  EXPECT_GE(boosted, 11);
  EXPECT_LE(boosted, 12);
  EXPECT_FALSE(sampler.boosted(5000));
  // Back to one per second: 4 or 5 in the next 5 s, depending on where the
  // last boosted sample fell.
  const int after = count_analysed(sampler, SceneThumbnail{}, 5000, 10000);
  EXPECT_GE(after, 4);
  EXPECT_LE(after, 5);
}

TEST(FrameSampler, SkipsUnchangedScene) {
  FrameSampler sampler(FrameSamplerConfig{});
  TestFrame plain;
  const SceneThumbnail still = make_thumbnail(plain.view());
  EXPECT_EQ(sampler.decide(0, still), SampleDecision::analyse);
  EXPECT_EQ(sampler.decide(500, still), SampleDecision::skip_rate);
  EXPECT_EQ(sampler.decide(1000, still), SampleDecision::skip_unchanged);
  EXPECT_EQ(sampler.decide(4933, still), SampleDecision::skip_unchanged);
  // Never longer than max_unanalysed_ms without a look.
  EXPECT_EQ(sampler.decide(5000, still), SampleDecision::analyse);
}

TEST(FrameSampler, RaisedPhoneIsNotSkipped) {
  FrameSampler sampler(FrameSamplerConfig{});
  TestFrame plain;
  TestFrame with_phone;
  with_phone.fill_rectangle(140, 60, 40, 60, 230);
  EXPECT_EQ(sampler.decide(0, make_thumbnail(plain.view())), SampleDecision::analyse);
  EXPECT_EQ(sampler.decide(1200, make_thumbnail(plain.view())), SampleDecision::skip_unchanged);
  // The first frame showing the phone once the interval has passed.
  EXPECT_EQ(sampler.decide(1267, make_thumbnail(with_phone.view())), SampleDecision::analyse);
}

TEST(FrameSampler, BoostAnalysesUnchangedFrames) {
  FrameSampler sampler(FrameSamplerConfig{});
  const SceneThumbnail still{};
  EXPECT_EQ(sampler.decide(0, still), SampleDecision::analyse);
  sampler.note_suspicion(0);
  EXPECT_EQ(sampler.decide(267, still), SampleDecision::analyse);
  EXPECT_EQ(sampler.decide(533, still), SampleDecision::analyse);
}

}  // namespace
}  // namespace sightline::analysis

namespace sightline::analysis {
namespace {

constexpr uint32_t kRecordingBit = 1U << static_cast<uint32_t>(DetectionKind::recording_device);
constexpr uint32_t kDressBit = 1U << static_cast<uint32_t>(DetectionKind::inappropriate_dress);

// Runs the sampler over `to_ms - from_ms` of 15 fps frames and counts the
// runs of each detector, as the analysis worker does.
struct RunCounts {
  int recording = 0;
  int dress = 0;
};

RunCounts count_runs(FrameSampler& sampler, int64_t from_ms, int64_t to_ms, uint32_t active = 0) {
  RunCounts counts;
  for (int64_t t = from_ms; t < to_ms; t += kFrameMs15Fps) {
    if (sampler.decide(t, SceneThumbnail{}) != SampleDecision::analyse) continue;
    const uint32_t due = sampler.due_detectors(t, active, SceneThumbnail{});
    sampler.note_detectors_run(due, t, SceneThumbnail{});
    if ((due & kRecordingBit) != 0) ++counts.recording;
    if ((due & kDressBit) != 0) ++counts.dress;
  }
  return counts;
}

FrameSamplerConfig cadence(int64_t recording_ms, int64_t dress_ms) {
  FrameSamplerConfig config;
  // No scene change skip, so that every second brings a sample.
  config.scene_change_threshold = 0;
  config.detector_interval_ms[static_cast<size_t>(DetectionKind::recording_device)] = recording_ms;
  config.detector_interval_ms[static_cast<size_t>(DetectionKind::inappropriate_dress)] = dress_ms;
  return config;
}

TEST(DetectorCadence, EachDetectorKeepsItsInterval) {
  FrameSampler sampler(cadence(3000, 30000));
  const RunCounts counts = count_runs(sampler, 0, 60000);
  // 15 fps frames are 66 ms apart here, so samples fall every 1056 ms and
  // the recording device detector runs on every third: 19 times in 60 s.
  // The dress detector runs at 0 and at the first sample after 30 s.
  EXPECT_EQ(counts.recording, 19);
  EXPECT_EQ(counts.dress, 2);
}

TEST(DetectorCadence, ZeroIntervalRunsOnEverySample) {
  FrameSampler sampler(cadence(0, 0));
  const RunCounts counts = count_runs(sampler, 0, 10000);
  EXPECT_EQ(counts.recording, 10);
  EXPECT_EQ(counts.dress, 10);
}

TEST(DetectorCadence, FirstSampleRunsEveryDetector) {
  FrameSampler sampler(cadence(3000, 30000));
  ASSERT_EQ(sampler.decide(5000, SceneThumbnail{}), SampleDecision::analyse);
  EXPECT_EQ(sampler.due_detectors(5000, 0, SceneThumbnail{}), kRecordingBit | kDressBit);
}

TEST(DetectorCadence, SuspicionRunsOnlyThatKindAtRaisedRate) {
  FrameSampler sampler(cadence(3000, 30000));
  count_runs(sampler, 0, 1000);
  sampler.note_suspicion(DetectionKind::recording_device, 1000);
  // Three seconds at four samples per second: 11 or 12 samples, each with
  // the recording device detector, and the dress detector not before 30 s.
  const RunCounts boosted = count_runs(sampler, 1000, 4000);
  EXPECT_GE(boosted.recording, 11);
  EXPECT_LE(boosted.recording, 12);
  EXPECT_EQ(boosted.dress, 0);
}

TEST(DetectorCadence, RaisedAlertRunsOnEverySample) {
  FrameSampler sampler(cadence(3000, 30000));
  count_runs(sampler, 0, 1000);
  // While a dress alert is raised, the dress detector runs on every sample,
  // so that the alert clears as soon as the person is dressed.
  const RunCounts active = count_runs(sampler, 1000, 11000, kDressBit);
  EXPECT_EQ(active.dress, 10);
  EXPECT_EQ(active.recording, 3);
}

TEST(DetectorCadence, UnrunDetectorStaysDue) {
  FrameSampler sampler(cadence(3000, 30000));
  ASSERT_EQ(sampler.decide(0, SceneThumbnail{}), SampleDecision::analyse);
  // The frame was dropped (queue full), so nothing was recorded as run.
  EXPECT_EQ(sampler.due_detectors(0, 0, SceneThumbnail{}), kRecordingBit | kDressBit);
  EXPECT_EQ(sampler.due_detectors(1000, 0, SceneThumbnail{}), kRecordingBit | kDressBit);
  sampler.note_detectors_run(kRecordingBit, 1000, SceneThumbnail{});
  EXPECT_EQ(sampler.due_detectors(2000, 0, SceneThumbnail{}), kDressBit);
}

TEST(DetectorCadence, SkinRiseRunsDressEarly) {
  FrameSampler sampler(cadence(3000, 30000));
  SceneThumbnail dressed;
  dressed.lower_skin_fraction = 0.45f;  // A face filling the frame.
  ASSERT_EQ(sampler.decide(0, dressed), SampleDecision::analyse);
  sampler.note_detectors_run(sampler.due_detectors(0, 0, dressed), 0, dressed);

  // The same skin a few seconds later: only the interval counts.
  EXPECT_EQ(sampler.due_detectors(5000, 0, dressed), kRecordingBit);
  SceneThumbnail slightly_more = dressed;
  slightly_more.lower_skin_fraction = 0.50f;
  EXPECT_EQ(sampler.due_detectors(5000, 0, slightly_more), kRecordingBit);

  // Much more skin in the lower half: the dress detector runs now, and its
  // new reference is this frame.
  SceneThumbnail bare = dressed;
  bare.lower_skin_fraction = 0.70f;
  EXPECT_EQ(sampler.due_detectors(6000, 0, bare), kRecordingBit | kDressBit);
  sampler.note_detectors_run(kRecordingBit | kDressBit, 6000, bare);
  EXPECT_EQ(sampler.due_detectors(7000, 0, bare), 0U);
}

// A sampler with a 5 s recording device interval. It ran its first sample on
// a still scene at 0 and skipped the next, at 1000 ms, as unchanged. Also the
// thumbnails of that scene and of the same scene with a phone in it.
struct StillScene {
  FrameSampler sampler;
  SceneThumbnail still;
  SceneThumbnail raised;
};

StillScene still_scene() {
  FrameSamplerConfig config;
  config.detector_interval_ms[static_cast<size_t>(DetectionKind::recording_device)] = 5000;
  // The motion stage would also see the phone appear and add a follow-up
  // run; these tests are about the scene stage alone.
  config.motion_burst.ratio = 0;
  TestFrame plain;
  TestFrame with_phone;
  with_phone.fill_rectangle(140, 60, 40, 60, 230);
  StillScene scene{FrameSampler(config), make_thumbnail(plain.view()), make_thumbnail(with_phone.view())};
  EXPECT_EQ(scene.sampler.decide(0, scene.still), SampleDecision::analyse);
  scene.sampler.note_detectors_run(scene.sampler.due_detectors(0, 0, scene.still), 0, scene.still);
  EXPECT_EQ(scene.sampler.decide(1000, scene.still), SampleDecision::skip_unchanged);
  return scene;
}

TEST(DetectorCadence, ChangeAfterStillSceneRunsRecordingDevice) {
  auto [sampler, still, raised] = still_scene();
  // The phone appears 2 s after the last run, before the 5 s interval.
  ASSERT_EQ(sampler.decide(2000, raised), SampleDecision::analyse);
  EXPECT_EQ(sampler.due_detectors(2000, 0, raised), kRecordingBit);
  sampler.note_detectors_run(kRecordingBit, 2000, raised);

  // A scene that keeps changing waits for the interval.
  ASSERT_EQ(sampler.decide(3000, still), SampleDecision::analyse);
  EXPECT_EQ(sampler.due_detectors(3000, 0, still), 0U);
}

TEST(DetectorCadence, OnlyIntervalRunsAreRoutine) {
  FrameSampler sampler(cadence(3000, 30000));
  uint32_t routine = 0xff;
  // A track's first run is triggered: there is nothing to remember yet.
  ASSERT_EQ(sampler.decide(0, SceneThumbnail{}), SampleDecision::analyse);
  ASSERT_EQ(sampler.due_detectors(0, 0, SceneThumbnail{}, &routine), kRecordingBit | kDressBit);
  EXPECT_EQ(routine, 0U);
  sampler.note_detectors_run(kRecordingBit | kDressBit, 0, SceneThumbnail{});

  // The recording device's interval passed and nothing else asked for it.
  ASSERT_EQ(sampler.decide(3000, SceneThumbnail{}), SampleDecision::analyse);
  ASSERT_EQ(sampler.due_detectors(3000, 0, SceneThumbnail{}, &routine), kRecordingBit);
  EXPECT_EQ(routine, kRecordingBit);
  sampler.note_detectors_run(kRecordingBit, 3000, SceneThumbnail{});

  // A suspicion being confirmed, or a raised alert, is not routine.
  sampler.note_suspicion(DetectionKind::recording_device, 3000);
  ASSERT_EQ(sampler.decide(3250, SceneThumbnail{}), SampleDecision::analyse);
  ASSERT_EQ(sampler.due_detectors(3250, 0, SceneThumbnail{}, &routine), kRecordingBit);
  EXPECT_EQ(routine, 0U);
  ASSERT_EQ(sampler.due_detectors(40000, kRecordingBit, SceneThumbnail{}, &routine), kRecordingBit | kDressBit);
  EXPECT_EQ(routine, kDressBit);

  // More skin triggers the dress detector even when its interval passed too.
  SceneThumbnail bare;
  bare.lower_skin_fraction = 0.7f;
  ASSERT_EQ(sampler.due_detectors(40000, kRecordingBit, bare, &routine), kRecordingBit | kDressBit);
  EXPECT_EQ(routine, 0U);
}

TEST(DetectorCadence, RunForChangeAfterStillSceneIsTriggered) {
  auto [sampler, still, raised] = still_scene();
  // The change comes after the interval, which alone would make it routine.
  ASSERT_EQ(sampler.decide(6000, raised), SampleDecision::analyse);
  uint32_t routine = 0xff;
  ASSERT_EQ(sampler.due_detectors(6000, 0, raised, &routine) & kRecordingBit, kRecordingBit);
  EXPECT_EQ(routine & kRecordingBit, 0U);
}

TEST(DetectorCadence, SkinRiseTriggerCanBeDisabled) {
  FrameSamplerConfig config = cadence(3000, 30000);
  config.dress_skin_rise = 0;
  FrameSampler sampler(config);
  sampler.note_detectors_run(kRecordingBit | kDressBit, 0, SceneThumbnail{});
  SceneThumbnail bare;
  bare.lower_skin_fraction = 0.9f;
  EXPECT_EQ(sampler.due_detectors(1000, 0, bare), 0U);
}

TEST(SceneThumbnail, MeasuresLowerSkin) {
  // An I420 frame whose chroma is skin coloured in the lower half only.
  const int width = 320;
  const int height = 180;
  std::vector<uint8_t> luma(width * height, 120);
  std::vector<uint8_t> cb((width / 2) * (height / 2), 128);
  std::vector<uint8_t> cr((width / 2) * (height / 2), 128);
  for (int y = height / 4; y < height / 2; ++y) {
    for (int x = 0; x < width / 2; ++x) {
      cb[static_cast<size_t>(y * (width / 2) + x)] = 105;
      cr[static_cast<size_t>(y * (width / 2) + x)] = 150;
    }
  }
  const FrameView frame{luma.data(), cb.data(), cr.data(), width, width / 2, width, height};
  EXPECT_FLOAT_EQ(make_thumbnail(frame).lower_skin_fraction, 1.0f);

  // Grey chroma everywhere: no skin.
  std::fill(cb.begin(), cb.end(), 128);
  std::fill(cr.begin(), cr.end(), 128);
  EXPECT_FLOAT_EQ(make_thumbnail(frame).lower_skin_fraction, 0.0f);
}

}  // namespace
}  // namespace sightline::analysis

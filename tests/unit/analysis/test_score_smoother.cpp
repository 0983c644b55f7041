// Tests of score smoothing (k of the last n samples) and of the alerts it
// raises: once per event, cleared when the event ends.
#include <gtest/gtest.h>

#include <vector>

#include "analysis/alert_tracker.h"
#include "analysis/evaluation.h"
#include "analysis/score_smoother.h"

namespace sightline::analysis {
namespace {

Detection phone(float score) {
  Detection detection;
  detection.kind = DetectionKind::recording_device;
  detection.score = score;
  detection.box = Box{0.25F, 0.5F, 0.1F, 0.2F};
  return detection;
}

Detection dress(float score) {
  Detection detection = phone(score);
  detection.kind = DetectionKind::inappropriate_dress;
  return detection;
}

std::vector<SmoothedChange> run(ScoreSmoother& smoother, const std::vector<float>& scores) {
  std::vector<SmoothedChange> changes;
  for (const float score : scores) changes.push_back(smoother.add(phone(score)));
  return changes;
}

ScoreSmootherConfig config_with_thresholds(float device_threshold, float dress_threshold) {
  ScoreSmootherConfig config;
  config.thresholds.recording_device = device_threshold;
  config.thresholds.dress = dress_threshold;
  return config;
}

constexpr auto kNone = SmoothedChange::none;
constexpr auto kRaised = SmoothedChange::raised;
constexpr auto kCleared = SmoothedChange::cleared;

TEST(ScoreSmoother, OneBadFrameRaisesNothing) {
  ScoreSmoother smoother(ScoreSmootherConfig{}, DetectionKind::recording_device);
  EXPECT_EQ(run(smoother, {0.1F, 0.9F, 0.1F, 0.2F, 0.95F, 0.0F, 0.1F}),
            (std::vector<SmoothedChange>{kNone, kNone, kNone, kNone, kNone, kNone, kNone}));
  EXPECT_FALSE(smoother.active());
}

TEST(ScoreSmoother, TwoOfThreeRaisesOnce) {
  ScoreSmoother smoother(ScoreSmootherConfig{}, DetectionKind::recording_device);
  EXPECT_EQ(run(smoother, {0.8F, 0.2F, 0.7F, 0.9F, 0.9F, 0.3F, 0.9F}),
            (std::vector<SmoothedChange>{kNone, kNone, kRaised, kNone, kNone, kNone, kNone}));
  EXPECT_TRUE(smoother.active());
  EXPECT_FLOAT_EQ(smoother.event_score(), 0.9F);
}

TEST(ScoreSmoother, ClearsAfterNNegatives) {
  ScoreSmoother smoother(ScoreSmootherConfig{}, DetectionKind::recording_device);
  EXPECT_EQ(run(smoother, {0.6F, 0.7F, 0.1F, 0.1F, 0.1F, 0.1F}),
            (std::vector<SmoothedChange>{kNone, kRaised, kNone, kNone, kCleared, kNone}));
  EXPECT_FALSE(smoother.active());
}

TEST(ScoreSmoother, ScoreAtThresholdIsPositive) {
  ScoreSmoother smoother(config_with_thresholds(0.5F, 0.5F), DetectionKind::recording_device);
  EXPECT_EQ(run(smoother, {0.5F, 0.5F}), (std::vector<SmoothedChange>{kNone, kRaised}));
}

TEST(ScoreSmoother, ClampsKToN) {
  ScoreSmootherConfig config;
  config.k = 5;
  config.n = 2;
  ScoreSmoother smoother(config, DetectionKind::recording_device);
  EXPECT_EQ(run(smoother, {0.9F, 0.9F}), (std::vector<SmoothedChange>{kNone, kRaised}));
}

TEST(ScoreSmoother, DefaultsAreEvaluationThresholds) {
  const ScoreSmootherConfig config;
  EXPECT_FLOAT_EQ(config.thresholds.recording_device, kRecordingDeviceThreshold);
  EXPECT_FLOAT_EQ(config.thresholds.dress, kDressThreshold);
  EXPECT_FLOAT_EQ(ScoreSmoother(config, DetectionKind::recording_device).threshold(), kRecordingDeviceThreshold);
  EXPECT_FLOAT_EQ(ScoreSmoother(config, DetectionKind::inappropriate_dress).threshold(), kDressThreshold);
}

TEST(ScoreSmoother, EachKindUsesItsThreshold) {
  const ScoreSmootherConfig config = config_with_thresholds(0.3F, 0.6F);
  ScoreSmoother device(config, DetectionKind::recording_device);
  ScoreSmoother clothing(config, DetectionKind::inappropriate_dress);
  EXPECT_EQ(run(device, {0.3F, 0.1F, 0.35F}), (std::vector<SmoothedChange>{kNone, kNone, kRaised}));
  EXPECT_EQ(clothing.add(dress(0.5F)), kNone);
  EXPECT_EQ(clothing.add(dress(0.55F)), kNone);
  EXPECT_EQ(clothing.add(dress(0.6F)), kNone);
  EXPECT_EQ(clothing.add(dress(0.6F)), kRaised);
}

// The live pipeline decides as `sightline eval` does: a recording device
// score of 0.3 is positive (threshold 0.25) and a dress score of 0.4 is not
// (threshold 0.45), after the same k of n smoothing.
TEST(AlertTracker, DefaultThresholdsPerKind) {
  AlertTracker tracker(TrackIdentity{"call-1", "caller-7", "caller", 1234}, ScoreSmootherConfig{});
  const auto time = std::chrono::system_clock::now();
  for (int sample = 0; sample < 6; ++sample) {
    EXPECT_FALSE(tracker.add(dress(0.4F), time, sample * 1000)) << "dress sample " << sample;
  }
  EXPECT_EQ(tracker.active_kinds(), 0U);

  EXPECT_FALSE(tracker.add(phone(0.3F), time, 6000));
  const std::optional<Alert> raised = tracker.add(phone(0.3F), time, 7000);
  ASSERT_TRUE(raised);
  EXPECT_EQ(raised->state, AlertState::raised);
  EXPECT_EQ(raised->kind, DetectionKind::recording_device);
  EXPECT_FLOAT_EQ(raised->score, 0.3F);
  EXPECT_EQ(tracker.active_kinds(), 1U << static_cast<unsigned>(DetectionKind::recording_device));
}

TEST(AlertTracker, ClearAllKeepsThresholds) {
  AlertTracker tracker(TrackIdentity{"call-1", "caller-7", "caller", 1234}, config_with_thresholds(0.3F, 0.6F));
  const auto time = std::chrono::system_clock::now();
  tracker.add(phone(0.3F), time, 0);
  ASSERT_TRUE(tracker.add(phone(0.3F), time, 1000));
  ASSERT_EQ(tracker.clear_all(time, 2000).size(), 1U);

  // After the reset, 0.3 is still positive and 0.29 still is not.
  EXPECT_FALSE(tracker.add(phone(0.29F), time, 3000));
  EXPECT_FALSE(tracker.add(phone(0.29F), time, 4000));
  EXPECT_FALSE(tracker.add(phone(0.3F), time, 5000));
  EXPECT_TRUE(tracker.add(phone(0.3F), time, 6000));
}

TEST(AlertTracker, RaiseAndClearCarryIdentity) {
  AlertTracker tracker(TrackIdentity{"call-1", "caller-7", "caller", 1234}, ScoreSmootherConfig{});
  const auto time = std::chrono::system_clock::now();
  EXPECT_FALSE(tracker.add(phone(0.9F), time, 0));
  const std::optional<Alert> raised = tracker.add(phone(0.8F), time, 1000);
  ASSERT_TRUE(raised);
  EXPECT_EQ(raised->state, AlertState::raised);
  EXPECT_EQ(raised->call_id, "call-1");
  EXPECT_EQ(raised->participant_id, "caller-7");
  EXPECT_EQ(raised->ssrc, 1234U);
  EXPECT_EQ(raised->kind, DetectionKind::recording_device);
  EXPECT_FLOAT_EQ(raised->score, 0.9F);
  EXPECT_FLOAT_EQ(raised->box.x, 0.25F);
  EXPECT_EQ(raised->media_time_ms, 1000);
  tracker.set_event_id(DetectionKind::recording_device, 42);

  // Dress scores are smoothed separately and raise nothing here.
  EXPECT_FALSE(tracker.add(dress(0.9F), time, 1500));

  EXPECT_FALSE(tracker.add(phone(0.1F), time, 2000));
  EXPECT_FALSE(tracker.add(phone(0.1F), time, 3000));
  const std::optional<Alert> cleared = tracker.add(phone(0.1F), time, 4000);
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->state, AlertState::cleared);
  EXPECT_EQ(cleared->id, 42U);
}

TEST(AlertTracker, ClearAllEndsActiveEvents) {
  AlertTracker tracker(TrackIdentity{"call-1", "caller-7", "caller", 1234}, ScoreSmootherConfig{});
  const auto time = std::chrono::system_clock::now();
  tracker.add(phone(0.9F), time, 0);
  tracker.add(phone(0.9F), time, 1000);
  tracker.set_event_id(DetectionKind::recording_device, 7);
  const std::vector<Alert> cleared = tracker.clear_all(time, 2000);
  ASSERT_EQ(cleared.size(), 1U);
  EXPECT_EQ(cleared[0].id, 7U);
  EXPECT_EQ(cleared[0].state, AlertState::cleared);
  EXPECT_TRUE(tracker.clear_all(time, 3000).empty());
}

}  // namespace
}  // namespace sightline::analysis

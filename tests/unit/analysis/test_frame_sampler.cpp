// Tests of frame sampling: base rate, raised rate after a suspicion, and the
// scene change skip on grey thumbnails.
#include <gtest/gtest.h>

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

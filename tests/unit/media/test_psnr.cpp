// Tests of PSNR against values worked out by hand.
#include "tools/media/psnr.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sightline::media {
namespace {

I420Frame filled(int width, int height, uint8_t value) {
  I420Frame frame;
  frame.resize(width, height);
  std::fill(frame.data.begin(), frame.data.end(), value);
  return frame;
}

TEST(Psnr, IdenticalFramesCapped) {
  const I420Frame a = filled(16, 8, 90);
  const auto psnr = compute_psnr(a, a);
  ASSERT_TRUE(psnr.has_value());
  EXPECT_EQ(psnr->y_db, kMaxPsnrDb);
  EXPECT_EQ(psnr->combined_db, kMaxPsnrDb);
}

TEST(Psnr, UniformErrorOfFive) {
  // Every luma sample off by 5: MSE 25, PSNR 10 log10(65025 / 25) = 34.15 dB.
  const I420Frame a = filled(16, 8, 100);
  I420Frame b = a;
  for (uint8_t& sample : b.y()) sample = 105;
  const auto psnr = compute_psnr(a, b);
  ASSERT_TRUE(psnr.has_value());
  EXPECT_NEAR(psnr->y_db, 10 * std::log10(65025.0 / 25), 1e-9);
  // Chroma is exact: the combined MSE is 25 * 128 / 192.
  EXPECT_NEAR(psnr->combined_db, 10 * std::log10(65025.0 / (25.0 * 128 / 192)), 1e-9);
}

TEST(Psnr, OddDimensions) {
  const I420Frame a = filled(5, 3, 0);
  EXPECT_EQ(a.data.size(), 15u + 2 * 6);
  I420Frame b = a;
  b.v()[5] = 255;
  const auto psnr = compute_psnr(a, b);
  ASSERT_TRUE(psnr.has_value());
  EXPECT_EQ(psnr->y_db, kMaxPsnrDb);
  EXPECT_NEAR(psnr->combined_db, 10 * std::log10(27.0), 1e-9);
}

TEST(Psnr, SizeMismatchRejected) {
  EXPECT_FALSE(compute_psnr(filled(16, 8, 0), filled(8, 16, 0)).has_value());
  I420Frame broken = filled(16, 8, 0);
  broken.data.pop_back();
  EXPECT_FALSE(compute_psnr(filled(16, 8, 0), broken).has_value());
}

}  // namespace
}  // namespace sightline::media

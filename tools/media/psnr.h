// Peak signal-to-noise ratio between two 8-bit I420 frames, the peer's
// measure of received video quality against the source clip.
#pragma once

#include <optional>

#include "tools/media/i420_frame.h"

namespace sightline::media {

// PSNR for identical planes, where the formula gives infinity.
inline constexpr double kMaxPsnrDb = 100.0;

struct Psnr {
  double y_db = 0;         // Luma plane only.
  double combined_db = 0;  // Mean squared error over all Y, U and V samples.
};

// Computes the PSNR of `decoded` against `reference` with peak 255, capped at
// kMaxPsnrDb. Returns nullopt when the dimensions differ or a buffer does not
// match its dimensions.
std::optional<Psnr> compute_psnr(const I420Frame& reference, const I420Frame& decoded);

}  // namespace sightline::media

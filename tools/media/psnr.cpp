// PSNR = 10 log10(255^2 / MSE), over the Y plane and over all three planes.
#include "tools/media/psnr.h"

#include <cmath>
#include <cstdint>

namespace sightline::media {

namespace {

constexpr double kPeakSquared = 255.0 * 255.0;

uint64_t sum_squared_error(ByteView a, ByteView b) {
  uint64_t sum = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const int diff = static_cast<int>(a[i]) - static_cast<int>(b[i]);
    sum += static_cast<uint64_t>(diff * diff);
  }
  return sum;
}

double psnr_from_error(uint64_t squared_error, size_t samples) {
  if (squared_error == 0 || samples == 0) return kMaxPsnrDb;
  const double mse = static_cast<double>(squared_error) / static_cast<double>(samples);
  const double db = 10.0 * std::log10(kPeakSquared / mse);
  return db > kMaxPsnrDb ? kMaxPsnrDb : db;
}

}  // namespace

std::optional<Psnr> compute_psnr(const I420Frame& reference, const I420Frame& decoded) {
  if (reference.width != decoded.width || reference.height != decoded.height) return std::nullopt;
  if (reference.data.size() != reference.total_size() || decoded.data.size() != decoded.total_size()) {
    return std::nullopt;
  }

  const uint64_t y_error = sum_squared_error(reference.y(), decoded.y());
  const uint64_t chroma_error =
      sum_squared_error(reference.u(), decoded.u()) + sum_squared_error(reference.v(), decoded.v());

  Psnr result;
  result.y_db = psnr_from_error(y_error, reference.y_size());
  result.combined_db = psnr_from_error(y_error + chroma_error, reference.total_size());
  return result;
}

}  // namespace sightline::media

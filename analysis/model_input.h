// Conversions between the I420 frames analysis decodes and the BGR images the
// OpenCV models read, and the letterbox that fits a frame into a model input.
#pragma once

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "analysis/detection.h"

namespace sightline::analysis {

// Converts an I420 frame to a BGR image (a new buffer the caller owns).
cv::Mat frame_to_bgr(const FrameView& frame);

// An I420 copy of a BGR image with even width and height, for feeding
// still images through the same path as decoded frames.
class I420Image {
 public:
  explicit I420Image(const cv::Mat& bgr);
  FrameView view() const;

 private:
  std::vector<uint8_t> data_;
  int width_ = 0;
  int height_ = 0;
};

// A frame scaled to fit a model input, keeping its aspect ratio, with the
// padding at the right and bottom.
struct Letterbox {
  cv::Mat image;
  // Model input pixels per frame pixel.
  float scale = 1;
};

Letterbox letterbox(const cv::Mat& bgr, cv::Size input_size);
Letterbox letterbox(const cv::Mat& bgr, int input_size);

}  // namespace sightline::analysis

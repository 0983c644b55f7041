// Frame format conversions for the analysis models.
#include "analysis/model_input.h"

#include <algorithm>
#include <cstring>

#include <opencv2/imgproc.hpp>

namespace sightline::analysis {

cv::Mat frame_to_bgr(const FrameView& frame) {
  // cvtColor wants the three planes stacked; copy them into one buffer.
  cv::Mat planar(frame.height * 3 / 2, frame.width, CV_8UC1);
  for (int row = 0; row < frame.height; ++row) {
    std::memcpy(planar.ptr(row), frame.y + row * frame.y_stride, frame.width);
  }
  const int chroma_width = frame.width / 2;
  const int chroma_height = frame.height / 2;
  uint8_t* u_out = planar.ptr(frame.height);
  uint8_t* v_out = u_out + chroma_width * chroma_height;
  for (int row = 0; row < chroma_height; ++row) {
    std::memcpy(u_out + row * chroma_width, frame.u + row * frame.uv_stride, chroma_width);
    std::memcpy(v_out + row * chroma_width, frame.v + row * frame.uv_stride, chroma_width);
  }
  cv::Mat bgr;
  cv::cvtColor(planar, bgr, cv::COLOR_YUV2BGR_I420);
  return bgr;
}

I420Image::I420Image(const cv::Mat& bgr) {
  width_ = bgr.cols & ~1;
  height_ = bgr.rows & ~1;
  cv::Mat planar;
  cv::cvtColor(bgr(cv::Rect(0, 0, width_, height_)), planar, cv::COLOR_BGR2YUV_I420);
  data_.assign(planar.datastart, planar.dataend);
}

FrameView I420Image::view() const {
  FrameView frame;
  frame.width = width_;
  frame.height = height_;
  frame.y_stride = width_;
  frame.uv_stride = width_ / 2;
  frame.y = data_.data();
  frame.u = frame.y + width_ * height_;
  frame.v = frame.u + (width_ / 2) * (height_ / 2);
  return frame;
}

Letterbox letterbox(const cv::Mat& bgr, cv::Size input_size) {
  Letterbox result;
  result.scale = std::min(static_cast<float>(input_size.width) / static_cast<float>(bgr.cols),
                          static_cast<float>(input_size.height) / static_cast<float>(bgr.rows));
  const int width = std::clamp(static_cast<int>(bgr.cols * result.scale + 0.5f), 1, input_size.width);
  const int height = std::clamp(static_cast<int>(bgr.rows * result.scale + 0.5f), 1, input_size.height);
  result.image = cv::Mat(input_size, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::resize(bgr, result.image(cv::Rect(0, 0, width, height)), cv::Size(width, height), 0, 0, cv::INTER_AREA);
  return result;
}

Letterbox letterbox(const cv::Mat& bgr, int input_size) { return letterbox(bgr, cv::Size(input_size, input_size)); }

}  // namespace sightline::analysis

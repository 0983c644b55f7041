// nsfwjs MobileNetV2 inference.
#include "analysis/model_nsfw.h"

#include <opencv2/imgproc.hpp>

namespace sightline::analysis {
namespace {

constexpr int kInputSize = 224;

}  // namespace

NsfwClassifier::NsfwClassifier(const std::filesystem::path& model_file)
    : net_(cv::dnn::readNetFromONNX(model_file.string())) {}

NsfwScores NsfwClassifier::classify(const cv::Mat& bgr) {
  // The model takes NHWC RGB scaled to 0..1, as nsfwjs feeds it.
  cv::Mat resized;
  cv::resize(bgr, resized, cv::Size(kInputSize, kInputSize), 0, 0, cv::INTER_AREA);
  cv::Mat rgb;
  cv::cvtColor(resized, rgb, cv::COLOR_BGR2RGB);
  cv::Mat input;
  rgb.convertTo(input, CV_32FC3, 1.0 / 255.0);
  const int shape[] = {1, kInputSize, kInputSize, 3};
  net_.setInput(cv::Mat(4, shape, CV_32F, input.data));

  const cv::Mat output = net_.forward();
  const float* p = output.ptr<float>();
  return {p[0], p[1], p[2], p[3], p[4]};
}

}  // namespace sightline::analysis

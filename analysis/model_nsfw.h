// The nsfwjs MobileNetV2 image classifier through OpenCV dnn.
#pragma once

#include <array>
#include <filesystem>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

namespace sightline::analysis {

// Class probabilities in the model's output order.
struct NsfwScores {
  float drawing = 0;
  float hentai = 0;
  float neutral = 0;
  float porn = 0;
  float sexy = 0;
};

class NsfwClassifier {
 public:
  // Throws cv::Exception when the file cannot be read.
  explicit NsfwClassifier(const std::filesystem::path& model_file);

  // Classifies a BGR image (or crop), resized to the model's 224x224 input.
  NsfwScores classify(const cv::Mat& bgr);

 private:
  cv::dnn::Net net_;
};

}  // namespace sightline::analysis

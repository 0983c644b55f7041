// NanoDet (COCO, 80 classes) through OpenCV dnn: the input normalisation, the
// decoding of its per-stride outputs into boxes, and per-class NMS.
#pragma once

#include <filesystem>
#include <span>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

namespace sightline::analysis {

// COCO class indices in NanoDet's 80-class output.
inline constexpr int kCocoPerson = 0;
inline constexpr int kCocoLaptop = 63;
inline constexpr int kCocoRemote = 65;
inline constexpr int kCocoCellPhone = 67;
inline constexpr int kNanoDetClasses = 80;
// Each box side is a distribution over 11 distances (0..10 strides).
inline constexpr int kNanoDetBins = 11;

struct ObjectBox {
  int class_id = 0;
  float score = 0;
  // Pixels of the image passed to detect().
  cv::Rect2f box;
};

// One output level: `cells` grid cells of `stride` pixels on a square input.
struct NanoDetLevel {
  int stride = 0;
  // cells x kNanoDetClasses sigmoid scores.
  std::span<const float> class_scores;
  // cells x (4 sides x kNanoDetBins) logits, sides left, top, right, bottom.
  std::span<const float> box_bins;
};

// Decodes the levels of one input of input_size x input_size pixels into
// boxes in input pixels, keeping classes in `wanted` scoring >= min_score.
std::vector<ObjectBox> decode_nanodet(std::span<const NanoDetLevel> levels, int input_size,
                                      std::span<const int> wanted, float min_score);

// Keeps the best boxes of each class, dropping any whose IoU with a kept
// box of the same class exceeds max_iou. Sorted by descending score.
std::vector<ObjectBox> per_class_nms(std::vector<ObjectBox> boxes, float max_iou);

class NanoDet {
 public:
  // input_size must match the model file (416 for nanodet.onnx, 320 for
  // nanodet_320.onnx). Throws cv::Exception when the file cannot be read.
  NanoDet(const std::filesystem::path& model_file, int input_size);

  // Objects of the wanted classes in a BGR image, in its pixel coordinates.
  std::vector<ObjectBox> detect(const cv::Mat& bgr, std::span<const int> wanted, float min_score);

  int input_size() const { return input_size_; }

 private:
  cv::dnn::Net net_;
  int input_size_;
  std::vector<cv::String> output_names_;
};

}  // namespace sightline::analysis

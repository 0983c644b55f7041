// NanoDet (COCO, 80 classes) through OpenCV dnn: the input normalisation, the
// decoding of its per-stride outputs into boxes, and per-class NMS.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
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

// One output level: a grid of cells of `stride` pixels over the input, row by row.
struct NanoDetLevel {
  int stride = 0;
  // cells x kNanoDetClasses sigmoid scores.
  std::span<const float> class_scores;
  // cells x (4 sides x kNanoDetBins) logits, sides left, top, right, bottom.
  std::span<const float> box_bins;
};

// Decodes the levels of one input of input_size pixels into boxes in input
// pixels, keeping classes in `wanted` scoring >= min_score. A level whose
// outputs are shorter than its grid needs is skipped.
std::vector<ObjectBox> decode_nanodet(std::span<const NanoDetLevel> levels, cv::Size input_size,
                                      std::span<const int> wanted, float min_score);

// Keeps the best boxes of each class, dropping any whose IoU with a kept
// box of the same class exceeds max_iou. Sorted by descending score.
std::vector<ObjectBox> per_class_nms(std::vector<ObjectBox> boxes, float max_iou);

class NanoDet {
 public:
  // input_size (width x height) must match the model file: 416x416 for
  // nanodet.onnx, 320x320 for nanodet_320.onnx, 320x192 for
  // nanodet_320x192.onnx. Throws cv::Exception when the file cannot be read.
  NanoDet(const std::filesystem::path& model_file, cv::Size input_size);
  NanoDet(const std::filesystem::path& model_file, int input_size);

  // Objects of the wanted classes in a BGR image, in its pixel coordinates.
  std::vector<ObjectBox> detect(const cv::Mat& bgr, std::span<const int> wanted, float min_score);

  cv::Size input_size() const { return input_size_; }

 private:
  cv::dnn::Net net_;
  cv::Size input_size_;
  std::vector<cv::String> output_names_;
};

// The input shapes tools/models/import.sh converts NanoDet to besides the
// squares: 320 wide or high, with the other side a multiple of 32.
inline const cv::Size kNanoDetShapes320[] = {{320, 320}, {320, 256}, {320, 192}, {256, 320}, {192, 320}};

// The model file of NanoDet at one input shape: "nanodet.onnx" for the 416
// square the model was exported with, "nanodet_320.onnx" for the 320 square
// (both named before other shapes existed), "nanodet_320x192.onnx" and the
// like for the others.
std::string nanodet_model_file(cv::Size input_size);

// The smallest of `shapes` that contains an image of `image_size` at the scale
// the first (square) shape would give it, so that the choice never lowers
// the resolution of the model's input. A 16:9 frame gets 320x192 in place of
// 320x320, which costs about 60% of the square's inference. Returns the
// index into `shapes`.
size_t choose_nanodet_shape(std::span<const cv::Size> shapes, cv::Size image_size);

// NanoDet at several input shapes of the same scale. Each image goes to the
// shape that choose_nanodet_shape() picks.
class NanoDetSet {
 public:
  // Loads every shape's file from models_dir. Throws std::runtime_error
  // naming the import command when one is missing.
  NanoDetSet(const std::filesystem::path& models_dir, std::span<const cv::Size> shapes);

  std::vector<ObjectBox> detect(const cv::Mat& bgr, std::span<const int> wanted, float min_score);

  // The input shape detect() uses for an image of this size.
  cv::Size input_size_for(cv::Size image_size) const;

 private:
  std::vector<cv::Size> shapes_;
  std::vector<std::unique_ptr<NanoDet>> nets_;
};

}  // namespace sightline::analysis

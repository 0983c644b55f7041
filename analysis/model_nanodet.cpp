// NanoDet inference and decoding.
#include "analysis/model_nanodet.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <opencv2/imgproc.hpp>

#include "analysis/model_files.h"
#include "analysis/model_input.h"

namespace sightline::analysis {
namespace {

constexpr int kStrides[] = {8, 16, 32};
constexpr float kNmsIou = 0.5f;

// NanoDet was trained on BGR input normalised with these per-channel values.
const cv::Scalar kMeanBgr(103.53, 116.28, 123.675);
const cv::Scalar kStdBgr(57.375, 57.12, 58.395);

// The expected distance, in strides, of one box side's bin distribution.
float expected_distance(const float* logits) {
  const float max_logit = *std::max_element(logits, logits + kNanoDetBins);
  float sum = 0;
  float weighted = 0;
  for (int bin = 0; bin < kNanoDetBins; ++bin) {
    const float weight = std::exp(logits[bin] - max_logit);
    sum += weight;
    weighted += weight * static_cast<float>(bin);
  }
  return weighted / sum;
}

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float overlap = (a & b).area();
  const float total = a.area() + b.area() - overlap;
  return total > 0 ? overlap / total : 0.0f;
}

}  // namespace

std::vector<ObjectBox> decode_nanodet(std::span<const NanoDetLevel> levels, cv::Size input_size,
                                      std::span<const int> wanted, float min_score) {
  std::vector<ObjectBox> boxes;
  for (const NanoDetLevel& level : levels) {
    const int columns = input_size.width / level.stride;
    const int cells = columns * (input_size.height / level.stride);
    if (level.class_scores.size() < static_cast<size_t>(cells * kNanoDetClasses) ||
        level.box_bins.size() < static_cast<size_t>(cells * 4 * kNanoDetBins)) {
      continue;
    }
    for (int cell = 0; cell < cells; ++cell) {
      const float* scores = level.class_scores.data() + cell * kNanoDetClasses;
      for (int class_id : wanted) {
        if (scores[class_id] < min_score) {
          continue;
        }
        // The cell's centre is the anchor point the four distances start from.
        const float center_x = (static_cast<float>(cell % columns) + 0.5f) * static_cast<float>(level.stride);
        const float center_y = (static_cast<float>(cell / columns) + 0.5f) * static_cast<float>(level.stride);
        const float* bins = level.box_bins.data() + cell * 4 * kNanoDetBins;
        const float stride = static_cast<float>(level.stride);
        const float left = center_x - expected_distance(bins) * stride;
        const float top = center_y - expected_distance(bins + kNanoDetBins) * stride;
        const float right = center_x + expected_distance(bins + 2 * kNanoDetBins) * stride;
        const float bottom = center_y + expected_distance(bins + 3 * kNanoDetBins) * stride;
        boxes.push_back({class_id, scores[class_id], cv::Rect2f(left, top, right - left, bottom - top)});
      }
    }
  }
  return boxes;
}

std::vector<ObjectBox> per_class_nms(std::vector<ObjectBox> boxes, float max_iou) {
  std::sort(boxes.begin(), boxes.end(), [](const ObjectBox& a, const ObjectBox& b) { return a.score > b.score; });
  std::vector<ObjectBox> kept;
  for (const ObjectBox& candidate : boxes) {
    const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const ObjectBox& k) {
      return k.class_id == candidate.class_id && iou(k.box, candidate.box) > max_iou;
    });
    if (!overlaps) {
      kept.push_back(candidate);
    }
  }
  return kept;
}

NanoDet::NanoDet(const std::filesystem::path& model_file, int input_size)
    : NanoDet(model_file, cv::Size(input_size, input_size)) {}

NanoDet::NanoDet(const std::filesystem::path& model_file, cv::Size input_size)
    : net_(cv::dnn::readNetFromONNX(model_file.string())), input_size_(input_size) {
  for (int stride : kStrides) {
    output_names_.push_back("cls_stride" + std::to_string(stride));
    output_names_.push_back("box_stride" + std::to_string(stride));
  }
}

std::vector<ObjectBox> NanoDet::detect(const cv::Mat& bgr, std::span<const int> wanted, float min_score) {
  Letterbox input = letterbox(bgr, input_size_);
  cv::Mat normalised;
  input.image.convertTo(normalised, CV_32FC3);
  cv::subtract(normalised, kMeanBgr, normalised);
  cv::divide(normalised, kStdBgr, normalised);
  net_.setInput(cv::dnn::blobFromImage(normalised));

  std::vector<cv::Mat> outputs;
  net_.forward(outputs, output_names_);
  std::vector<NanoDetLevel> levels;
  for (size_t i = 0; i < std::size(kStrides); ++i) {
    const cv::Mat& scores = outputs[2 * i];
    const cv::Mat& bins = outputs[2 * i + 1];
    levels.push_back({kStrides[i], std::span<const float>(scores.ptr<float>(), scores.total()),
                      std::span<const float>(bins.ptr<float>(), bins.total())});
  }
  std::vector<ObjectBox> boxes = per_class_nms(decode_nanodet(levels, input_size_, wanted, min_score), kNmsIou);

  // Back from letterboxed input pixels to image pixels, clipped to the image.
  const cv::Rect2f image_area(0, 0, static_cast<float>(bgr.cols), static_cast<float>(bgr.rows));
  for (ObjectBox& object : boxes) {
    cv::Rect2f& box = object.box;
    box = cv::Rect2f(box.x / input.scale, box.y / input.scale, box.width / input.scale, box.height / input.scale);
    box &= image_area;
  }
  return boxes;
}

std::string nanodet_model_file(cv::Size input_size) {
  if (input_size == cv::Size(416, 416)) {
    return kNanoDetModelFile;
  }
  if (input_size == cv::Size(320, 320)) {
    return kNanoDetSmallModelFile;
  }
  return "nanodet_" + std::to_string(input_size.width) + "x" + std::to_string(input_size.height) + ".onnx";
}

size_t choose_nanodet_shape(std::span<const cv::Size> shapes, cv::Size image_size) {
  if (shapes.empty() || image_size.width <= 0 || image_size.height <= 0) {
    return 0;
  }
  const float scale = std::min(static_cast<float>(shapes[0].width) / static_cast<float>(image_size.width),
                               static_cast<float>(shapes[0].height) / static_cast<float>(image_size.height));
  // The scaled image, rounded as letterbox() rounds it.
  const int width = static_cast<int>(static_cast<float>(image_size.width) * scale + 0.5f);
  const int height = static_cast<int>(static_cast<float>(image_size.height) * scale + 0.5f);
  size_t best = 0;
  for (size_t i = 1; i < shapes.size(); ++i) {
    if (shapes[i].width >= width && shapes[i].height >= height && shapes[i].area() < shapes[best].area()) {
      best = i;
    }
  }
  return best;
}

NanoDetSet::NanoDetSet(const std::filesystem::path& models_dir, std::span<const cv::Size> shapes)
    : shapes_(shapes.begin(), shapes.end()) {
  for (const cv::Size& shape : shapes_) {
    const std::string file = nanodet_model_file(shape);
    nets_.push_back(std::make_unique<NanoDet>(require_model_file(models_dir, file.c_str()), shape));
  }
}

cv::Size NanoDetSet::input_size_for(cv::Size image_size) const {
  return shapes_[choose_nanodet_shape(shapes_, image_size)];
}

std::vector<ObjectBox> NanoDetSet::detect(const cv::Mat& bgr, std::span<const int> wanted, float min_score) {
  return nets_[choose_nanodet_shape(shapes_, bgr.size())]->detect(bgr, wanted, min_score);
}

}  // namespace sightline::analysis

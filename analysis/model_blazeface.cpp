// BlazeFace inference and anchor decoding.
#include "analysis/model_blazeface.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "analysis/model_files.h"
#include "analysis/model_input.h"

namespace sightline::analysis {
namespace {

// The ONNX outputs (named after the TF.js graph's Identity nodes): logits
// and regressors of the stride 16 level (16x16 cells, 2 anchors each) and of
// the stride 32 level (8x8 cells, 6 anchors each).
constexpr const char* kLogits16 = "Identity";
constexpr const char* kLogits32 = "Identity_1";
constexpr const char* kRegressors16 = "Identity_2";
constexpr const char* kRegressors32 = "Identity_3";
// Detections of one face overlapping more than this IoU are merged by NMS.
constexpr float kMaxOverlap = 0.3f;

float sigmoid(float logit) { return 1.0f / (1.0f + std::exp(-logit)); }

float intersection_over_union(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float intersection = (a & b).area();
  const float union_area = a.area() + b.area() - intersection;
  return union_area > 0 ? intersection / union_area : 0.0f;
}

}  // namespace

std::vector<FaceBox> decode_blazeface(std::span<const BlazeFaceLevel> levels, float min_score) {
  std::vector<FaceBox> faces;
  for (const BlazeFaceLevel& level : levels) {
    const size_t anchors = static_cast<size_t>(level.grid) * level.grid * level.anchors_per_cell;
    if (level.grid <= 0 || level.anchors_per_cell <= 0 || level.logits.size() < anchors ||
        level.regressors.size() < anchors * kBlazeFaceValues) {
      continue;
    }
    const float cell = static_cast<float>(kBlazeFaceInputSize) / static_cast<float>(level.grid);
    for (size_t anchor = 0; anchor < anchors; ++anchor) {
      const float score = sigmoid(level.logits[anchor]);
      if (score < min_score) {
        continue;
      }
      // The anchor centres on its cell; every anchor of a cell shares it.
      const size_t cell_index = anchor / static_cast<size_t>(level.anchors_per_cell);
      const float anchor_x = (static_cast<float>(cell_index % level.grid) + 0.5f) * cell;
      const float anchor_y = (static_cast<float>(cell_index / level.grid) + 0.5f) * cell;
      const float* values = level.regressors.data() + anchor * kBlazeFaceValues;
      FaceBox face;
      face.score = score;
      const float center_x = anchor_x + values[0];
      const float center_y = anchor_y + values[1];
      face.box = cv::Rect2f(center_x - values[2] / 2, center_y - values[3] / 2, values[2], values[3]);
      for (int k = 0; k < kFaceKeypoints; ++k) {
        face.keypoints[k] = cv::Point2f(anchor_x + values[4 + 2 * k], anchor_y + values[5 + 2 * k]);
      }
      faces.push_back(face);
    }
  }
  std::sort(faces.begin(), faces.end(), [](const FaceBox& a, const FaceBox& b) { return a.score > b.score; });
  std::vector<FaceBox> kept;
  for (const FaceBox& face : faces) {
    const bool duplicate = std::any_of(kept.begin(), kept.end(), [&](const FaceBox& other) {
      return intersection_over_union(face.box, other.box) > kMaxOverlap;
    });
    if (!duplicate) {
      kept.push_back(face);
    }
  }
  return kept;
}

BlazeFace::BlazeFace(const std::filesystem::path& models_dir)
    : net_(cv::dnn::readNetFromONNX(require_model_file(models_dir, kBlazeFaceModelFile).string())),
      output_names_{kLogits16, kLogits32, kRegressors16, kRegressors32} {}

std::vector<FaceBox> BlazeFace::detect(const cv::Mat& bgr, float min_score) {
  if (bgr.empty()) {
    return {};
  }
  // The model takes RGB scaled to -1..1, as MediaPipe feeds it.
  const Letterbox input = letterbox(bgr, kBlazeFaceInputSize);
  net_.setInput(cv::dnn::blobFromImage(input.image, 1.0 / 127.5, cv::Size(), cv::Scalar(127.5, 127.5, 127.5),
                                       /*swapRB=*/true, /*crop=*/false));
  std::vector<cv::Mat> outputs;
  net_.forward(outputs, output_names_);

  auto values = [](const cv::Mat& output) {
    return std::span<const float>(output.ptr<float>(), output.total());
  };
  const BlazeFaceLevel levels[] = {{16, 2, values(outputs[0]), values(outputs[2])},
                                   {8, 6, values(outputs[1]), values(outputs[3])}};
  std::vector<FaceBox> faces = decode_blazeface(levels, min_score);
  const float to_image = 1.0f / input.scale;
  for (FaceBox& face : faces) {
    face.box = cv::Rect2f(face.box.x * to_image, face.box.y * to_image, face.box.width * to_image,
                          face.box.height * to_image);
    for (cv::Point2f& point : face.keypoints) {
      point *= to_image;
    }
  }
  return faces;
}

}  // namespace sightline::analysis

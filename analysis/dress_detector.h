// Detects swimwear or underwear on camera by combining the nsfwjs classifier
// with exposed skin measured on the torso of the person NanoDet finds.
#pragma once

#include <filesystem>

#include "analysis/detection.h"
#include "analysis/model_nanodet.h"
#include "analysis/model_nsfw.h"
#include "analysis/skin_evidence.h"

namespace sightline::analysis {

struct DressOptions {
  // 416 (nanodet.onnx, the default the threshold was chosen with) or 320
  // (nanodet_320.onnx). At 320 the person boxes differ enough that the
  // classifier's crop changes: recall 0.58 at the same threshold.
  int input_size = 416;
  // Skips the classifier when the skin evidence alone caps the score below
  // this (each product in dress_score is a probability times a skin factor,
  // so the score can be no larger than the larger factor), and returns
  // score 0. Set
  // it to the alert threshold to skip about 20 ms of MobileNetV2 on dressed
  // people without changing any alert decision. 0 always runs the classifier.
  float classifier_min_score = 0;
};

// The evidence behind one dress score, for evaluation and debugging.
struct DressEvidence {
  NsfwScores classifier;
  SkinEvidence skin;
  bool person_found = false;
  // Whether the classifier ran: false without a person, or when the skin
  // evidence capped the score below DressOptions::classifier_min_score.
  bool classifier_run = false;
};

// Combines the evidence into a score in 0..1, the larger of two products:
// - the classifier's Sexy probability, scaled down in proportion when the
//   lower half of the person box shows less skin than kMinLowerSkin (swimwear,
//   underwear with bare legs);
// - its Porn probability, scaled down in proportion when less than
//   kMinTorsoFaceMatch of the torso centre has the face's skin chroma (a bare
//   chest or belly, a towel or an open bathrobe). The classifier calls
//   shirtless people Porn rather than Sexy, but it also calls dressed people
//   Porn when a hand is at the mouth (brushing teeth, smoking, drinking); the
//   torso match separates the two.
// Skin alone fires on faces filling the frame and on sportswear, and the
// classifier alone is fooled by sportswear.
inline constexpr float kMinLowerSkin = 0.10f;
inline constexpr float kMinTorsoFaceMatch = 0.70f;
float dress_score(const DressEvidence& evidence);
// The skin part of dress_score: 0..1, the upper bound of the score.
float dress_skin_factor(const SkinEvidence& skin);

class DressDetector final : public Detector {
 public:
  // Throws std::runtime_error when a model file is missing.
  DressDetector(const std::filesystem::path& models_dir, DressOptions options);

  DetectionKind kind() const override { return DetectionKind::inappropriate_dress; }
  Detection detect(const FrameView& frame) override;
  Detection detect_bgr(const cv::Mat& bgr);

  const DressEvidence& last_evidence() const { return evidence_; }

 private:
  NanoDet nanodet_;
  NsfwClassifier classifier_;
  DressOptions options_;
  DressEvidence evidence_;
};

}  // namespace sightline::analysis

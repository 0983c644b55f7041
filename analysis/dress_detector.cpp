// Dress detector: classifier score plus torso skin evidence.
#include "analysis/dress_detector.h"

#include <algorithm>

#include "analysis/model_files.h"
#include "analysis/model_input.h"

namespace sightline::analysis {
namespace {

constexpr float kMinPersonScore = 0.3f;

float lower_skin_factor(const SkinEvidence& skin) { return std::clamp(skin.lower_fraction / kMinLowerSkin, 0.0f, 1.0f); }

float torso_skin_factor(const SkinEvidence& skin) {
  return std::clamp(skin.torso_face_match / kMinTorsoFaceMatch, 0.0f, 1.0f);
}

}  // namespace

float dress_skin_factor(const SkinEvidence& skin) { return std::max(lower_skin_factor(skin), torso_skin_factor(skin)); }

float dress_score(const DressEvidence& evidence) {
  const float sexy = std::clamp(evidence.classifier.sexy, 0.0f, 1.0f);
  const float porn = std::clamp(evidence.classifier.porn, 0.0f, 1.0f);
  return std::max(sexy * lower_skin_factor(evidence.skin), porn * torso_skin_factor(evidence.skin));
}

DressDetector::DressDetector(const std::filesystem::path& models_dir, DressOptions options)
    : nanodet_(require_model_file(models_dir, options.input_size == 320 ? kNanoDetSmallModelFile : kNanoDetModelFile),
               options.input_size),
      classifier_(require_model_file(models_dir, kNsfwModelFile)),
      options_(options) {}

Detection DressDetector::detect(const FrameView& frame) { return detect_bgr(frame_to_bgr(frame)); }

Detection DressDetector::detect_bgr(const cv::Mat& bgr) {
  static constexpr int kWanted[] = {kCocoPerson};
  const std::vector<ObjectBox> people = nanodet_.detect(bgr, kWanted, kMinPersonScore);
  evidence_ = {};
  Detection result{DetectionKind::inappropriate_dress, 0, {}};
  if (people.empty()) {
    return result;
  }

  // The largest person is the one facing the camera in a call.
  const ObjectBox& person = *std::max_element(people.begin(), people.end(), [](const ObjectBox& a, const ObjectBox& b) {
    return a.box.area() < b.box.area();
  });
  const cv::Rect box = cv::Rect(person.box) & cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (box.width < 8 || box.height < 8) {
    return result;
  }
  evidence_.person_found = true;
  evidence_.skin = measure_skin(bgr, box);
  if (options_.classifier_min_score > 0 && dress_skin_factor(evidence_.skin) < options_.classifier_min_score) {
    return result;
  }
  evidence_.classifier_run = true;
  evidence_.classifier = classifier_.classify(bgr(box));

  const float width = static_cast<float>(bgr.cols);
  const float height = static_cast<float>(bgr.rows);
  result.score = dress_score(evidence_);
  result.box = {box.x / width, box.y / height, box.width / width, box.height / height};
  return result;
}

}  // namespace sightline::analysis

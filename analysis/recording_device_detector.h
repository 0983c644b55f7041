// Detects a phone or camera raised in front of a person, as if filming the
// screen, from NanoDet's `person` and `cell phone` boxes and their geometry.
#pragma once

#include <filesystem>
#include <vector>

#include "analysis/detection.h"
#include "analysis/model_nanodet.h"

namespace sightline::analysis {

struct RecordingDeviceOptions {
  // 320 (nanodet_320.onnx, the default the threshold was chosen with) or 416
  // (nanodet.onnx).
  int input_size = 320;
  // A phone box below this NanoDet score is ignored.
  float min_phone_score = 0.2f;
  // Runs NanoDet a second time on the upper body of the largest person,
  // scaled up to the model input: a phone held up is small in the frame and
  // NanoDet misses many at full-frame scale. Costs one more inference, only
  // when a person is present.
  bool upper_body_pass = true;
};

class RecordingDeviceDetector final : public Detector {
 public:
  // Loads the NanoDet file matching options.input_size from models_dir;
  // throws std::runtime_error when it is missing.
  RecordingDeviceDetector(const std::filesystem::path& models_dir, RecordingDeviceOptions options);

  DetectionKind kind() const override { return DetectionKind::recording_device; }
  Detection detect(const FrameView& frame) override;
  Detection detect_bgr(const cv::Mat& bgr);

  // Phones seen in the last frame that were not raised (at the ear, on a
  // table, with no person): reported for debugging, never as a detection.
  int other_phones() const { return other_phones_; }

 private:
  // Phones (in `bgr` pixels) found on the upper body of the largest person.
  std::vector<ObjectBox> upper_body_phones(const cv::Mat& bgr, const std::vector<ObjectBox>& objects);

  NanoDet nanodet_;
  RecordingDeviceOptions options_;
  int other_phones_ = 0;
};

// Whether a phone box sits raised in front of a person box: inside it or
// beside it, in its upper part, and of a plausible size for a hand-held
// phone. Both boxes in the same pixel coordinates.
bool is_raised_phone(const cv::Rect2f& phone, const cv::Rect2f& person);

}  // namespace sightline::analysis

// Detects a phone or camera raised in front of a person, as if filming the
// screen, from NanoDet's `person` and `cell phone` boxes, their geometry and
// what the phone box looks like.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "analysis/detection.h"
#include "analysis/model_blazeface.h"
#include "analysis/model_nanodet.h"

namespace sightline::analysis {

struct RecordingDeviceOptions {
  // 320 (the default the threshold was chosen with): NanoDet at 320 in the
  // input shape that fits each image or crop (kNanoDetShapes320), so a 16:9
  // frame runs at 320x192. 416: nanodet.onnx, square only.
  int input_size = 320;
  // A phone box below this NanoDet score is ignored. Below the decision
  // threshold, because the score is only lowered after this.
  float min_phone_score = 0.15f;
  // Runs NanoDet a second time on the head and shoulders of the largest
  // person, scaled up to the model input: a phone held up is small in the
  // frame and NanoDet misses many at full-frame scale. Costs one more
  // inference, only when a person is present.
  bool head_pass = true;
  // Of a track's routine runs (RunReason::routine), every this many takes
  // the whole frame pass. The others take only the head pass over the person
  // found by the last whole frame pass, which halves their cost. Triggered
  // runs always take the whole frame pass, and so does a run whose last
  // whole frame pass found no person or whose frame size changed. 1 takes
  // the whole frame pass on every run. Applied to triggered runs too, the
  // head pass lost raises: at 2, the phone clip at 320x180 raised 6 of its
  // 10 alerts, because the person moves between runs.
  int full_pass_every = 3;
  // Runs BlazeFace on the whole frame when a raised phone candidate is found,
  // and scales each candidate's evidence by where it sits relative to the
  // nearest face (face_position_factor()). Loads blazeface.onnx.
  bool face_evidence = true;
};

class RecordingDeviceDetector final : public Detector {
 public:
  // Loads the NanoDet file matching options.input_size, and BlazeFace when
  // options.face_evidence is set, from models_dir; throws std::runtime_error
  // when one is missing.
  RecordingDeviceDetector(const std::filesystem::path& models_dir, RecordingDeviceOptions options);

  DetectionKind kind() const override { return DetectionKind::recording_device; }
  Detection detect(const FrameView& frame) override;
  Detection detect_bgr(const cv::Mat& bgr);
  std::unique_ptr<DetectorTrackState> make_track_state() const override;
  Detection detect_on_track(const FrameView& frame, DetectorTrackState* state, RunReason reason) override;

  // Phones seen in the last frame that were not raised (at the ear, on a
  // table, with no person): reported for debugging, never as a detection.
  int other_phones() const { return other_phones_; }

  // The pass the last detect_on_track() took: both passes, or the head pass
  // alone (see RecordingDeviceOptions::full_pass_every).
  enum class Pass : uint8_t { whole_frame, head_only };
  Pass last_pass() const { return last_pass_; }

 private:
  // Phones (in `bgr` pixels) found on the head and shoulders of `person`.
  std::vector<ObjectBox> head_phones(const cv::Mat& bgr, const cv::Rect2f& person);
  // Both passes; sets `person` to the largest person found, if any.
  Detection detect_whole_frame(const cv::Mat& bgr, std::optional<cv::Rect2f>& person);
  // The head pass alone over a person box from an earlier frame.
  Detection detect_head(const cv::Mat& bgr, const cv::Rect2f& person);
  Detection best_raised(const cv::Mat& bgr, const std::vector<ObjectBox>& phones,
                        const std::vector<cv::Rect2f>& people);

  NanoDetSet nanodet_;
  std::unique_ptr<BlazeFace> blazeface_;
  RecordingDeviceOptions options_;
  int other_phones_ = 0;
  Pass last_pass_ = Pass::whole_frame;
};

// Whether a phone box sits raised in front of a person box: inside it or
// beside it, in its upper part, and of a plausible size for a hand-held
// phone. Both boxes in the same pixel coordinates.
bool is_raised_phone(const cv::Rect2f& phone, const cv::Rect2f& person);

// NanoDet's score for a phone box, lowered for what NanoDet confuses with a
// raised phone: a box that is mostly skin (a hand, fingers or a face at the
// mouth: gestures, a toothbrush, a cigarette) or nearly square (a fist).
// Phone and camera bodies are grey, black, white or metallic, and longer
// than wide. `phone` is in `bgr` pixels.
float phone_evidence(const cv::Mat& bgr, const ObjectBox& phone);

// Returns the factor face evidence applies to a phone candidate's score.
// The face whose nose is nearest the phone's centre decides, and distances
// are in widths of that face's box. Faces scoring under kMinFaceScore are
// ignored.
// - 0.5 when the phone's centre lies 0.15 to 0.6 face widths below the nose
//   and at most 0.6 across from it. Something held at the mouth of a face
//   that is still visible (a cigarette, a toothbrush, a cup, a hand) is what
//   NanoDet confuses with a phone there.
// - 1.6 when the centre lies at least 0.1 face widths above the nose, at eye
//   level or higher, where cameras and phones are held to take a picture.
//   The box needs at least a tenth of the face box's area, because a
//   smaller box is far behind the person, such as a ceiling light.
// - 1 otherwise, and when there is no face.
// Chosen on the shared photographs (docs/models.md). Both boxes are in the
// same pixel coordinates.
// NOTE: a larger object behind the person above the nose, such as a picture
// on the wall, still gets the 1.6.
inline constexpr float kMinFaceScore = 0.5f;
float face_position_factor(const cv::Rect2f& phone, std::span<const FaceBox> faces);

}  // namespace sightline::analysis

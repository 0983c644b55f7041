// Recording device detector: NanoDet boxes plus the geometry of a raised phone
// and the look of the phone box.
#include "analysis/recording_device_detector.h"

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>

#include <opencv2/imgproc.hpp>

#include "analysis/model_files.h"
#include "analysis/model_input.h"

namespace sightline::analysis {
namespace {

constexpr float kMinPersonScore = 0.3f;
// Phone centre must lie within the person box widened by this fraction of
// its width on each side (a phone held out to the side of the body).
constexpr float kBesideMargin = 0.3f;
// Phone centre above this fraction of the person box height: chest or higher.
constexpr float kRaisedMaxHeight = 0.6f;
// Phone area relative to the person box: smaller is noise, larger is a
// misread of the body or a laptop.
constexpr float kMinAreaRatio = 0.002f;
constexpr float kMaxAreaRatio = 0.15f;
// The head crop, where a phone raised to film is held: from 5% of the person
// box's height above it down to 60% of it (the chest), widened by a quarter
// of its width each side. Scaled up to the model input, it shows the phone
// larger than the whole frame does.
constexpr float kHeadMargin = 0.25f;
constexpr float kHeadTop = -0.05f;
constexpr float kHeadHeight = 0.6f;
constexpr int kMinCropPixels = 16;

// phone_evidence(): skin above kSkinAllowed of the box lowers the score by
// kSkinPenalty per unit of skin, because fingers holding a phone cover some
// of it. A box whose long side is under kSquareAspect times its short side
// is scaled by kSquarePenalty. Chosen on the shared photographs
// (docs/models.md).
constexpr float kSkinAllowed = 0.3f;
constexpr float kSkinPenalty = 0.8f;
constexpr float kSquareAspect = 1.2f;
constexpr float kSquarePenalty = 0.7f;

// Skin chroma bounds in 8-bit YCrCb with a luma floor, the range commonly
// used for skin segmentation. The dress detector has its own copy
// (analysis/skin_evidence.cpp), so that tuning one detector does not move
// the other's fitted threshold.
// face_position_factor(): the zones relative to the nose, in face box
// widths, and the factor each applies. Chosen on the shared photographs
// (docs/models.md).
constexpr float kMouthZoneTop = 0.15f;
constexpr float kMouthZoneBottom = 0.6f;
constexpr float kMouthZoneHalfWidth = 0.6f;
constexpr float kMouthFactor = 0.5f;
constexpr float kEyeLevelAboveNose = 0.1f;
constexpr float kEyeLevelFactor = 1.6f;
// A phone is about a third of a face's area at the same distance from the
// camera, and larger when held closer. A box under a tenth of the face box's
// area is far behind the person (a ceiling light, a picture on the wall).
constexpr float kMinDeviceToFaceArea = 0.1f;

const cv::Scalar kSkinLow(40, 133, 77);
const cv::Scalar kSkinHigh(255, 173, 127);

float skin_fraction(const cv::Mat& bgr, const cv::Rect& box) {
  const cv::Rect inside = box & cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (inside.area() <= 0) {
    return 0;
  }
  cv::Mat ycrcb;
  cv::cvtColor(bgr(inside), ycrcb, cv::COLOR_BGR2YCrCb);
  cv::Mat mask;
  cv::inRange(ycrcb, kSkinLow, kSkinHigh, mask);
  return static_cast<float>(cv::countNonZero(mask)) / static_cast<float>(inside.area());
}

std::span<const cv::Size> nanodet_shapes(int input_size) {
  static const cv::Size k416[] = {{416, 416}};
  if (input_size == 416) {
    return k416;
  }
  return kNanoDetShapes320;
}

Box normalised(const cv::Rect2f& box, const cv::Mat& image) {
  const float width = static_cast<float>(image.cols);
  const float height = static_cast<float>(image.rows);
  return {box.x / width, box.y / height, box.width / width, box.height / height};
}

}  // namespace

bool is_raised_phone(const cv::Rect2f& phone, const cv::Rect2f& person) {
  if (person.area() <= 0) {
    return false;
  }
  const float ratio = phone.area() / person.area();
  if (ratio < kMinAreaRatio || ratio > kMaxAreaRatio) {
    return false;
  }
  const float center_x = phone.x + phone.width / 2;
  const float center_y = phone.y + phone.height / 2;
  const float margin = person.width * kBesideMargin;
  if (center_x < person.x - margin || center_x > person.x + person.width + margin) {
    return false;
  }
  return center_y >= person.y - phone.height && center_y <= person.y + person.height * kRaisedMaxHeight;
}

float phone_evidence(const cv::Mat& bgr, const ObjectBox& phone) {
  float evidence = phone.score;
  const float skin = skin_fraction(bgr, cv::Rect(phone.box));
  evidence *= std::max(0.0f, 1.0f - kSkinPenalty * std::max(0.0f, skin - kSkinAllowed));
  const float long_side = std::max(phone.box.width, phone.box.height);
  const float short_side = std::min(phone.box.width, phone.box.height);
  if (short_side <= 0 || long_side < kSquareAspect * short_side) {
    evidence *= kSquarePenalty;
  }
  return evidence;
}

float face_position_factor(const cv::Rect2f& phone, std::span<const FaceBox> faces) {
  const cv::Point2f center(phone.x + phone.width / 2, phone.y + phone.height / 2);
  const FaceBox* nearest = nullptr;
  float nearest_distance = 0;
  for (const FaceBox& face : faces) {
    if (face.score < kMinFaceScore || face.box.width <= 0) {
      continue;
    }
    const cv::Point2f offset = (center - face.keypoint(FaceKeypoint::nose)) / face.box.width;
    const float distance = std::hypot(offset.x, offset.y);
    if (nearest == nullptr || distance < nearest_distance) {
      nearest = &face;
      nearest_distance = distance;
    }
  }
  if (nearest == nullptr) {
    return 1.0f;
  }
  // Image y grows downwards, so `below` is positive under the nose.
  const cv::Point2f nose = nearest->keypoint(FaceKeypoint::nose);
  const float across = (center.x - nose.x) / nearest->box.width;
  const float below = (center.y - nose.y) / nearest->box.width;
  if (below > kMouthZoneTop && below <= kMouthZoneBottom && std::abs(across) <= kMouthZoneHalfWidth) {
    return kMouthFactor;
  }
  if (below <= -kEyeLevelAboveNose && phone.area() >= kMinDeviceToFaceArea * nearest->box.area()) {
    return kEyeLevelFactor;
  }
  return 1.0f;
}

RecordingDeviceDetector::RecordingDeviceDetector(const std::filesystem::path& models_dir,
                                                 RecordingDeviceOptions options)
    : nanodet_(models_dir, nanodet_shapes(options.input_size)),
      blazeface_(options.face_evidence ? std::make_unique<BlazeFace>(models_dir) : nullptr),
      options_(options) {
  if (options.input_size != 320 && options.input_size != 416) {
    throw std::invalid_argument("recording device input size " + std::to_string(options.input_size) +
                                " is not supported: use 320 or 416");
  }
}

Detection RecordingDeviceDetector::detect(const FrameView& frame) { return detect_bgr(frame_to_bgr(frame)); }

namespace {

// The person a recording device detector found on a track, in the pixels of
// a frame of the recorded size.
struct PersonMemory final : DetectorTrackState {
  std::optional<cv::Rect2f> person;
  int frame_width = 0;
  int frame_height = 0;
  int runs_since_whole_frame = 0;
};

}  // namespace

std::unique_ptr<DetectorTrackState> RecordingDeviceDetector::make_track_state() const {
  return std::make_unique<PersonMemory>();
}

Detection RecordingDeviceDetector::detect_on_track(const FrameView& frame, DetectorTrackState* state,
                                                  RunReason reason) {
  auto* memory = dynamic_cast<PersonMemory*>(state);
  const cv::Mat bgr = frame_to_bgr(frame);
  const bool reuse = reason == RunReason::routine && memory != nullptr && memory->person && options_.head_pass &&
                     memory->frame_width == bgr.cols && memory->frame_height == bgr.rows &&
                     memory->runs_since_whole_frame + 1 < options_.full_pass_every;
  if (reuse) {
    ++memory->runs_since_whole_frame;
    last_pass_ = Pass::head_only;
    return detect_head(bgr, *memory->person);
  }
  last_pass_ = Pass::whole_frame;
  std::optional<cv::Rect2f> person;
  const Detection detection = detect_whole_frame(bgr, person);
  if (memory != nullptr) {
    memory->person = person;
    memory->frame_width = bgr.cols;
    memory->frame_height = bgr.rows;
    memory->runs_since_whole_frame = 0;
  }
  return detection;
}

std::vector<ObjectBox> RecordingDeviceDetector::head_phones(const cv::Mat& bgr, const cv::Rect2f& person) {
  const float margin = person.width * kHeadMargin;
  const cv::Rect crop = cv::Rect(cv::Rect2f(person.x - margin, person.y + person.height * kHeadTop,
                                            person.width + 2 * margin, person.height * kHeadHeight)) &
                        cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (crop.width < kMinCropPixels || crop.height < kMinCropPixels) {
    return {};
  }
  static constexpr int kPhone[] = {kCocoCellPhone};
  std::vector<ObjectBox> phones = nanodet_.detect(bgr(crop), kPhone, options_.min_phone_score);
  for (ObjectBox& phone : phones) {
    phone.box.x += static_cast<float>(crop.x);
    phone.box.y += static_cast<float>(crop.y);
  }
  return phones;
}

Detection RecordingDeviceDetector::detect_bgr(const cv::Mat& bgr) {
  std::optional<cv::Rect2f> person;
  return detect_whole_frame(bgr, person);
}

Detection RecordingDeviceDetector::detect_whole_frame(const cv::Mat& bgr, std::optional<cv::Rect2f>& person) {
  static constexpr int kWanted[] = {kCocoPerson, kCocoCellPhone};
  const float min_score = std::min(options_.min_phone_score, kMinPersonScore);
  const std::vector<ObjectBox> objects = nanodet_.detect(bgr, kWanted, min_score);
  std::vector<ObjectBox> phones;
  std::vector<cv::Rect2f> people;
  const ObjectBox* largest = nullptr;
  for (const ObjectBox& object : objects) {
    if (object.class_id == kCocoCellPhone && object.score >= options_.min_phone_score) {
      phones.push_back(object);
    }
    if (object.class_id == kCocoPerson && object.score >= kMinPersonScore) {
      people.push_back(object.box);
      if (largest == nullptr || object.box.area() > largest->box.area()) largest = &object;
    }
  }
  person.reset();
  if (largest != nullptr) {
    person = largest->box;
    if (options_.head_pass) {
      const std::vector<ObjectBox> close_up = head_phones(bgr, largest->box);
      phones.insert(phones.end(), close_up.begin(), close_up.end());
    }
  }
  return best_raised(bgr, phones, people);
}

Detection RecordingDeviceDetector::detect_head(const cv::Mat& bgr, const cv::Rect2f& person) {
  return best_raised(bgr, head_phones(bgr, person), {person});
}

Detection RecordingDeviceDetector::best_raised(const cv::Mat& bgr, const std::vector<ObjectBox>& phones,
                                               const std::vector<cv::Rect2f>& people) {
  // Both passes may find the same phone, so other_phones() may count it twice.
  // That count is for debugging only.
  Detection best{DetectionKind::recording_device, 0, {}};
  other_phones_ = 0;
  // Faces are looked for once per frame, and only when a raised phone needs
  // them, so frames without a phone candidate cost no face detector run.
  std::optional<std::vector<FaceBox>> faces;
  for (const ObjectBox& phone : phones) {
    const bool raised = std::any_of(people.begin(), people.end(),
                                    [&](const cv::Rect2f& person) { return is_raised_phone(phone.box, person); });
    if (!raised) {
      ++other_phones_;
      continue;
    }
    float evidence = phone_evidence(bgr, phone);
    if (blazeface_) {
      if (!faces) {
        faces = blazeface_->detect(bgr, kMinFaceScore);
      }
      evidence = std::min(1.0f, evidence * face_position_factor(phone.box, *faces));
    }
    if (evidence > best.score) {
      best.score = evidence;
      best.box = normalised(phone.box, bgr);
    }
  }
  return best;
}

}  // namespace sightline::analysis

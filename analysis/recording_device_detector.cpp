// Recording device detector: NanoDet boxes plus the geometry of a raised phone.
#include "analysis/recording_device_detector.h"

#include <algorithm>

#include "analysis/model_files.h"
#include "analysis/model_input.h"

namespace sightline::analysis {
namespace {

constexpr float kMinPersonScore = 0.3f;
// Phone centre must lie within the person box widened by this fraction of
// its width on each side (a phone held out to the side of the body).
constexpr float kBesideMargin = 0.15f;
// Phone centre above this fraction of the person box height: chest or higher.
constexpr float kRaisedMaxHeight = 0.6f;
// Phone area relative to the person box: smaller is noise, larger is a
// misread of the body or a laptop.
constexpr float kMinAreaRatio = 0.002f;
constexpr float kMaxAreaRatio = 0.15f;
// The upper-body crop: the top 70% of the person box (head to waist, where
// a phone is raised), widened like the raised-phone test.
constexpr float kUpperBodyHeight = 0.7f;
constexpr int kMinCropPixels = 16;

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

RecordingDeviceDetector::RecordingDeviceDetector(const std::filesystem::path& models_dir,
                                                 RecordingDeviceOptions options)
    : nanodet_(require_model_file(models_dir, options.input_size == 320 ? kNanoDetSmallModelFile : kNanoDetModelFile),
               options.input_size),
      options_(options) {}

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

Detection RecordingDeviceDetector::detect_on_track(const FrameView& frame, DetectorTrackState* state) {
  auto* memory = dynamic_cast<PersonMemory*>(state);
  const cv::Mat bgr = frame_to_bgr(frame);
  const bool reuse = memory != nullptr && memory->person && options_.upper_body_pass &&
                     memory->frame_width == bgr.cols && memory->frame_height == bgr.rows &&
                     memory->runs_since_whole_frame + 1 < options_.full_pass_every;
  if (reuse) {
    ++memory->runs_since_whole_frame;
    return detect_upper_body(bgr, *memory->person);
  }
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

std::vector<ObjectBox> RecordingDeviceDetector::upper_body_phones(const cv::Mat& bgr, const cv::Rect2f& person) {
  const float margin = person.width * kBesideMargin;
  const cv::Rect crop = cv::Rect(cv::Rect2f(person.x - margin, person.y, person.width + 2 * margin,
                                            person.height * kUpperBodyHeight)) &
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
    if (options_.upper_body_pass) {
      const std::vector<ObjectBox> close_up = upper_body_phones(bgr, largest->box);
      phones.insert(phones.end(), close_up.begin(), close_up.end());
    }
  }
  return best_raised(bgr, phones, people);
}

Detection RecordingDeviceDetector::detect_upper_body(const cv::Mat& bgr, const cv::Rect2f& person) {
  return best_raised(bgr, upper_body_phones(bgr, person), {person});
}

Detection RecordingDeviceDetector::best_raised(const cv::Mat& bgr, const std::vector<ObjectBox>& phones,
                                               const std::vector<cv::Rect2f>& people) {
  // Both passes may find the same phone, so other_phones() may count it twice.
  // That count is for debugging only.
  Detection best{DetectionKind::recording_device, 0, {}};
  other_phones_ = 0;
  for (const ObjectBox& phone : phones) {
    const bool raised = std::any_of(people.begin(), people.end(),
                                    [&](const cv::Rect2f& person) { return is_raised_phone(phone.box, person); });
    if (!raised) {
      ++other_phones_;
      continue;
    }
    if (phone.score > best.score) {
      best.score = phone.score;
      best.box = normalised(phone.box, bgr);
    }
  }
  return best;
}

}  // namespace sightline::analysis

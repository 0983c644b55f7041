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

std::vector<ObjectBox> RecordingDeviceDetector::upper_body_phones(const cv::Mat& bgr,
                                                                  const std::vector<ObjectBox>& objects) {
  const ObjectBox* largest = nullptr;
  for (const ObjectBox& object : objects) {
    if (object.class_id == kCocoPerson && object.score >= kMinPersonScore &&
        (largest == nullptr || object.box.area() > largest->box.area())) {
      largest = &object;
    }
  }
  if (largest == nullptr) {
    return {};
  }
  const cv::Rect2f& person = largest->box;
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
  static constexpr int kWanted[] = {kCocoPerson, kCocoCellPhone};
  const float min_score = std::min(options_.min_phone_score, kMinPersonScore);
  const std::vector<ObjectBox> objects = nanodet_.detect(bgr, kWanted, min_score);
  std::vector<ObjectBox> phones;
  for (const ObjectBox& object : objects) {
    if (object.class_id == kCocoCellPhone && object.score >= options_.min_phone_score) {
      phones.push_back(object);
    }
  }
  if (options_.upper_body_pass) {
    const std::vector<ObjectBox> close_up = upper_body_phones(bgr, objects);
    phones.insert(phones.end(), close_up.begin(), close_up.end());
  }

  // Both passes may find the same phone, so other_phones() may count it twice.
  // That count is for debugging only.
  Detection best{DetectionKind::recording_device, 0, {}};
  other_phones_ = 0;
  for (const ObjectBox& phone : phones) {
    const bool raised = std::any_of(objects.begin(), objects.end(), [&](const ObjectBox& person) {
      return person.class_id == kCocoPerson && person.score >= kMinPersonScore && is_raised_phone(phone.box, person.box);
    });
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

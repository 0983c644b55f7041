// Detector evaluation over a labelled image folder.
#include "analysis/evaluation.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "analysis/dress_detector.h"
#include "analysis/model_input.h"
#include "analysis/recording_device_detector.h"

namespace sightline::analysis {
namespace {

constexpr DetectionKind kKinds[] = {DetectionKind::recording_device, DetectionKind::inappropriate_dress};

double ratio(int numerator, int denominator) {
  return denominator == 0 ? 0.0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

}  // namespace

std::vector<ManifestEntry> parse_manifest(std::istream& input, const std::string& source) {
  std::string line;
  if (!std::getline(input, line) || line.rfind("file\tlabel", 0) != 0) {
    throw std::runtime_error(source + ": missing header line starting with 'file<TAB>label'");
  }
  std::vector<ManifestEntry> entries;
  int line_number = 1;
  while (std::getline(input, line)) {
    ++line_number;
    if (line.empty()) {
      continue;
    }
    const size_t first_tab = line.find('\t');
    if (first_tab == std::string::npos) {
      throw std::runtime_error(source + " line " + std::to_string(line_number) +
                               ": expected tab-separated file and label, got '" + line + "'");
    }
    const size_t second_tab = line.find('\t', first_tab + 1);
    ManifestEntry entry{line.substr(0, first_tab), line.substr(first_tab + 1, second_tab - first_tab - 1)};
    if (entry.file.empty() || entry.label.empty()) {
      throw std::runtime_error(source + " line " + std::to_string(line_number) + ": empty file or label");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

bool is_positive(DetectionKind kind, const std::string& label) {
  switch (kind) {
    case DetectionKind::recording_device:
      return label == "phone_held_up";
    case DetectionKind::inappropriate_dress:
      return label == "swimwear_or_underwear" || label == "dress_breach_hard";
  }
  return false;
}

double Counts::precision() const { return ratio(true_positives, true_positives + false_positives); }
double Counts::recall() const { return ratio(true_positives, true_positives + false_negatives); }
double Counts::false_alarm_rate() const { return ratio(false_positives, false_positives + true_negatives); }

void EvaluationReport::add(ImageResult result) {
  for (const DetectorDecision& decision : result.decisions) {
    Counts& counts = counts_[decision.kind];
    const bool positive = is_positive(decision.kind, result.label);
    if (positive) {
      ++(decision.flagged ? counts.true_positives : counts.false_negatives);
    } else {
      ++(decision.flagged ? counts.false_positives : counts.true_negatives);
    }
    auto& [flagged, total] = by_label_[{decision.kind, result.label}];
    flagged += decision.flagged ? 1 : 0;
    ++total;
  }
  results_.push_back(std::move(result));
}

const Counts& EvaluationReport::counts(DetectionKind kind) const {
  static const Counts kEmpty;
  auto found = counts_.find(kind);
  return found == counts_.end() ? kEmpty : found->second;
}

std::pair<int, int> EvaluationReport::flagged_by_label(DetectionKind kind, const std::string& label) const {
  auto found = by_label_.find({kind, label});
  return found == by_label_.end() ? std::pair<int, int>{0, 0} : found->second;
}

std::string EvaluationReport::to_text() const {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  for (DetectionKind kind : kKinds) {
    const Counts& c = counts(kind);
    out << to_string(kind) << ": TP " << c.true_positives << " FP " << c.false_positives << " FN "
        << c.false_negatives << " TN " << c.true_negatives << " precision " << c.precision() << " recall "
        << c.recall() << " false alarm rate " << c.false_alarm_rate() << " (" << c.false_positives << " of "
        << c.false_positives + c.true_negatives << " negatives)\n";
    for (const auto& [key, value] : by_label_) {
      if (key.first != kind) {
        continue;
      }
      const bool positive = is_positive(kind, key.second);
      out << "  " << key.second << (positive ? " (positive)" : " (negative)") << ": " << value.first << " of "
          << value.second << " flagged (" << (positive ? "TP " : "FP ") << value.first << ")\n";
    }
  }
  return out.str();
}

std::string EvaluationReport::image_json(const ImageResult& result) const {
  nlohmann::json line = {{"file", result.file}, {"label", result.label}};
  for (const DetectorDecision& decision : result.decisions) {
    line[std::string(to_string(decision.kind))] = {{"flagged", decision.flagged}, {"score", decision.score}};
  }
  return line.dump();
}

std::string EvaluationReport::summary_json() const {
  nlohmann::json summary = {{"summary", true}, {"images", results_.size()}};
  for (DetectionKind kind : kKinds) {
    const Counts& c = counts(kind);
    summary[std::string(to_string(kind))] = {
        {"true_positives", c.true_positives}, {"false_positives", c.false_positives},
        {"false_negatives", c.false_negatives}, {"true_negatives", c.true_negatives},
        {"precision", c.precision()}, {"recall", c.recall()}, {"false_alarm_rate", c.false_alarm_rate()}};
  }
  return summary.dump();
}

EvaluationReport run_evaluation(const EvaluationOptions& options,
                                const std::function<void(const ImageResult&)>& on_image) {
  const std::filesystem::path manifest_path =
      options.manifest.empty() ? options.images_dir / "MANIFEST.tsv" : options.manifest;
  std::ifstream manifest(manifest_path);
  if (!manifest) {
    throw std::runtime_error("cannot open manifest " + manifest_path.string());
  }
  const std::vector<ManifestEntry> entries = parse_manifest(manifest, manifest_path.string());

  RecordingDeviceOptions recording_options;
  DressOptions dress_options;
  if (options.input_size != 0) {
    recording_options.input_size = options.input_size;
    dress_options.input_size = options.input_size;
  }
  RecordingDeviceDetector recording(options.models_dir, recording_options);
  DressDetector dress(options.models_dir, dress_options);
  EvaluationReport report;
  for (const ManifestEntry& entry : entries) {
    const std::filesystem::path path = options.images_dir / entry.file;
    const cv::Mat bgr = cv::imread(path.string(), cv::IMREAD_COLOR);
    if (bgr.empty()) {
      throw std::runtime_error("cannot read image " + path.string());
    }
    const I420Image frame(bgr);
    ImageResult result{entry.file, entry.label, {}};
    const Detection device = recording.detect(frame.view());
    result.decisions.push_back({device.kind, device.score, device.score >= kRecordingDeviceThreshold});
    const Detection clothing = dress.detect(frame.view());
    result.decisions.push_back({clothing.kind, clothing.score, clothing.score >= kDressThreshold});
    if (on_image) {
      on_image(result);
    }
    report.add(std::move(result));
  }
  return report;
}

}  // namespace sightline::analysis

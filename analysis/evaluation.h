// Evaluation of the detectors on a labelled image folder: the manifest
// format (tab-separated: file, label, source, licence, size_px, description,
// with a header line), the per-image decisions, and the per-label counts.
#pragma once

#include <filesystem>
#include <functional>
#include <istream>
#include <map>
#include <string>
#include <vector>

#include "analysis/detection.h"
#include "analysis/thresholds.h"

namespace sightline::analysis {

struct ManifestEntry {
  std::string file;
  std::string label;
};

// Parses a manifest. Throws std::runtime_error naming `source` and the line
// for a missing header, a line with fewer than two fields, or an empty file
// or label.
std::vector<ManifestEntry> parse_manifest(std::istream& input, const std::string& source);

// Whether images with this label are positives for the detector kind.
bool is_positive(DetectionKind kind, const std::string& label);

struct DetectorDecision {
  DetectionKind kind = DetectionKind::recording_device;
  float score = 0;
  bool flagged = false;
};

struct ImageResult {
  std::string file;
  std::string label;
  std::vector<DetectorDecision> decisions;
};

struct Counts {
  int true_positives = 0;
  int false_positives = 0;
  int false_negatives = 0;
  int true_negatives = 0;

  double precision() const;
  double recall() const;
  // False positives over all negatives.
  double false_alarm_rate() const;
};

class EvaluationReport {
 public:
  void add(ImageResult result);

  const Counts& counts(DetectionKind kind) const;
  // Images of this label that the detector flagged, and the label's total.
  std::pair<int, int> flagged_by_label(DetectionKind kind, const std::string& label) const;

  // Per-detector and per-label table, for people.
  std::string to_text() const;
  // One JSON object per line for each image, then a summary line.
  std::string image_json(const ImageResult& result) const;
  std::string summary_json() const;

  const std::vector<ImageResult>& results() const { return results_; }

 private:
  std::vector<ImageResult> results_;
  std::map<DetectionKind, Counts> counts_;
  std::map<std::pair<DetectionKind, std::string>, std::pair<int, int>> by_label_;
};

struct EvaluationOptions {
  std::filesystem::path images_dir;
  // Default: images_dir / MANIFEST.tsv.
  std::filesystem::path manifest;
  std::filesystem::path models_dir;
  // NanoDet input for both detectors, 320 or 416; 0 keeps each detector's
  // default (the sizes the thresholds above were chosen with).
  int input_size = 0;
};

// Runs both detectors over every manifest image (read from disk, converted
// to I420 so that they take the same path as decoded frames). Calls
// `on_image` after each image. Throws std::runtime_error for a missing or
// unreadable manifest, image or model file.
EvaluationReport run_evaluation(const EvaluationOptions& options,
                                const std::function<void(const ImageResult&)>& on_image);

}  // namespace sightline::analysis

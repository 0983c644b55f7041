// Starts the analysis service for serve and demo: the two detectors over the
// imported models, or nothing (with a logged reason) when analysis is off or
// the models are missing.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "analysis/analysis_service.h"
#include "analysis/recording_device_detector.h"
#include "analysis/thresholds.h"
#include "relay/control/settings.h"

namespace sightline::cli {

struct AnalysisSetup {
  bool enabled = true;
  // Empty: SIGHTLINE_MODELS_DIR, else .cache/models in the repository.
  std::string models;
  int threads = 1;
  std::function<void(const analysis::Alert&)> on_alert;
  // Sampling, detector cadence, per-detector score thresholds and the
  // recording device detector's options (the analysis.* settings of serve).
  analysis::FrameSamplerConfig sampler;
  analysis::DetectionThresholds thresholds;
  analysis::RecordingDeviceOptions recording_device;
};

// Copies the analysis.* sampling and detector settings registered by
// control::register_service_settings into `setup`.
void read_analysis_settings(const control::Settings& settings, AnalysisSetup& setup);

std::unique_ptr<analysis::AnalysisService> start_analysis(AnalysisSetup setup);

// Returns the models directory: `configured` when not empty, else
// SIGHTLINE_MODELS_DIR, else .cache/models in the repository found beside
// web/ (the current directory when there is none), as the import tool writes it.
std::filesystem::path configured_models_directory(const std::string& configured);

// One line for a person reading the console: "alert raised: recording_device
// (score 0.71) in call c1, participant caller".
std::string describe_alert(const analysis::Alert& alert);

}  // namespace sightline::cli

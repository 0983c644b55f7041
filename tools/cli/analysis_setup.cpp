// Analysis start-up shared by serve and demo.
#include "tools/cli/analysis_setup.h"

#include <sys/prctl.h>

#include <cstdio>
#include <filesystem>

#include <opencv2/core.hpp>

#include "analysis/dress_detector.h"
#include "analysis/model_blazeface.h"
#include "analysis/model_files.h"
#include "analysis/recording_device_detector.h"
#include "relay/base/log.h"
#include "relay/control/config.h"

namespace sightline::cli {

std::filesystem::path configured_models_directory(const std::string& configured) {
  const std::string web_root = control::find_default_web_root();
  const std::filesystem::path repository =
      web_root.empty() ? std::filesystem::current_path() : std::filesystem::path(web_root).parent_path();
  return analysis::models_directory(configured, repository);
}

std::unique_ptr<analysis::AnalysisService> start_analysis(AnalysisSetup setup) {
  if (!setup.enabled) return nullptr;

  const std::filesystem::path models = configured_models_directory(setup.models);
  for (const char* file : {analysis::kNanoDetModelFile, analysis::kNanoDetSmallModelFile, analysis::kNsfwModelFile,
                           analysis::kBlazeFaceModelFile}) {
    if (!std::filesystem::exists(models / file)) {
      log::warn("analysis", "analysis off",
                {{"reason", "model file missing"}, {"file", (models / file).string()},
                 {"fix", "run tools/models/import.sh, or set the models directory"}});
      return nullptr;
    }
  }

  analysis::AnalysisConfig config;
  config.threads = setup.threads;
  config.sampler = setup.sampler;
  config.smoother.thresholds = setup.thresholds;
  // Each analysis thread runs its models on one core at a time. OpenCV's
  // default would spread every inference over all cores, taking them from
  // the relay's media workers. The setting is global to the process.
  cv::setNumThreads(1);
  analysis::DressOptions dress_options;
  // The classifier is skipped when the skin evidence caps the dress score
  // below the dress threshold, because it cannot change the decision then.
  dress_options.classifier_min_score = config.smoother.thresholds.dress;
  config.make_detectors = [models, dress_options, recording_options = setup.recording_device] {
    std::vector<std::unique_ptr<analysis::Detector>> detectors;
    detectors.push_back(std::make_unique<analysis::RecordingDeviceDetector>(models, recording_options));
    detectors.push_back(std::make_unique<analysis::DressDetector>(models, dress_options));
    return detectors;
  };
  config.on_alert = [on_alert = std::move(setup.on_alert)](const analysis::Alert& alert) {
    // Alerts carry no pixels: the call, the track, the kind, the score, the box.
    log::info("analysis", "alert",
              {{"state", analysis::to_string(alert.state)}, {"id", alert.id}, {"call", alert.call_id},
               {"participant", alert.participant_id}, {"kind", analysis::to_string(alert.kind)},
               {"score", alert.score}, {"box", {alert.box.x, alert.box.y, alert.box.width, alert.box.height}}});
    if (on_alert) on_alert(alert);
  };

  std::string error;
  auto service = analysis::AnalysisService::create(std::move(config), error);
  if (!service) {
    log::error("analysis", "analysis off", {{"reason", error}});
    return nullptr;
  }
  // Decoded frames must never reach a disk: libvpx's own frames are ordinary
  // heap memory, so no core dump is written while analysis runs.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  log::info("analysis", "analysis on", {{"models", models.string()}, {"threads", setup.threads}});
  return service;
}

void read_analysis_settings(const control::Settings& settings, AnalysisSetup& setup) {
  analysis::FrameSamplerConfig& sampler = setup.sampler;
  sampler.interval_ms = settings.get_integer("analysis.interval-ms");
  sampler.scene_change_threshold = settings.get_number("analysis.scene-change-threshold");
  sampler.max_unanalysed_ms = settings.get_integer("analysis.refresh-ms");
  sampler.detector_interval_ms[static_cast<size_t>(analysis::DetectionKind::recording_device)] =
      settings.get_integer("analysis.recording-device-interval-ms");
  sampler.detector_interval_ms[static_cast<size_t>(analysis::DetectionKind::inappropriate_dress)] =
      settings.get_integer("analysis.dress-interval-ms");
  sampler.dress_skin_rise = static_cast<float>(settings.get_number("analysis.dress-skin-rise"));
  sampler.motion_burst.ratio = settings.get_number("analysis.motion-burst-ratio");
  setup.thresholds.recording_device = static_cast<float>(settings.get_number("analysis.recording-device-threshold"));
  setup.thresholds.dress = static_cast<float>(settings.get_number("analysis.dress-threshold"));
  setup.recording_device.full_pass_every = static_cast<int>(settings.get_integer("analysis.full-pass-every"));
}

std::string describe_alert(const analysis::Alert& alert) {
  char score[16];
  std::snprintf(score, sizeof score, "%.2f", static_cast<double>(alert.score));
  return "alert " + std::string(analysis::to_string(alert.state)) + ": " + std::string(analysis::to_string(alert.kind)) +
         " (score " + score + ") in call " + alert.call_id + ", participant " + alert.participant_id;
}

}  // namespace sightline::cli

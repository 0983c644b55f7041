// sightline eval: runs the analysis detectors over a labelled image folder and
// reports true and false positives, precision and recall per detector and label.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <opencv2/core.hpp>

#include "analysis/evaluation.h"
#include "tools/cli/analysis_setup.h"
#include "tools/cli/command_line.h"
#include "tools/cli/commands.h"

namespace sightline::cli {

int run_eval(int argc, const char* const* argv) {
  control::Settings settings;
  settings.add_string("eval.images", "Folder of labelled images.", "");
  settings.add_string("eval.manifest", "Manifest TSV (file, label, ...); empty reads IMAGES/MANIFEST.tsv.", "");
  settings.add_string("eval.models", "Folder of imported ONNX models; empty uses $SIGHTLINE_MODELS_DIR, or .cache/models.",
                      "");
  settings.add_integer("eval.input-size",
                       "NanoDet input size in pixels for both detectors: 320 or 416; 0 keeps each detector's "
                       "default (recording device 320, dress 416).",
                       0, 0, 416);
  settings.add_integer("eval.threads", "OpenCV threads for inference.", 1, 1, 64);
  settings.add_boolean("eval.json", "Print one JSON line per image and a summary line last.", false);
  settings.add_string("eval.out", "File to write the report to.", "eval-report.txt");
  settings.add_alias("images", "eval.images");
  settings.add_alias("manifest", "eval.manifest");
  settings.add_alias("models", "eval.models");
  settings.add_alias("input-size", "eval.input-size");
  settings.add_alias("threads", "eval.threads");
  settings.add_alias("json", "eval.json");
  settings.add_alias("out", "eval.out");
  if (auto exit_code = apply_command_line(settings, argc, argv,
                                          "sightline eval --images DIR [--manifest FILE] [--models DIR] [--json] "
                                          "[--out FILE]",
                                          "Runs the recording-device and dress detectors over labelled images and "
                                          "reports true and false positives, precision and recall.")) {
    return *exit_code;
  }
  analysis::EvaluationOptions options;
  options.images_dir = settings.get_string("eval.images");
  if (options.images_dir.empty()) {
    std::fprintf(stderr, "error: --images is required (a folder with a MANIFEST.tsv)\n");
    return kExitUsage;
  }
  const int64_t input_size = settings.get_integer("eval.input-size");
  if (input_size != 0 && input_size != 416 && input_size != 320) {
    std::fprintf(stderr, "error: --input-size must be 0, 320 or 416, got %lld\n", static_cast<long long>(input_size));
    return kExitUsage;
  }
  options.input_size = static_cast<int>(input_size);
  options.manifest = settings.get_string("eval.manifest");
  // The same models serve and demo use.
  options.models_dir = configured_models_directory(settings.get_string("eval.models"));
  cv::setNumThreads(static_cast<int>(settings.get_integer("eval.threads")));
  const bool json = settings.get_boolean("eval.json");

  try {
    analysis::EvaluationReport printer;
    analysis::EvaluationReport report = analysis::run_evaluation(options, [&](const analysis::ImageResult& result) {
      if (json) {
        std::cout << printer.image_json(result) << std::endl;
      }
    });
    const std::string text = report.to_text();
    std::cout << (json ? report.summary_json() + "\n" : text);
    const std::string out_path = settings.get_string("eval.out");
    std::ofstream out(out_path);
    out << text << report.summary_json() << "\n";
    if (!out) {
      std::fprintf(stderr, "error: cannot write report to %s\n", out_path.c_str());
      return kExitFailure;
    }
  } catch (const cv::Exception& error) {
    std::fprintf(stderr, "error: OpenCV: %s\n", error.what());
    return kExitFailure;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace sightline::cli

// Where the imported ONNX models live: SIGHTLINE_MODELS_DIR when set, else
// the import tool's default cache under the source tree.
#pragma once

#include <filesystem>
#include <string>

namespace sightline::analysis {

inline constexpr const char* kNanoDetModelFile = "nanodet.onnx";
inline constexpr const char* kNanoDetSmallModelFile = "nanodet_320.onnx";
inline constexpr const char* kNsfwModelFile = "nsfw_mobilenet_v2.onnx";

// The models directory: `configured` when not empty, else the environment
// variable SIGHTLINE_MODELS_DIR, else `<source_dir>/.cache/models`.
std::filesystem::path models_directory(const std::string& configured, const std::filesystem::path& source_dir);

// Returns the path of one model file, or throws std::runtime_error naming the
// missing file and the import command.
std::filesystem::path require_model_file(const std::filesystem::path& directory, const char* file_name);

}  // namespace sightline::analysis

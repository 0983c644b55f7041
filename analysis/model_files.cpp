// Locating the imported model files.
#include "analysis/model_files.h"

#include <cstdlib>
#include <stdexcept>

namespace sightline::analysis {

std::filesystem::path models_directory(const std::string& configured, const std::filesystem::path& source_dir) {
  if (!configured.empty()) {
    return configured;
  }
  if (const char* from_env = std::getenv("SIGHTLINE_MODELS_DIR"); from_env && *from_env) {
    return from_env;
  }
  return source_dir / ".cache" / "models";
}

std::filesystem::path require_model_file(const std::filesystem::path& directory, const char* file_name) {
  std::filesystem::path path = directory / file_name;
  if (!std::filesystem::is_regular_file(path)) {
    throw std::runtime_error("model file not found: " + path.string() +
                             "; run tools/models/import.sh (or set SIGHTLINE_MODELS_DIR)");
  }
  return path;
}

}  // namespace sightline::analysis

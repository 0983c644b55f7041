// Paths into the shared test data: real browser SDP offers, clips, a packet
// capture and labelled photographs, kept outside the repository because some
// of their licences forbid copying them in.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sightline::test {

// Returns $SIGHTLINE_SHARED_DIR when set, otherwise the directory CMake was
// configured with (the SIGHTLINE_SHARED_DIR cache variable, default
// ../shared beside the source tree).
inline std::filesystem::path shared_data_directory() {
  const char* configured = std::getenv("SIGHTLINE_SHARED_DIR");
  if (configured != nullptr && *configured != '\0') return configured;
  return SIGHTLINE_SHARED_DIR;
}

// Returns the path of testdata/<relative_path> in the shared data. Throws
// std::runtime_error naming the missing file, which GoogleTest reports as
// the test's failure, so a checkout without the data fails with the path
// instead of crashing on an empty input.
inline std::string shared_test_file(const std::string& relative_path) {
  const std::filesystem::path path = shared_data_directory() / "testdata" / relative_path;
  if (!std::filesystem::is_regular_file(path)) {
    throw std::runtime_error("shared test data not found: " + path.string() +
                             " (put the shared data beside the repository as ../shared, or set "
                             "SIGHTLINE_SHARED_DIR)");
  }
  return path.string();
}

// Returns the contents of testdata/<relative_path>, and throws as
// shared_test_file does when it is missing.
inline std::string read_shared_test_file(const std::string& relative_path) {
  std::ifstream file(shared_test_file(relative_path), std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

}  // namespace sightline::test

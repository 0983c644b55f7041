// Names of detection kinds, as they appear in alerts, logs and reports.
#include "analysis/detection.h"

namespace sightline::analysis {

std::string_view to_string(DetectionKind kind) {
  switch (kind) {
    case DetectionKind::recording_device:
      return "recording_device";
    case DetectionKind::inappropriate_dress:
      return "inappropriate_dress";
  }
  return "unknown";
}

}  // namespace sightline::analysis

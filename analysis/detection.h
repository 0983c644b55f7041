// What a detector reports about one decoded frame, and the interface every
// detector implements. Frames arrive as I420 views over analysis-owned memory
// that is overwritten after the call returns: a detector keeps no pixels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace sightline::analysis {

enum class DetectionKind : uint8_t {
  // A phone or camera raised in front of a person, as if filming the screen.
  recording_device,
  // Swimwear or underwear on camera.
  inappropriate_dress,
};

inline constexpr size_t kDetectionKinds = 2;

std::string_view to_string(DetectionKind kind);

// A box in frame coordinates normalised to 0..1, so that it means the same
// whatever the layer's resolution.
struct Box {
  float x = 0;
  float y = 0;
  float width = 0;
  float height = 0;
};

struct Detection {
  DetectionKind kind = DetectionKind::recording_device;
  // 0..1; the detector's own evidence for this frame, before smoothing.
  float score = 0;
  Box box;
};

// One decoded frame in I420 (the layout libvpx produces).
struct FrameView {
  const uint8_t* y = nullptr;
  const uint8_t* u = nullptr;
  const uint8_t* v = nullptr;
  int y_stride = 0;
  int uv_stride = 0;
  int width = 0;
  int height = 0;
};

// The reason a detector runs on a sample. A routine run is due only because the
// detector's interval passed on the track. A triggered run is the track's
// first, or was requested by the scene (a motion burst, a scene onset, more
// skin), by a suspicion being confirmed or by a raised alert.
enum class RunReason : uint8_t { routine, triggered };

// What a detector remembers about one track between its frames, e.g. where
// the person sits, so that later frames cost less. Never pixels.
class DetectorTrackState {
 public:
  virtual ~DetectorTrackState() = default;
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual DetectionKind kind() const = 0;
  // The strongest evidence of this detector's kind in the frame; score 0
  // when there is none. Called from one analysis thread at a time.
  virtual Detection detect(const FrameView& frame) = 0;

  // A new memory for one track, or nullptr for a detector that keeps none.
  virtual std::unique_ptr<DetectorTrackState> make_track_state() const { return nullptr; }
  // detect() for a frame of the track that `state` (from make_track_state(),
  // or nullptr) belongs to. A detector may take a cheaper pass on a routine
  // run, using what it remembers of the track.
  virtual Detection detect_on_track(const FrameView& frame, DetectorTrackState* state, RunReason reason) {
    (void)state;
    (void)reason;
    return detect(frame);
  }
};

}  // namespace sightline::analysis

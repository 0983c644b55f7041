// Real-time VP8 encoder over libvpx for the peer's outgoing video: constant
// bitrate, no lookahead, error resilient, key frames at start and on request.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tools/media/i420_frame.h"

namespace sightline::media {

// Presentation timestamps passed to encode() count 90 kHz ticks, the RTP
// clock rate of VP8 video (RFC 7741).
inline constexpr int kVp8TimestampHz = 90000;

struct Vp8EncoderConfig {
  int width = 352;
  int height = 288;
  int frame_rate = 15;
  int target_bitrate_kbps = 600;  // Suits CIF (352x288) at 15 fps.
  // libvpx speed for VPX_DL_REALTIME: -16..16, where larger magnitude is faster
  // and negative values adapt the speed to the CPU load.
  int cpu_used = -6;
  // Encoder threads, fixed at creation because libvpx reads it only then.
  int threads = 1;
  // Upper bound between automatic key frames; in practice key frames come at
  // the start and from request_keyframe().
  int max_keyframe_interval_frames = 3000;
  // 1, or 3 for the temporal layers Chromium gives each simulcast layer: a
  // period of 4 frames with layers 0, 2, 1, 2, so that layer 0 alone is a
  // quarter of the frame rate and decodes without the others.
  int temporal_layers = 1;
};

struct EncodedFrame {
  std::vector<uint8_t> bytes;
  bool keyframe = false;
  int64_t pts = 0;  // 90 kHz ticks, as passed to encode().
  // Temporal layer (TID), 0 without temporal layers.
  uint8_t temporal_layer = 0;
  // The frame references only layer 0 frames, so a receiver may start
  // decoding its layer here (the Y bit of RFC 7741).
  bool layer_sync = false;
};

class Vp8Encoder {
 public:
  // Returns nullptr and sets `error` when the configuration is invalid or
  // libvpx fails to initialise.
  static std::unique_ptr<Vp8Encoder> create(const Vp8EncoderConfig& config, std::string& error);
  ~Vp8Encoder();
  Vp8Encoder(const Vp8Encoder&) = delete;
  Vp8Encoder& operator=(const Vp8Encoder&) = delete;

  // Encodes one frame of the configured size. `out` is resized to the frames
  // produced (normally one, zero if the rate control drops the frame) and its
  // buffers are reused. Returns false and sets last_error() on failure.
  bool encode(const I420Frame& frame, int64_t pts, std::vector<EncodedFrame>& out);

  // Makes the next encode() produce a key frame, e.g. after a PLI.
  void request_keyframe() { keyframe_requested_ = true; }

  // Changes the target bitrate from the next frame on. Returns false and sets
  // last_error() when libvpx rejects it.
  bool set_target_bitrate(int kbps);

  const Vp8EncoderConfig& config() const { return config_; }
  const std::string& last_error() const { return last_error_; }

 private:
  struct Context;
  explicit Vp8Encoder(const Vp8EncoderConfig& config);

  Vp8EncoderConfig config_;
  std::unique_ptr<Context> context_;
  bool keyframe_requested_ = false;
  // Frames encoded, for the position in the temporal layer period.
  uint64_t frame_count_ = 0;
  std::string last_error_;
};

}  // namespace sightline::media

// Media encoded once at start for the load generator: a VP8 clip split into
// RTP payloads per frame and a loop of Opus packets, replayed by every
// participant so that the generator spends no time encoding during a run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sightline::load {

struct EncodedVideoFrame {
  // RTP payloads of the frame, each starting with the VP8 payload descriptor.
  std::vector<std::vector<uint8_t>> payloads;
  bool keyframe = false;
};

struct EncodedMedia {
  // Frames of one pass of the clip. Frame 0 is a keyframe, so the clip loops
  // without a decoding break and a keyframe request jumps back to it.
  std::vector<EncodedVideoFrame> video_frames;
  double frame_rate = 15;
  int width = 0;
  int height = 0;
  // One second of 20 ms Opus packets of a tone, looped.
  std::vector<std::vector<uint8_t>> audio_packets;
  uint64_t video_bytes = 0;
};

// Encodes the Y4M clip at clip_path with VP8 at bitrate_kbps and the
// clip's own resolution, and one second of Opus audio. frame_rate 0 keeps
// the clip's frame rate. Another rate shows each clip frame for as long as
// the clip does, so a 15 fps clip at 30 fps sends each frame twice.
// Returns nullptr and fills error when the clip cannot be read or encoded.
std::unique_ptr<EncodedMedia> encode_media(const std::string& clip_path, int bitrate_kbps, double frame_rate,
                                           std::string& error);

}  // namespace sightline::load

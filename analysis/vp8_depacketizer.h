// VP8 depacketising for analysis (RFC 7741): payload descriptor checks, the
// temporal layer filter and rate-limited keyframe requests, in front of the
// shared frame assembler that reorders, reassembles and detects loss.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "relay/base/bytes.h"
#include "relay/base/clock.h"
#include "relay/codec/vp8_payload_descriptor.h"
#include "tools/media/vp8_frame_assembler.h"

namespace sightline::analysis {

// At most one keyframe request per track in this interval. One keyframe
// repairs every loss before it, and a request per lost frame would make the
// publisher send keyframes back to back.
inline constexpr milliseconds kKeyframeRequestInterval{1000};

struct Vp8DepacketizerStats {
  uint64_t packets = 0;
  // Packets of temporal layers above the base (TID > 0), not decoded.
  uint64_t packets_upper_layer = 0;
  // Packets whose payload descriptor was rejected, by reason.
  std::array<uint64_t, 7> packets_rejected{};
  uint64_t keyframe_requests = 0;

  uint64_t rejected(codec::Vp8ParseError reason) const { return packets_rejected[static_cast<size_t>(reason)]; }
};

class Vp8Depacketizer {
 public:
  // `on_frame` receives each complete frame of the base temporal layer whose
  // references are intact, in sequence order, during insert().
  explicit Vp8Depacketizer(media::Vp8FrameAssembler::FrameHandler on_frame);

  // Adds one RTP packet of the track. A packet with a rejected descriptor
  // counts as lost, so its frame is not decoded. A packet of an upper
  // temporal layer fills its sequence number without data, so the base layer
  // frames around it still complete.
  void insert(uint16_t sequence_number, uint32_t timestamp, bool marker, ByteView payload);

  // Returns true when the caller should ask the publisher for a keyframe now:
  // a frame was lost or failed to decode, or the stream has not had its first
  // keyframe, and no request was made in the last kKeyframeRequestInterval.
  bool take_keyframe_request(TimePoint now);

  // Asks for a keyframe at the next take_keyframe_request(), e.g. after a
  // complete frame failed to decode.
  void note_undecodable() { undecodable_ = true; }

  const Vp8DepacketizerStats& stats() const { return stats_; }
  const media::Vp8AssemblerStats& assembler_stats() const { return assembler_.stats(); }

 private:
  media::Vp8FrameAssembler assembler_;
  std::optional<TimePoint> last_keyframe_request_;
  bool undecodable_ = false;
  Vp8DepacketizerStats stats_;
};

}  // namespace sightline::analysis

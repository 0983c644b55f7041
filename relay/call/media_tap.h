// The frame tap: how the relay offers supervised video tracks to analysis
// without depending on it. analysis/ implements MediaTap; relay/ only calls it.
//
// Where the relay calls it (all on the media worker thread that owns the call):
//
//   1. on_track_start: in Participant::inspect_video() when the layer of a
//      supervised participant's video SSRC becomes known (from its rid), for
//      the lowest simulcast layer only (the only video SSRC when there is no
//      simulcast). Keep the returned handle in the InboundStream. The handle
//      kNoTapTrack means that analysis declined the track.
//   2. on_rtp: in Participant::on_rtp() for every packet of that SSRC, right
//      after statistics.on_packet() and before call_.route(), so that a call
//      is supervised in every state, including the ID check. Pass the
//      decrypted packet's header fields and RtpPacket::payload(), which
//      excludes padding. RTX packets are never passed.
//   3. on_track_end: when that inbound stream goes away, that is, in
//      Participant's destructor (Call::remove and the end of the call) and
//      when the publisher replaces the SSRC. After on_track_end the handle is
//      invalid.
//   4. KeyframeRequester: the relay creates one per track and passes it to
//      on_track_start. Analysis calls request_keyframe() from an analysis
//      thread, at most once per second per track. The relay's implementation
//      sets an atomic flag of the participant and one of its worker. At the
//      worker's next tick, its TickSchedule reads the worker's flag and polls
//      every participant's (Participant::poll_tap_keyframe_request), which
//      calls Participant::request_keyframe(now, 0) for the lowest layer and
//      so applies the relay's own PLI rate limit.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "relay/base/bytes.h"

namespace sightline::call {

enum class TapCodec : uint8_t { vp8, other };

// Identifies a tapped track between on_track_start and on_track_end.
using TapTrackHandle = uint64_t;
inline constexpr TapTrackHandle kNoTapTrack = 0;

struct TapTrackInfo {
  std::string_view call_id;
  std::string_view participant_id;
  // The participant's role in the call, e.g. "detainee" or "caller".
  std::string_view role;
  uint32_t ssrc = 0;
  TapCodec codec = TapCodec::vp8;
};

// One decrypted RTP packet. Every field is a view that is valid only during
// the on_rtp call.
struct TapRtpPacket {
  uint16_t sequence_number = 0;
  uint32_t timestamp = 0;
  bool marker = false;
  ByteView payload;  // RTP payload without padding.
};

// Lets analysis ask the publisher of a track for a keyframe.
class KeyframeRequester {
 public:
  virtual ~KeyframeRequester() = default;
  // Called from an analysis thread; must be thread-safe and must not block.
  virtual void request_keyframe() = 0;
};

class MediaTap {
 public:
  virtual ~MediaTap() = default;

  // Offers a video track to analysis. Returns kNoTapTrack when analysis does
  // not take it (another codec, or every track slot busy). May allocate and
  // take a short lock, so call it once per track and not per packet. Thread-safe.
  virtual TapTrackHandle on_track_start(const TapTrackInfo& track,
                                        std::shared_ptr<KeyframeRequester> keyframe_requester) = 0;

  // Passes one packet of a started track. Copies the packet into a
  // preallocated ring and returns; it never blocks and never allocates. When
  // the ring is full the packet is dropped and counted. Calls for one handle
  // must come from one thread.
  virtual void on_rtp(TapTrackHandle track, const TapRtpPacket& packet) = 0;

  // Ends a track. Returns at once; analysis releases the track on its own
  // thread and raises no new alert for it afterwards. Ignores kNoTapTrack.
  virtual void on_track_end(TapTrackHandle track) = 0;
};

}  // namespace sightline::call

// Receiver-side VP8 depacketizer: reorders RTP packets within a small
// window, reassembles complete frames, detects loss and holds back delta
// frames until the next key frame.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "relay/base/bytes.h"

namespace sightline::media {

// Packets arriving this many sequence numbers after a missing one declare it
// lost. Real networks rarely reorder further, and a larger window delays the
// keyframe request after a true loss.
inline constexpr int kDefaultVp8ReorderWindowPackets = 8;
inline constexpr int kMaxVp8ReorderWindowPackets = 63;

struct Vp8RtpPacket {
  uint16_t sequence_number = 0;
  uint32_t timestamp = 0;
  bool marker = false;
  ByteView payload;  // RTP payload with padding removed; copied by insert().
};

struct Vp8AssembledFrame {
  ByteView bytes;  // VP8 frame, valid only during the callback.
  uint32_t rtp_timestamp = 0;
  bool keyframe = false;
  bool has_picture_id = false;
  uint16_t picture_id = 0;
};

struct Vp8AssemblerStats {
  uint64_t packets_received = 0;
  uint64_t packets_late = 0;       // Duplicates and packets behind the window, dropped.
  uint64_t packets_malformed = 0;  // Invalid payload descriptor; treated as lost.
  uint64_t packets_lost = 0;       // Sequence numbers never received.
  uint64_t frames_delivered = 0;
  uint64_t frames_incomplete = 0;     // Started frames that lost a packet.
  uint64_t delta_frames_dropped = 0;  // Complete delta frames held back waiting for a key frame.
};

class Vp8FrameAssembler {
 public:
  using FrameHandler = std::function<void(const Vp8AssembledFrame&)>;

  // `on_frame` receives each complete, decodable frame in sequence order.
  // `reorder_window_packets` is clamped to 1..kMaxVp8ReorderWindowPackets.
  explicit Vp8FrameAssembler(FrameHandler on_frame, int reorder_window_packets = kDefaultVp8ReorderWindowPackets);

  // Adds one packet of the stream (one SSRC, one payload type). Frames that
  // it completes, including ones waiting on it to fill a gap, are delivered
  // before insert() returns, except that the first `reorder_window_packets`
  // packets of the stream are held until they have all arrived or flush()
  // is called. An empty payload (padding only) fills its sequence number
  // without carrying data.
  void insert(const Vp8RtpPacket& packet);

  // Gives up on all gaps and processes every buffered packet, e.g. at the end
  // of a stream.
  void flush();

  // Returns true when a loss or a held-back delta frame happened since the
  // last call and no key frame has arrived since, then clears the request.
  // The caller sends a PLI and limits how often it sends one, because
  // this fires again for every delta frame until the key frame arrives.
  bool take_keyframe_request();
  bool waiting_for_keyframe() const { return waiting_for_keyframe_; }
  const Vp8AssemblerStats& stats() const { return stats_; }

 private:
  static constexpr size_t kSlotCount = 64;  // A power of two, so seq % kSlotCount survives wrap.

  struct Slot {
    bool filled = false;
    uint16_t sequence_number = 0;
    uint32_t timestamp = 0;
    bool marker = false;
    std::vector<uint8_t> payload;
  };

  void release_in_order();
  void advance_to(uint16_t target);
  void consume_next();
  void consume_packet(const Slot& slot);
  void start_frame(const Slot& slot, ByteView payload);
  void finish_frame();
  void note_loss();

  FrameHandler on_frame_;
  uint16_t reorder_window_;
  std::array<Slot, kSlotCount> slots_;
  bool started_ = false;
  uint16_t next_sequence_number_ = 0;
  // The first `reorder_window_` packets are only buffered, so that a
  // reordered first packet can still start the stream.
  bool buffering_start_ = true;
  uint16_t highest_at_start_ = 0;

  bool frame_open_ = false;  // Packets of a frame whose first packet arrived are being collected.
  uint32_t frame_timestamp_ = 0;
  bool frame_keyframe_ = false;
  bool frame_has_picture_id_ = false;
  uint16_t frame_picture_id_ = 0;
  std::vector<uint8_t> frame_buffer_;

  // The decoder has no valid reference until a key frame arrives, at the
  // start and after every loss.
  bool waiting_for_keyframe_ = true;
  bool keyframe_request_pending_ = false;
  Vp8AssemblerStats stats_;
};

}  // namespace sightline::media

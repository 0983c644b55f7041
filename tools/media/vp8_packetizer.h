// Splits encoded VP8 frames into RTP payloads (RFC 7741 section 4), each
// starting with a payload descriptor carrying a 15-bit picture id, and the
// temporal layer fields when the stream has temporal layers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "relay/base/bytes.h"

namespace sightline::media {

// Fits an RTP packet with header extensions and SRTP tag in a 1200-byte UDP
// payload, below the path MTU of common networks and tunnels.
inline constexpr size_t kDefaultVp8MaxPayloadBytes = 1100;

class Vp8Packetizer {
 public:
  // Payloads are at most `max_payload_bytes` long, descriptor included.
  explicit Vp8Packetizer(size_t max_payload_bytes = kDefaultVp8MaxPayloadBytes, uint16_t first_picture_id = 0);

  // Splits one encoded frame into payloads of near-equal size, resizing
  // `payloads` and reusing its buffers. Each payload starts with the
  // descriptor X=1 I=1 M=1 PID=0, and S=1 on the first; the caller sets the
  // RTP marker bit on the last and gives all of them the frame's timestamp.
  // The picture id advances by one per call, modulo 32768. Returns false,
  // leaving `payloads` empty, for an empty frame or when `max_payload_bytes`
  // leaves no room after the descriptor.
  bool packetize(ByteView encoded_frame, std::vector<std::vector<uint8_t>>& payloads);

  // As packetize(), for a stream with temporal layers: the descriptor also
  // carries TL0PICIDX, the frame's TID and its Y bit. TL0PICIDX counts the
  // layer 0 frames modulo 256, and a higher layer's frame carries that of
  // the layer 0 frame before it.
  bool packetize_layered(ByteView encoded_frame, uint8_t temporal_layer, bool layer_sync,
                         std::vector<std::vector<uint8_t>>& payloads);

  // The picture id the next frame gets.
  uint16_t next_picture_id() const { return next_picture_id_; }

 private:
  struct Temporal {
    uint8_t layer = 0;
    bool layer_sync = false;
  };
  bool packetize_frame(ByteView encoded_frame, const Temporal* temporal, std::vector<std::vector<uint8_t>>& payloads);

  size_t max_payload_bytes_;
  uint16_t next_picture_id_;
  // TL0PICIDX of the latest layer 0 frame; the first one gets 0.
  uint8_t tl0_pic_idx_ = 255;
};

}  // namespace sightline::media

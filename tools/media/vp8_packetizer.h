// Splits encoded VP8 frames into RTP payloads (RFC 7741 section 4), each
// starting with a payload descriptor carrying a 15-bit picture id.
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

  // The picture id the next frame gets.
  uint16_t next_picture_id() const { return next_picture_id_; }

 private:
  size_t max_payload_bytes_;
  uint16_t next_picture_id_;
};

}  // namespace sightline::media

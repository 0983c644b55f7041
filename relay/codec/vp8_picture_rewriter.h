// Continuity of the VP8 picture id and TL0PICIDX on one outbound stream fed
// by several inbound streams in turn (simulcast layers), and across pictures
// the relay drops to thin temporal layers.
#pragma once

#include <cstdint>

#include "relay/base/bytes.h"
#include "relay/codec/vp8_payload_descriptor.h"

namespace sightline::codec {

// The first picture forwarded from a new source gets the picture id after
// the newest one sent, and its TL0PICIDX the one after the newest sent.
// Every picture dropped with drop() is closed up so the receiver sees no gap.
// Each field keeps the width it arrived with: a 7-bit picture id is written
// modulo 128, a 15-bit one modulo 32768. Payload bytes after the descriptor
// are never changed.
//
// NOTE: a packet that arrives out of order across a dropped picture gets the
// offset in force when it arrives, so its id may be off by the number of
// pictures dropped in between.
class Vp8PictureRewriter {
 public:
  // Rewrites the descriptor at the start of `payload` for a packet of
  // `source` (its inbound SSRC), which the caller forwards. A change of source
  // must happen at a key frame. Returns false, changing nothing, when the
  // payload is shorter than the descriptor.
  bool rewrite(uint32_t source, MutableByteView payload, const Vp8PayloadDescriptor& descriptor);

  // Records a packet of the current source that the caller drops, so that
  // the pictures after it keep consecutive ids.
  void drop(uint32_t source, const Vp8PayloadDescriptor& descriptor);

 private:
  // Unwraps a field of `modulus` values against the newest value seen.
  struct Unwrapper {
    bool started = false;
    uint16_t newest_raw = 0;
    int64_t newest = 0;
    int64_t unwrap(uint16_t raw, uint16_t modulus);
  };

  void start_source(uint32_t source, const Vp8PayloadDescriptor& descriptor);

  bool has_source_ = false;
  uint32_t source_ = 0;
  Unwrapper picture_in_;
  Unwrapper tl0_in_;
  int64_t picture_offset_ = 0;
  int64_t tl0_offset_ = 0;
  // Newest picture of the current source that was seen, forwarded or dropped.
  int64_t newest_picture_seen_ = -1;
  // Newest values written, across sources; -1 before the first.
  int64_t newest_picture_out_ = -1;
  int64_t newest_tl0_out_ = -1;
};

}  // namespace sightline::codec

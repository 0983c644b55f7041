// libFuzzer target for the VP8 payload descriptor (RFC 7741 section 4.2):
// parse, classify keyframes, and rewrite picture ID and TL0PICIDX in place.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "relay/codec/vp8_payload_descriptor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sightline::codec;
  std::vector<uint8_t> payload(data, data + size);
  Vp8PayloadDescriptor descriptor;
  if (parse_vp8_payload_descriptor(payload, descriptor) != Vp8ParseError::kOk) return 0;

  const bool keyframe = is_vp8_keyframe(payload, descriptor);
  rewrite_vp8_picture_id(payload, descriptor, static_cast<uint16_t>(descriptor.picture_id + 1),
                         static_cast<uint8_t>(descriptor.tl0_pic_idx + (keyframe ? 1 : 0)));

  // A rewritten descriptor parses to the same layout.
  Vp8PayloadDescriptor again;
  if (parse_vp8_payload_descriptor(payload, again) != Vp8ParseError::kOk || again.size != descriptor.size) {
    __builtin_trap();
  }
  return 0;
}

// The VP8 RTP payload descriptor (RFC 7741 section 4.2): parsing, writing and
// in-place rewriting of the picture id and TL0PICIDX, for the relay and the peer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "relay/base/bytes.h"

namespace sightline::codec {

// Largest descriptor: required byte, extension byte, 16-bit picture id,
// TL0PICIDX and the TID/Y/KEYIDX byte.
inline constexpr size_t kVp8MaxPayloadDescriptorBytes = 6;
inline constexpr uint16_t kVp8PictureId7BitModulo = 128;
inline constexpr uint16_t kVp8PictureId15BitModulo = 32768;

struct Vp8PayloadDescriptor {
  bool extended = false;            // X: the extension byte follows.
  bool non_reference = false;       // N: no other frame references this frame.
  bool start_of_partition = false;  // S: the payload starts a VP8 partition.
  uint8_t partition_index = 0;      // PID: 0..7, the partition the payload starts in or belongs to.
  bool has_picture_id = false;      // I
  bool picture_id_16bit = false;    // M: the picture id is 15 bits in two bytes, else 7 bits in one.
  uint16_t picture_id = 0;
  bool has_tl0_pic_idx = false;  // L
  uint8_t tl0_pic_idx = 0;
  bool has_tid = false;  // T
  uint8_t tid = 0;       // Temporal layer index, 0..3.
  bool layer_sync = false;  // Y
  bool has_key_idx = false;  // K
  uint8_t key_idx = 0;       // 0..31
  size_t size = 0;           // Descriptor bytes; the VP8 payload starts at this offset.
};

enum class Vp8ParseError {
  kOk,
  kEmpty,                // Zero bytes: no descriptor at all.
  kTruncatedExtension,   // X=1 but the extension byte is missing.
  kTruncatedPictureId,   // I=1 but the picture id (one or two bytes) is missing.
  kTruncatedTl0PicIdx,   // L=1 but the TL0PICIDX byte is missing.
  kTruncatedTidKeyIdx,   // T=1 or K=1 but the TID/Y/KEYIDX byte is missing.
  kMissingPayload,       // The descriptor is complete but no VP8 payload byte follows it.
};

std::string_view to_string(Vp8ParseError error);

// Parses the descriptor at the start of an RTP payload. On success `out`
// describes it and `out.size` is the offset of the VP8 payload, which contains at
// least one byte. Reserved bits are ignored, as RFC 7741 section 4.2 asks of
// receivers.
Vp8ParseError parse_vp8_payload_descriptor(ByteView payload, Vp8PayloadDescriptor& out);

// Returns true when the payload starts a key frame: S=1, PID=0 and the P bit
// of the VP8 payload header is 0 (RFC 7741 section 4.3).
bool is_vp8_keyframe(ByteView payload, const Vp8PayloadDescriptor& descriptor);

// Overwrites the picture id and the TL0PICIDX in place, each only where the
// descriptor has it and keeping its width: a 7-bit id is written modulo 128
// and a 15-bit id modulo 32768. Bytes after the descriptor are never touched.
// Returns false, changing nothing, when the payload is shorter than
// `descriptor.size` or the descriptor has neither field.
bool rewrite_vp8_picture_id(MutableByteView payload, const Vp8PayloadDescriptor& descriptor,
                            uint16_t picture_id, uint8_t tl0_pic_idx);

// Returns the number of bytes `write_vp8_payload_descriptor` writes for these
// flags; `descriptor.size` is not read.
size_t vp8_payload_descriptor_size(const Vp8PayloadDescriptor& descriptor);

// Writes the descriptor's flags and fields at the start of `out` and returns
// the bytes written, or 0 when `out` is too small. The extension byte is
// written when `extended` is set or any of I, L, T, K is set.
size_t write_vp8_payload_descriptor(const Vp8PayloadDescriptor& descriptor, MutableByteView out);

}  // namespace sightline::codec

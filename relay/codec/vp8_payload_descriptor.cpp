// Parser, writer and picture id rewriter for the VP8 RTP payload descriptor
// (RFC 7741 section 4.2).
#include "relay/codec/vp8_payload_descriptor.h"

namespace sightline::codec {

namespace {

// Required byte.
constexpr uint8_t kExtendedBit = 0x80;
constexpr uint8_t kNonReferenceBit = 0x20;
constexpr uint8_t kStartOfPartitionBit = 0x10;
constexpr uint8_t kPartitionIndexMask = 0x07;
// Extension byte.
constexpr uint8_t kPictureIdBit = 0x80;
constexpr uint8_t kTl0PicIdxBit = 0x40;
constexpr uint8_t kTidBit = 0x20;
constexpr uint8_t kKeyIdxBit = 0x10;
// First picture id byte.
constexpr uint8_t kPictureId16BitFlag = 0x80;
constexpr uint8_t kPictureId7BitMask = 0x7F;
constexpr uint16_t kPictureId15BitMask = 0x7FFF;
// TID/Y/KEYIDX byte.
constexpr int kTidShift = 6;
constexpr uint8_t kLayerSyncBit = 0x20;
constexpr uint8_t kKeyIdxMask = 0x1F;
// First byte of the VP8 payload header (RFC 7741 section 4.3): the P bit is
// the inverse key frame flag.
constexpr uint8_t kInverseKeyFrameBit = 0x01;

size_t picture_id_bytes(const Vp8PayloadDescriptor& d) {
  if (!d.has_picture_id) return 0;
  return d.picture_id_16bit ? 2 : 1;
}

bool needs_extension_byte(const Vp8PayloadDescriptor& d) {
  return d.extended || d.has_picture_id || d.has_tl0_pic_idx || d.has_tid || d.has_key_idx;
}

// Reads the optional fields that the extension byte announces.
Vp8ParseError parse_extension(ByteReader& reader, Vp8PayloadDescriptor& out) {
  uint8_t extension = 0;
  if (!reader.read_u8(extension)) return Vp8ParseError::kTruncatedExtension;
  out.has_picture_id = (extension & kPictureIdBit) != 0;
  out.has_tl0_pic_idx = (extension & kTl0PicIdxBit) != 0;
  out.has_tid = (extension & kTidBit) != 0;
  out.has_key_idx = (extension & kKeyIdxBit) != 0;

  if (out.has_picture_id) {
    uint8_t first = 0;
    if (!reader.read_u8(first)) return Vp8ParseError::kTruncatedPictureId;
    out.picture_id_16bit = (first & kPictureId16BitFlag) != 0;
    if (out.picture_id_16bit) {
      uint8_t second = 0;
      if (!reader.read_u8(second)) return Vp8ParseError::kTruncatedPictureId;
      out.picture_id = static_cast<uint16_t>(((first & kPictureId7BitMask) << 8) | second);
    } else {
      out.picture_id = first & kPictureId7BitMask;
    }
  }

  if (out.has_tl0_pic_idx && !reader.read_u8(out.tl0_pic_idx)) {
    return Vp8ParseError::kTruncatedTl0PicIdx;
  }

  // One byte carries TID, Y and KEYIDX; it is present when T or K is set.
  if (out.has_tid || out.has_key_idx) {
    uint8_t tid_key = 0;
    if (!reader.read_u8(tid_key)) return Vp8ParseError::kTruncatedTidKeyIdx;
    if (out.has_tid) {
      out.tid = static_cast<uint8_t>(tid_key >> kTidShift);
      out.layer_sync = (tid_key & kLayerSyncBit) != 0;
    }
    if (out.has_key_idx) out.key_idx = tid_key & kKeyIdxMask;
  }
  return Vp8ParseError::kOk;
}

}  // namespace

std::string_view to_string(Vp8ParseError error) {
  switch (error) {
    case Vp8ParseError::kOk: return "ok";
    case Vp8ParseError::kEmpty: return "empty payload";
    case Vp8ParseError::kTruncatedExtension: return "truncated extension byte";
    case Vp8ParseError::kTruncatedPictureId: return "truncated picture id";
    case Vp8ParseError::kTruncatedTl0PicIdx: return "truncated TL0PICIDX";
    case Vp8ParseError::kTruncatedTidKeyIdx: return "truncated TID/KEYIDX byte";
    case Vp8ParseError::kMissingPayload: return "missing VP8 payload after the descriptor";
  }
  return "unknown";
}

// RFC 7741 section 4.2, the payload descriptor:
//
//          0 1 2 3 4 5 6 7
//         +-+-+-+-+-+-+-+-+
//         |X|R|N|S|R| PID | (required)
//         +-+-+-+-+-+-+-+-+
//    X:   |I|L|T|K| RSV   | (optional)
//         +-+-+-+-+-+-+-+-+
//    I:   |M| PictureID   | (optional)
//         +-+-+-+-+-+-+-+-+
//    M:   |   PictureID   | (optional, second byte of a 15-bit id)
//         +-+-+-+-+-+-+-+-+
//    L:   |   TL0PICIDX   | (optional)
//         +-+-+-+-+-+-+-+-+
//    T/K: |TID|Y| KEYIDX  | (optional)
//         +-+-+-+-+-+-+-+-+
Vp8ParseError parse_vp8_payload_descriptor(ByteView payload, Vp8PayloadDescriptor& out) {
  out = Vp8PayloadDescriptor{};
  ByteReader reader(payload);
  uint8_t required = 0;
  if (!reader.read_u8(required)) return Vp8ParseError::kEmpty;
  out.extended = (required & kExtendedBit) != 0;
  out.non_reference = (required & kNonReferenceBit) != 0;
  out.start_of_partition = (required & kStartOfPartitionBit) != 0;
  out.partition_index = required & kPartitionIndexMask;

  if (out.extended) {
    const Vp8ParseError error = parse_extension(reader, out);
    if (error != Vp8ParseError::kOk) return error;
  }

  out.size = reader.offset();
  if (reader.remaining() == 0) return Vp8ParseError::kMissingPayload;
  return Vp8ParseError::kOk;
}

bool is_vp8_keyframe(ByteView payload, const Vp8PayloadDescriptor& descriptor) {
  if (!descriptor.start_of_partition || descriptor.partition_index != 0) return false;
  if (payload.size() <= descriptor.size) return false;
  return (payload[descriptor.size] & kInverseKeyFrameBit) == 0;
}

bool rewrite_vp8_picture_id(MutableByteView payload, const Vp8PayloadDescriptor& descriptor,
                            uint16_t picture_id, uint8_t tl0_pic_idx) {
  if (payload.size() < descriptor.size) return false;
  if (!descriptor.has_picture_id && !descriptor.has_tl0_pic_idx) return false;

  // Both optional fields follow the required byte and the extension byte.
  size_t offset = 2;
  if (offset + picture_id_bytes(descriptor) + (descriptor.has_tl0_pic_idx ? 1 : 0) >
      descriptor.size) {
    return false;
  }

  if (descriptor.has_picture_id) {
    if (descriptor.picture_id_16bit) {
      const uint16_t wrapped = picture_id & kPictureId15BitMask;
      store_be16(&payload[offset], static_cast<uint16_t>(wrapped | (kPictureId16BitFlag << 8)));
      offset += 2;
    } else {
      payload[offset] = static_cast<uint8_t>(picture_id & kPictureId7BitMask);
      offset += 1;
    }
  }
  if (descriptor.has_tl0_pic_idx) payload[offset] = tl0_pic_idx;
  return true;
}

size_t vp8_payload_descriptor_size(const Vp8PayloadDescriptor& descriptor) {
  if (!needs_extension_byte(descriptor)) return 1;
  size_t size = 2 + picture_id_bytes(descriptor);
  if (descriptor.has_tl0_pic_idx) size += 1;
  if (descriptor.has_tid || descriptor.has_key_idx) size += 1;
  return size;
}

size_t write_vp8_payload_descriptor(const Vp8PayloadDescriptor& descriptor, MutableByteView out) {
  const size_t size = vp8_payload_descriptor_size(descriptor);
  if (out.size() < size) return 0;

  const bool extended = needs_extension_byte(descriptor);
  uint8_t required = descriptor.partition_index & kPartitionIndexMask;
  if (extended) required |= kExtendedBit;
  if (descriptor.non_reference) required |= kNonReferenceBit;
  if (descriptor.start_of_partition) required |= kStartOfPartitionBit;
  out[0] = required;
  if (!extended) return size;

  uint8_t extension = 0;
  if (descriptor.has_picture_id) extension |= kPictureIdBit;
  if (descriptor.has_tl0_pic_idx) extension |= kTl0PicIdxBit;
  if (descriptor.has_tid) extension |= kTidBit;
  if (descriptor.has_key_idx) extension |= kKeyIdxBit;
  out[1] = extension;

  size_t offset = 2;
  if (descriptor.has_picture_id) {
    if (descriptor.picture_id_16bit) {
      const uint16_t id = descriptor.picture_id & kPictureId15BitMask;
      store_be16(&out[offset], static_cast<uint16_t>(id | (kPictureId16BitFlag << 8)));
      offset += 2;
    } else {
      out[offset++] = descriptor.picture_id & kPictureId7BitMask;
    }
  }
  if (descriptor.has_tl0_pic_idx) out[offset++] = descriptor.tl0_pic_idx;
  if (descriptor.has_tid || descriptor.has_key_idx) {
    uint8_t tid_key = 0;
    if (descriptor.has_tid) {
      tid_key |= static_cast<uint8_t>((descriptor.tid & 0x03) << kTidShift);
      if (descriptor.layer_sync) tid_key |= kLayerSyncBit;
    }
    if (descriptor.has_key_idx) tid_key |= descriptor.key_idx & kKeyIdxMask;
    out[offset++] = tid_key;
  }
  return size;
}

}  // namespace sightline::codec

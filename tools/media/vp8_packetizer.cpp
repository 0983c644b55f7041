// VP8 packetization: a frame becomes ceil(size / room) payloads whose VP8
// parts differ in size by at most one byte, so no tiny last packet is sent.
#include "tools/media/vp8_packetizer.h"

#include <cstring>

#include "relay/codec/vp8_payload_descriptor.h"

namespace sightline::media {

namespace {

codec::Vp8PayloadDescriptor make_descriptor(uint16_t picture_id, bool first) {
  codec::Vp8PayloadDescriptor d;
  d.extended = true;
  d.start_of_partition = first;
  d.partition_index = 0;
  d.has_picture_id = true;
  d.picture_id_16bit = true;
  d.picture_id = picture_id;
  return d;
}

void add_temporal_fields(codec::Vp8PayloadDescriptor& d, uint8_t tl0_pic_idx, uint8_t layer, bool layer_sync) {
  d.has_tl0_pic_idx = true;
  d.tl0_pic_idx = tl0_pic_idx;
  d.has_tid = true;
  d.tid = layer;
  d.layer_sync = layer_sync;
}

}  // namespace

Vp8Packetizer::Vp8Packetizer(size_t max_payload_bytes, uint16_t first_picture_id)
    : max_payload_bytes_(max_payload_bytes),
      next_picture_id_(static_cast<uint16_t>(first_picture_id % codec::kVp8PictureId15BitModulo)) {}

bool Vp8Packetizer::packetize(ByteView encoded_frame, std::vector<std::vector<uint8_t>>& payloads) {
  return packetize_frame(encoded_frame, nullptr, payloads);
}

bool Vp8Packetizer::packetize_layered(ByteView encoded_frame, uint8_t temporal_layer, bool layer_sync,
                                      std::vector<std::vector<uint8_t>>& payloads) {
  const Temporal temporal{temporal_layer, layer_sync};
  return packetize_frame(encoded_frame, &temporal, payloads);
}

bool Vp8Packetizer::packetize_frame(ByteView encoded_frame, const Temporal* temporal,
                                    std::vector<std::vector<uint8_t>>& payloads) {
  const uint16_t picture_id = next_picture_id_;
  const uint8_t tl0_pic_idx =
      temporal != nullptr && temporal->layer == 0 ? static_cast<uint8_t>(tl0_pic_idx_ + 1) : tl0_pic_idx_;
  const auto descriptor = [&](bool first) {
    codec::Vp8PayloadDescriptor d = make_descriptor(picture_id, first);
    if (temporal != nullptr) add_temporal_fields(d, tl0_pic_idx, temporal->layer, temporal->layer_sync);
    return d;
  };
  const size_t descriptor_size = codec::vp8_payload_descriptor_size(descriptor(true));
  if (encoded_frame.empty() || max_payload_bytes_ <= descriptor_size) {
    payloads.clear();
    return false;
  }
  next_picture_id_ = static_cast<uint16_t>((picture_id + 1) % codec::kVp8PictureId15BitModulo);
  tl0_pic_idx_ = tl0_pic_idx;

  const size_t room = max_payload_bytes_ - descriptor_size;
  const size_t count = (encoded_frame.size() + room - 1) / room;
  const size_t base_size = encoded_frame.size() / count;
  const size_t larger_count = encoded_frame.size() % count;  // The first ones carry one byte more.
  payloads.resize(count);

  size_t offset = 0;
  for (size_t i = 0; i < count; ++i) {
    const size_t part = base_size + (i < larger_count ? 1 : 0);
    std::vector<uint8_t>& payload = payloads[i];
    payload.resize(descriptor_size + part);
    write_vp8_payload_descriptor(descriptor(i == 0), payload);
    std::memcpy(payload.data() + descriptor_size, encoded_frame.data() + offset, part);
    offset += part;
  }
  return true;
}

}  // namespace sightline::media

// VP8 frame reassembly (RFC 7741 section 4.5): packets are consumed in
// sequence order from a small reorder buffer; a frame is complete when its
// first packet (S=1, PID=0) through its marker packet arrived without a gap.
#include "tools/media/vp8_frame_assembler.h"

#include <algorithm>

#include "relay/codec/vp8_payload_descriptor.h"

namespace sightline::media {

namespace {

// Signed distance from `from` to `to` in the 16-bit sequence number space.
int sequence_distance(uint16_t from, uint16_t to) {
  return static_cast<int16_t>(static_cast<uint16_t>(to - from));
}

}  // namespace

Vp8FrameAssembler::Vp8FrameAssembler(FrameHandler on_frame, int reorder_window_packets)
    : on_frame_(std::move(on_frame)),
      reorder_window_(static_cast<uint16_t>(std::clamp(reorder_window_packets, 1, kMaxVp8ReorderWindowPackets))) {}

void Vp8FrameAssembler::insert(const Vp8RtpPacket& packet) {
  ++stats_.packets_received;
  if (!started_) {
    started_ = true;
    next_sequence_number_ = packet.sequence_number;
    highest_at_start_ = packet.sequence_number;
  }

  int distance = sequence_distance(next_sequence_number_, packet.sequence_number);
  // Until the first packet is consumed, an earlier packet moves the start back.
  if (distance < 0 && buffering_start_ &&
      sequence_distance(packet.sequence_number, highest_at_start_) < reorder_window_) {
    next_sequence_number_ = packet.sequence_number;
    distance = 0;
  }
  if (distance < 0) {
    ++stats_.packets_late;
    return;
  }
  // A packet this far ahead means the missing ones before the window are lost.
  if (distance >= reorder_window_) {
    buffering_start_ = false;
    advance_to(static_cast<uint16_t>(packet.sequence_number - reorder_window_ + 1));
  }

  Slot& slot = slots_[packet.sequence_number % kSlotCount];
  if (slot.filled) {
    ++stats_.packets_late;  // The same sequence number is already buffered.
    return;
  }
  slot.filled = true;
  slot.sequence_number = packet.sequence_number;
  slot.timestamp = packet.timestamp;
  slot.marker = packet.marker;
  slot.payload.assign(packet.payload.begin(), packet.payload.end());

  if (buffering_start_) {
    if (sequence_distance(highest_at_start_, packet.sequence_number) > 0) highest_at_start_ = packet.sequence_number;
    if (stats_.packets_received < reorder_window_) return;
    buffering_start_ = false;
  }
  release_in_order();
}

void Vp8FrameAssembler::flush() {
  if (!started_) return;
  buffering_start_ = false;
  int last_buffered = -1;
  for (int offset = 0; offset < static_cast<int>(kSlotCount); ++offset) {
    const uint16_t sequence_number = static_cast<uint16_t>(next_sequence_number_ + offset);
    const Slot& slot = slots_[sequence_number % kSlotCount];
    if (slot.filled && slot.sequence_number == sequence_number) last_buffered = offset;
  }
  if (last_buffered >= 0) advance_to(static_cast<uint16_t>(next_sequence_number_ + last_buffered + 1));
}

bool Vp8FrameAssembler::take_keyframe_request() {
  const bool request = keyframe_request_pending_ && waiting_for_keyframe_;
  keyframe_request_pending_ = false;
  return request;
}

void Vp8FrameAssembler::release_in_order() {
  for (;;) {
    Slot& slot = slots_[next_sequence_number_ % kSlotCount];
    if (!slot.filled || slot.sequence_number != next_sequence_number_) return;
    consume_next();
  }
}

// Consumes every sequence number before `target`, buffered or lost.
void Vp8FrameAssembler::advance_to(uint16_t target) {
  const int distance = sequence_distance(next_sequence_number_, target);
  if (distance > static_cast<int>(kSlotCount)) {
    // A jump beyond the buffer: drain what is buffered, count the rest as lost.
    for (size_t i = 0; i < kSlotCount; ++i) consume_next();
    stats_.packets_lost += static_cast<uint64_t>(distance) - kSlotCount;
    note_loss();
    next_sequence_number_ = target;
    return;
  }
  while (next_sequence_number_ != target) consume_next();
}

void Vp8FrameAssembler::consume_next() {
  Slot& slot = slots_[next_sequence_number_ % kSlotCount];
  if (slot.filled && slot.sequence_number == next_sequence_number_) {
    consume_packet(slot);
    slot.filled = false;
  } else {
    ++stats_.packets_lost;
    note_loss();
  }
  ++next_sequence_number_;
}

void Vp8FrameAssembler::consume_packet(const Slot& slot) {
  if (slot.payload.empty()) return;  // Padding only.

  codec::Vp8PayloadDescriptor descriptor;
  if (codec::parse_vp8_payload_descriptor(slot.payload, descriptor) != codec::Vp8ParseError::kOk) {
    ++stats_.packets_malformed;
    note_loss();
    return;
  }
  const ByteView payload(slot.payload);

  if (descriptor.start_of_partition && descriptor.partition_index == 0) {
    if (frame_open_) {
      // The previous frame ended without a marker packet; it cannot be trusted.
      note_loss();
    }
    frame_open_ = true;
    frame_timestamp_ = slot.timestamp;
    frame_keyframe_ = codec::is_vp8_keyframe(payload, descriptor);
    frame_has_picture_id_ = descriptor.has_picture_id;
    frame_picture_id_ = descriptor.picture_id;
    frame_buffer_.clear();
  } else if (!frame_open_) {
    return;  // The frame's first packet was lost, which was counted then.
  } else if (slot.timestamp != frame_timestamp_) {
    note_loss();  // A packet of another frame without a start: the frame boundary was lost.
    return;
  }

  const ByteView vp8_data = payload.subspan(descriptor.size);
  frame_buffer_.insert(frame_buffer_.end(), vp8_data.begin(), vp8_data.end());
  if (slot.marker) finish_frame();
}

void Vp8FrameAssembler::finish_frame() {
  frame_open_ = false;
  if (frame_keyframe_) {
    waiting_for_keyframe_ = false;
    keyframe_request_pending_ = false;
  } else if (waiting_for_keyframe_) {
    ++stats_.delta_frames_dropped;
    keyframe_request_pending_ = true;
    return;
  }

  Vp8AssembledFrame frame;
  frame.bytes = frame_buffer_;
  frame.rtp_timestamp = frame_timestamp_;
  frame.keyframe = frame_keyframe_;
  frame.has_picture_id = frame_has_picture_id_;
  frame.picture_id = frame_picture_id_;
  ++stats_.frames_delivered;
  on_frame_(frame);
}

void Vp8FrameAssembler::note_loss() {
  if (frame_open_) {
    frame_open_ = false;
    ++stats_.frames_incomplete;
  }
  waiting_for_keyframe_ = true;
  keyframe_request_pending_ = true;
}

}  // namespace sightline::media

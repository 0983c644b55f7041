// VP8 depacketising for analysis: descriptor checks, the temporal layer
// filter (RFC 7741 section 4.2, the TID field) and keyframe request limits.
#include "analysis/vp8_depacketizer.h"

#include <utility>

namespace sightline::analysis {

Vp8Depacketizer::Vp8Depacketizer(media::Vp8FrameAssembler::FrameHandler on_frame)
    : assembler_(std::move(on_frame)) {}

void Vp8Depacketizer::insert(uint16_t sequence_number, uint32_t timestamp, bool marker, ByteView payload) {
  ++stats_.packets;
  media::Vp8RtpPacket packet{sequence_number, timestamp, marker, payload};

  codec::Vp8PayloadDescriptor descriptor;
  const codec::Vp8ParseError error = codec::parse_vp8_payload_descriptor(payload, descriptor);
  if (error != codec::Vp8ParseError::kOk) {
    // The assembler parses the descriptor again, rejects it the same way
    // and treats the packet as lost.
    ++stats_.packets_rejected[static_cast<size_t>(error)];
  } else if (descriptor.has_tid && descriptor.tid > 0) {
    // Base layer frames never reference upper layer frames (RFC 7741
    // section 4.2, TID), so the base layer decodes alone. The empty payload
    // keeps the sequence number from looking lost.
    ++stats_.packets_upper_layer;
    packet.payload = {};
  }
  assembler_.insert(packet);
}

bool Vp8Depacketizer::take_keyframe_request(TimePoint now) {
  if (last_keyframe_request_ && now - *last_keyframe_request_ < kKeyframeRequestInterval) return false;
  const bool lost = assembler_.take_keyframe_request();
  if (!lost && !undecodable_) return false;
  undecodable_ = false;
  last_keyframe_request_ = now;
  ++stats_.keyframe_requests;
  return true;
}

}  // namespace sightline::analysis

#include "relay/rtp/transport_feedback_generator.h"

#include <algorithm>
#include <limits>

#include "relay/rtp/transport_feedback.h"

namespace sightline::rtp {

namespace {
constexpr int64_t kUnitsPerReference = TransportFeedback::kReferenceTimeUnitUs / TransportFeedback::kDeltaUnitUs;
// The reference time field is a signed 24-bit count of 64 ms units.
constexpr int64_t kReferenceModulo = int64_t{1} << 24;
}  // namespace

void TransportFeedbackGenerator::on_packet(uint16_t transport_sequence, TimePoint arrival) {
  const int64_t unwrapped = unwrapper_.unwrap(transport_sequence);
  const int64_t units = to_us(arrival.time_since_epoch()) / TransportFeedback::kDeltaUnitUs;
  ++packets_recorded_;

  if (!started_ || unwrapped > highest_ + static_cast<int64_t>(kWindow)) {
    // First packet, or a jump past everything remembered: start afresh.
    started_ = true;
    next_unreported_ = unwrapped;
    highest_ = unwrapped;
    arrival_units_.fill(kNotReceived);
    slot(unwrapped) = units;
    return;
  }
  if (unwrapped < next_unreported_) return;
  if (unwrapped > highest_) {
    for (int64_t sequence = highest_ + 1; sequence < unwrapped; ++sequence) slot(sequence) = kNotReceived;
    highest_ = unwrapped;
    // Keep the unreported range inside the ring; the oldest entries are
    // dropped unreported when feedback could not be sent for a long time.
    next_unreported_ = std::max(next_unreported_, highest_ - static_cast<int64_t>(kWindow) + 1);
  }
  slot(unwrapped) = units;
}

size_t TransportFeedbackGenerator::write_feedback(RtcpWriter& writer, uint32_t sender_ssrc, uint32_t media_ssrc) {
  size_t written = 0;
  std::array<TransportPacketStatus, kMaxPacketsPerFeedback> statuses{};
  while (has_pending()) {
    // The first received packet's arrival defines the reference time;
    // losses before it are reported as the start of this packet.
    int64_t first_received = next_unreported_;
    while (first_received <= highest_ && slot(first_received) == kNotReceived) ++first_received;
    if (first_received > highest_) break;

    // A run of losses longer than one packet can describe is cut so that
    // the packet still ends with the received one.
    const int64_t base =
        std::max(next_unreported_, first_received - static_cast<int64_t>(kMaxPacketsPerFeedback) + 1);
    const int64_t reference = slot(first_received) / kUnitsPerReference;
    int64_t previous_units = reference * kUnitsPerReference;
    size_t count = 0;
    for (int64_t sequence = base; sequence <= highest_ && count < statuses.size(); ++sequence) {
      const int64_t arrival = slot(sequence);
      TransportPacketStatus status;
      if (arrival != kNotReceived) {
        const int64_t delta = arrival - previous_units;
        // A delta outside 16 signed bits ends this packet; the next one
        // starts with a new reference time.
        if (delta < std::numeric_limits<int16_t>::min() || delta > std::numeric_limits<int16_t>::max()) break;
        status.received = true;
        status.delta_us = delta * TransportFeedback::kDeltaUnitUs;
        previous_units = arrival;
      }
      statuses[count++] = status;
    }
    // Trailing losses wait for a later arrival, so the sender is not told a
    // packet was lost while it may still be in flight out of order.
    while (count > 0 && !statuses[count - 1].received) --count;

    TransportFeedbackHeader header;
    header.base_sequence_number = static_cast<uint16_t>(base);
    header.reference_time = static_cast<int32_t>(reference % kReferenceModulo);
    if (header.reference_time >= kReferenceModulo / 2) header.reference_time -= static_cast<int32_t>(kReferenceModulo);
    header.feedback_count = feedback_count_;
    if (!writer.add_transport_feedback(sender_ssrc, media_ssrc, header,
                                       std::span<const TransportPacketStatus>(statuses.data(), count))) {
      break;
    }
    ++feedback_count_;
    ++written;
    next_unreported_ = base + static_cast<int64_t>(count);
  }
  return written;
}

}  // namespace sightline::rtp

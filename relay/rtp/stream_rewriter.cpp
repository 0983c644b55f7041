// Sequence number and timestamp continuity across source switches.
#include "relay/rtp/stream_rewriter.h"

#include <algorithm>

namespace sightline::rtp {

namespace {

constexpr int64_t kUsPerSecond = 1'000'000;

}  // namespace

SequenceRewriter::SequenceRewriter(uint32_t outbound_ssrc, uint32_t clock_rate_hz)
    : outbound_ssrc_(outbound_ssrc), clock_rate_hz_(clock_rate_hz) {}

void SequenceRewriter::switch_source(uint32_t ssrc, uint16_t seq, uint32_t timestamp, TimePoint now) {
  if (has_source_) {
    const int64_t elapsed_us = std::max<int64_t>(0, to_us(now - newest_sent_at_));
    const int64_t step = std::max<int64_t>(1, elapsed_us * clock_rate_hz_ / kUsPerSecond);
    sequence_offset_ = static_cast<uint16_t>(newest_outbound_seq_ + 1 - seq);
    timestamp_offset_ = newest_outbound_timestamp_ + static_cast<uint32_t>(step) - timestamp;
    ++switch_count_;
  }
  has_source_ = true;
  source_ssrc_ = ssrc;
  unwrapper_.reset();
  switch_point_ = unwrapper_.unwrap(seq);
  newest_source_seq_ = switch_point_;
}

void SequenceRewriter::skip(uint32_t ssrc, uint16_t seq) {
  if (!has_source_ || ssrc != source_ssrc_) return;
  const int64_t value = unwrapper_.peek(seq);
  if (value <= newest_source_seq_) return;
  unwrapper_.unwrap(seq);
  newest_source_seq_ = value;
  // Every later packet moves one number down, into the skipped one's place.
  --sequence_offset_;
  ++skipped_count_;
}

std::optional<RewrittenHeader> SequenceRewriter::rewrite(uint32_t ssrc, uint16_t seq, uint32_t timestamp,
                                                         TimePoint now) {
  bool is_first_of_source = false;
  if (!has_source_ || ssrc != source_ssrc_) {
    // NOTE: any new SSRC takes over, so a late packet of a previous source
    // after a switch would switch back. The forwarding layer must pass only
    // packets of the source it selected.
    switch_source(ssrc, seq, timestamp, now);
    is_first_of_source = true;
  }

  if (!is_first_of_source && unwrapper_.peek(seq) < switch_point_) {
    ++dropped_count_;
    return std::nullopt;
  }
  newest_source_seq_ = std::max(newest_source_seq_, unwrapper_.unwrap(seq));

  RewrittenHeader header;
  header.ssrc = outbound_ssrc_;
  header.sequence_number = static_cast<uint16_t>(seq + sequence_offset_);
  header.timestamp = timestamp + timestamp_offset_;

  if (is_first_of_source || is_newer_sequence(header.sequence_number, newest_outbound_seq_)) {
    newest_outbound_seq_ = header.sequence_number;
    newest_outbound_timestamp_ = header.timestamp;
    newest_sent_at_ = now;
  }
  return header;
}

}  // namespace sightline::rtp

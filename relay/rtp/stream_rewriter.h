// Outbound continuity of a forwarded RTP stream: maps the sequence numbers
// and timestamps of whichever inbound source is forwarded onto one outbound
// SSRC, so a source switch looks to the receiver like one unbroken stream.
#pragma once

#include <cstdint>
#include <optional>

#include "relay/base/clock.h"
#include "relay/rtp/sequence_number.h"

namespace sightline::rtp {

struct RewrittenHeader {
  uint32_t ssrc = 0;
  uint16_t sequence_number = 0;
  uint32_t timestamp = 0;
};

// Rewrites (SSRC, sequence number, timestamp) of inbound packets. The first
// source keeps its numbers. When a packet from a different SSRC arrives, that
// source becomes current, and its first packet gets the newest outbound
// sequence number + 1. Its timestamp is the newest outbound timestamp plus
// the wall time elapsed since that packet was sent, converted to the clock
// rate (at least 1). Packets of the current source older than its first forwarded packet
// are dropped, because their outbound numbers are already taken by the
// previous source. Out-of-order and retransmitted packets newer than that
// point keep their place in the sequence.
class SequenceRewriter {
 public:
  SequenceRewriter(uint32_t outbound_ssrc, uint32_t clock_rate_hz);

  // Returns the outbound header for the packet, or nullopt when it is dropped.
  std::optional<RewrittenHeader> rewrite(uint32_t ssrc, uint16_t seq, uint32_t timestamp, TimePoint now);

  // Records that the caller drops a packet of the current source (a frame of
  // a temporal layer it thins out), so that the next packet takes its
  // outbound sequence number and the receiver sees no loss. Packets of other
  // sources and packets older than the newest of this source are ignored.
  // NOTE: a packet reordered to before a skipped one then shares its
  // outbound number with the packet after it, so thin only at frame starts.
  void skip(uint32_t ssrc, uint16_t seq);

  uint32_t outbound_ssrc() const { return outbound_ssrc_; }
  uint64_t switch_count() const { return switch_count_; }
  uint64_t dropped_count() const { return dropped_count_; }
  uint64_t skipped_count() const { return skipped_count_; }

 private:
  void switch_source(uint32_t ssrc, uint16_t seq, uint32_t timestamp, TimePoint now);

  uint32_t outbound_ssrc_;
  uint32_t clock_rate_hz_;

  bool has_source_ = false;
  uint32_t source_ssrc_ = 0;
  SequenceUnwrapper unwrapper_;
  int64_t switch_point_ = 0;  // unwrapped inbound seq of the source's first packet
  int64_t newest_source_seq_ = 0;  // unwrapped inbound seq of the source's newest packet
  uint16_t sequence_offset_ = 0;
  uint32_t timestamp_offset_ = 0;

  // Newest packet sent so far, across sources.
  uint16_t newest_outbound_seq_ = 0;
  uint32_t newest_outbound_timestamp_ = 0;
  TimePoint newest_sent_at_{};

  uint64_t switch_count_ = 0;
  uint64_t dropped_count_ = 0;
  uint64_t skipped_count_ = 0;
};

}  // namespace sightline::rtp

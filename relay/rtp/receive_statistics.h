// Receiver statistics of one inbound RTP stream (RFC 3550 appendix A.1, A.3,
// A.8 and section 6.4.1): loss, extended highest sequence number, jitter and
// the last-SR fields, producing the report block for a receiver report.
#pragma once

#include <cstdint>
#include <optional>

#include "relay/base/clock.h"
#include "relay/rtp/rtcp_packet.h"

namespace sightline::rtp {

class ReceiveStatistics {
 public:
  // RFC 3550 A.1 defaults: a source is valid after 2 packets in sequence,
  // a jump of up to 3000 ahead is loss, up to 100 behind is reordering.
  static constexpr uint32_t kMinSequential = 2;
  static constexpr uint32_t kMaxDropout = 3000;
  static constexpr uint32_t kMaxMisorder = 100;

  ReceiveStatistics(uint32_t ssrc, uint32_t clock_rate_hz);

  // Records a received packet. Returns false when the packet is not counted:
  // during probation out of sequence, a duplicate or very late packet, or the
  // first packet of a suspected restart (counted once a second one confirms
  // it, RFC 3550 A.1).
  bool on_packet(uint16_t seq, uint32_t rtp_timestamp, TimePoint arrival);

  // Records the NTP timestamp of a sender report from this source and when it
  // arrived, for the LSR and DLSR fields.
  void on_sender_report(uint64_t ntp_timestamp, TimePoint arrival);

  // Builds the report block at `now` and starts a new loss interval for the
  // next fraction lost (RFC 3550 A.3).
  ReportBlock build_report_block(TimePoint now);

  uint32_t ssrc() const { return ssrc_; }
  bool is_valid() const { return probation_ == 0 && received_ > 0; }
  uint32_t extended_highest_sequence() const { return cycles_ + max_seq_; }
  uint64_t received() const { return received_; }
  // Expected minus received, which is negative when duplicates were counted.
  int64_t cumulative_lost() const;
  // Interarrival jitter in RTP timestamp units (RFC 3550 A.8).
  uint32_t jitter() const { return static_cast<uint32_t>(jitter_q4_ >> 4); }

 private:
  void init_sequence(uint16_t seq);
  bool update_sequence(uint16_t seq);
  void update_jitter(uint32_t rtp_timestamp, TimePoint arrival);

  uint32_t ssrc_;
  uint32_t clock_rate_hz_;

  // RFC 3550 A.1 state.
  uint16_t max_seq_ = 0;
  uint32_t cycles_ = 0;  // wraps counted in units of 65536
  uint32_t base_seq_ = 0;
  uint32_t bad_seq_ = kSequenceModulo + 1;
  uint32_t probation_ = kMinSequential;
  uint64_t received_ = 0;
  bool started_ = false;

  // RFC 3550 A.3 state of the previous report.
  int64_t expected_prior_ = 0;
  uint64_t received_prior_ = 0;

  // RFC 3550 A.8 state: jitter in 1/16 timestamp units.
  bool has_transit_ = false;
  int64_t last_transit_ = 0;
  int64_t jitter_q4_ = 0;
  TimePoint first_arrival_{};

  std::optional<uint32_t> last_sr_;
  TimePoint last_sr_arrival_{};

  static constexpr uint32_t kSequenceModulo = 1u << 16;
};

// Round-trip time from a report block about our own stream (RFC 3550 6.4.1):
// now - LSR - DLSR in 1/65536 s, with `now_ntp` the full 64-bit NTP time the
// report arrived. Returns nullopt when the block carries no LSR (0) or the
// result would be negative.
std::optional<Duration> rtt_from_report_block(const ReportBlock& block, uint64_t now_ntp);

// Middle 32 bits of a 64-bit NTP timestamp, the form of LSR (RFC 3550 6.4.1).
inline uint32_t compact_ntp(uint64_t ntp) { return static_cast<uint32_t>(ntp >> 16); }

}  // namespace sightline::rtp

// Receive side of transport-wide congestion control: records the
// transport-wide sequence number and arrival time of each RTP packet a
// publisher sends on one transport and writes the RTPFB 15 feedback that the
// publisher's send-side bandwidth estimator consumes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "relay/base/clock.h"
#include "relay/rtp/rtcp_writer.h"
#include "relay/rtp/sequence_number.h"

namespace sightline::rtp {

class TransportFeedbackGenerator {
 public:
  // Packets remembered between two feedback rounds. At 10 Mbit/s of 1200-byte
  // packets a 100 ms round holds about 100 packets.
  static constexpr size_t kWindow = 1024;
  // Packets described by one feedback packet, which keeps it under about
  // 600 bytes so several fit in one RTCP compound.
  static constexpr size_t kMaxPacketsPerFeedback = 200;

  // Records one arrival. Packets older than the last feedback are ignored,
  // because the sender has already been told they were lost.
  void on_packet(uint16_t transport_sequence, TimePoint arrival);

  // Appends feedback packets for everything received since the last call,
  // from `sender_ssrc` about `media_ssrc`, until all is reported or the
  // writer is full. Returns the number of feedback packets written.
  size_t write_feedback(RtcpWriter& writer, uint32_t sender_ssrc, uint32_t media_ssrc);

  bool has_pending() const { return started_ && next_unreported_ <= highest_; }
  uint64_t packets_recorded() const { return packets_recorded_; }

 private:
  static constexpr int64_t kNotReceived = -1;

  int64_t& slot(int64_t unwrapped) { return arrival_units_[static_cast<size_t>(unwrapped) % kWindow]; }

  SequenceUnwrapper unwrapper_;
  // Arrival time in 250 us units since the clock's epoch, per unwrapped
  // sequence number modulo kWindow, or kNotReceived.
  std::array<int64_t, kWindow> arrival_units_{};
  bool started_ = false;
  int64_t next_unreported_ = 0;
  int64_t highest_ = 0;
  uint8_t feedback_count_ = 0;
  uint64_t packets_recorded_ = 0;
};

}  // namespace sightline::rtp

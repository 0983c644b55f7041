// Counters of one media worker, written by the worker thread only and read
// by the metrics scrape on the control thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace sightline::call {

// Reason a datagram or packet was dropped, used as a Prometheus label value.
enum class RejectReason : uint8_t {
  unknown_kind,          // not STUN, DTLS, RTP or RTCP (RFC 7983)
  stun_malformed,        // STUN that failed parsing
  stun_unauthorized,     // binding request with a wrong USERNAME or MESSAGE-INTEGRITY
  stun_unknown_user,     // USERNAME names no participant on this worker
  unknown_source,        // DTLS or SRTP from an address with no validated ICE path
  dtls_rejected,         // DTLS record the handshake refused
  srtp_before_keys,      // SRTP or SRTCP before the DTLS handshake finished
  srtp_auth_failed,      // SRTP or SRTCP authentication tag mismatch
  srtp_replay,           // SRTP or SRTCP sequence or index already seen
  srtp_other,            // any other libsrtp refusal
  rtp_malformed,         // decrypted RTP that failed parsing
  rtp_unknown_ssrc,      // RTP with a payload type this participant did not negotiate
  rtp_unknown_rid,       // simulcast RTP whose SSRC no rid has named yet
  rtcp_malformed,        // decrypted RTCP compound that failed validation
  rtcp_skipped,          // RTCP packet of a type or feedback format the relay does not use
  not_live,              // media held back because the call is not live
  tcp_before_binding,    // ICE-TCP frame other than STUN before a binding request authenticated; closes the connection
  count_,
};

const char* to_string(RejectReason reason);

// Single writer (the worker thread): increments are a relaxed load and store,
// which needs no locked instruction; the scrape reads relaxed values.
class Counter {
 public:
  void add(uint64_t amount = 1) { value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void increment() { add(1); }
  void decrement() { add(-1); }
  void add(int64_t delta) { value_.store(value_.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

struct RelayCounters {
  Counter rtp_packets_in;
  Counter rtp_bytes_in;
  Counter rtp_packets_out;
  Counter rtp_bytes_out;
  Counter rtcp_packets_in;
  Counter rtcp_packets_out;
  Counter retransmissions_sent;
  Counter retransmissions_held;
  Counter retransmissions_superseded;
  Counter nacks_received;
  Counter keyframe_requests_received;
  Counter keyframe_requests_forwarded;
  Counter keyframe_requests_suppressed;
  Counter transport_feedback_sent;
  Counter transport_feedback_received;
  Counter layer_switches;
  Counter layer_switch_keyframe_requests;
  Counter stun_requests;
  Counter dtls_handshakes_completed;
  Counter dtls_handshakes_failed;
  Counter consent_expired;
  std::array<Counter, static_cast<size_t>(RejectReason::count_)> rejected;
  // Written by the worker thread only, like the counters.
  Gauge calls;
  Gauge participants;

  void reject(RejectReason reason) { rejected[static_cast<size_t>(reason)].add(); }
  uint64_t rejected_count(RejectReason reason) const { return rejected[static_cast<size_t>(reason)].value(); }
};

}  // namespace sightline::call

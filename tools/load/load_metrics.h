// Counters and latency histogram of the load generator. Each event loop owns
// one LoadMetrics and writes it from its thread; the main thread reads
// snapshots once a second, so every field is a relaxed atomic.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace sightline::load {

// Latency histogram bucket width and range: 50 us buckets up to 200 ms,
// plus one overflow bucket for anything later.
inline constexpr int64_t kLatencyBucketUs = 50;
inline constexpr size_t kLatencyBuckets = 4000;

struct MetricsSnapshot {
  uint64_t packets_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t packets_received = 0;
  uint64_t bytes_received = 0;
  // Sequence numbers never received, counted when a later one arrives.
  uint64_t packets_lost = 0;
  uint64_t nacks_received = 0;
  uint64_t retransmissions_sent = 0;
  uint64_t plis_received = 0;
  uint64_t plis_sent = 0;
  // Received packets whose send time was no longer in the ring.
  uint64_t latency_unmatched = 0;
  // Received RTP packets that were decrypted and authenticated, those that
  // failed either, and those counted from their clear header only
  // (LoadOptions::decrypt_every).
  uint64_t packets_decrypted = 0;
  uint64_t decrypt_failures = 0;
  uint64_t packets_unverified = 0;
  // Sum of per-stream RFC 3550 interarrival jitter in microseconds, and the
  // stream count, sampled at snapshot time.
  uint64_t jitter_sum_us = 0;
  uint64_t jitter_streams = 0;
  uint64_t participants_connected = 0;
  uint64_t participants_failed = 0;
  // Largest delay of a 5 ms media tick behind its due time, in microseconds.
  uint64_t max_tick_lag_us = 0;
  std::array<uint64_t, kLatencyBuckets + 1> latency{};

  // Subtracts an earlier snapshot of the counters; gauges (jitter,
  // participants, tick lag) keep this snapshot's value.
  MetricsSnapshot since(const MetricsSnapshot& earlier) const;
  // Adds the counters and gauges of another loop's snapshot.
  void add(const MetricsSnapshot& other);
  uint64_t latency_samples() const;
  // Latency percentile in milliseconds (fraction 0 to 1), from bucket upper
  // edges; 0 without samples.
  double latency_percentile_ms(double fraction) const;
  double loss_fraction() const;
};

class LoadMetrics {
 public:
  void add(std::atomic<uint64_t>& counter, uint64_t amount = 1) {
    counter.fetch_add(amount, std::memory_order_relaxed);
  }
  void record_latency_us(int64_t latency_us);
  MetricsSnapshot snapshot() const;

  std::atomic<uint64_t> packets_sent{0};
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> packets_received{0};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> packets_lost{0};
  std::atomic<uint64_t> nacks_received{0};
  std::atomic<uint64_t> retransmissions_sent{0};
  std::atomic<uint64_t> plis_received{0};
  std::atomic<uint64_t> plis_sent{0};
  std::atomic<uint64_t> latency_unmatched{0};
  std::atomic<uint64_t> packets_decrypted{0};
  std::atomic<uint64_t> decrypt_failures{0};
  std::atomic<uint64_t> packets_unverified{0};
  std::atomic<uint64_t> jitter_sum_us{0};
  std::atomic<uint64_t> jitter_streams{0};
  std::atomic<uint64_t> participants_connected{0};
  std::atomic<uint64_t> participants_failed{0};
  std::atomic<uint64_t> max_tick_lag_us{0};

 private:
  std::array<std::atomic<uint64_t>, kLatencyBuckets + 1> latency_{};
};

// Send times of one RTP stream indexed by sequence number, written by the
// sender and read by the receiver in the same process, so one-way latency
// through the relay is arrival minus send time on one steady clock. Each
// slot stores the sequence number beside the time, so a slot overwritten by
// a newer packet is detected instead of giving a wrong latency. Sender and
// receiver run on the same loop thread today; the atomics keep it correct if
// they ever run on different loops.
class SendTimeRing {
 public:
  // 1024 slots hold about 10 s of a 600 kbit/s video stream.
  static constexpr size_t kSlots = 1024;

  void record(uint16_t sequence_number, int64_t send_time_us) {
    const uint64_t value = (static_cast<uint64_t>(send_time_us) << 16) | sequence_number;
    slots_[sequence_number % kSlots].store(value, std::memory_order_relaxed);
  }
  // Returns the send time in microseconds, or -1 when the slot holds another packet.
  int64_t find(uint16_t sequence_number) const {
    const uint64_t value = slots_[sequence_number % kSlots].load(std::memory_order_relaxed);
    if (value == 0 || static_cast<uint16_t>(value & 0xFFFF) != sequence_number) return -1;
    return static_cast<int64_t>(value >> 16);
  }

 private:
  std::array<std::atomic<uint64_t>, kSlots> slots_{};
};

}  // namespace sightline::load

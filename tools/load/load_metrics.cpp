// LoadMetrics: snapshots, differences and latency percentiles.
#include "tools/load/load_metrics.h"

#include <algorithm>

namespace sightline::load {

void LoadMetrics::record_latency_us(int64_t latency_us) {
  const int64_t bucket = std::max<int64_t>(latency_us, 0) / kLatencyBucketUs;
  const auto index = static_cast<size_t>(std::min<int64_t>(bucket, kLatencyBuckets));
  latency_[index].fetch_add(1, std::memory_order_relaxed);
}

MetricsSnapshot LoadMetrics::snapshot() const {
  constexpr auto relaxed = std::memory_order_relaxed;
  MetricsSnapshot out;
  out.packets_sent = packets_sent.load(relaxed);
  out.bytes_sent = bytes_sent.load(relaxed);
  out.packets_received = packets_received.load(relaxed);
  out.bytes_received = bytes_received.load(relaxed);
  out.packets_lost = packets_lost.load(relaxed);
  out.nacks_received = nacks_received.load(relaxed);
  out.retransmissions_sent = retransmissions_sent.load(relaxed);
  out.plis_received = plis_received.load(relaxed);
  out.plis_sent = plis_sent.load(relaxed);
  out.latency_unmatched = latency_unmatched.load(relaxed);
  out.packets_decrypted = packets_decrypted.load(relaxed);
  out.decrypt_failures = decrypt_failures.load(relaxed);
  out.packets_unverified = packets_unverified.load(relaxed);
  out.jitter_sum_us = jitter_sum_us.load(relaxed);
  out.jitter_streams = jitter_streams.load(relaxed);
  out.participants_connected = participants_connected.load(relaxed);
  out.participants_failed = participants_failed.load(relaxed);
  out.max_tick_lag_us = max_tick_lag_us.load(relaxed);
  for (size_t i = 0; i < latency_.size(); ++i) out.latency[i] = latency_[i].load(relaxed);
  return out;
}

MetricsSnapshot MetricsSnapshot::since(const MetricsSnapshot& earlier) const {
  MetricsSnapshot out = *this;
  out.packets_sent -= earlier.packets_sent;
  out.bytes_sent -= earlier.bytes_sent;
  out.packets_received -= earlier.packets_received;
  out.bytes_received -= earlier.bytes_received;
  out.packets_lost -= earlier.packets_lost;
  out.nacks_received -= earlier.nacks_received;
  out.retransmissions_sent -= earlier.retransmissions_sent;
  out.plis_received -= earlier.plis_received;
  out.plis_sent -= earlier.plis_sent;
  out.latency_unmatched -= earlier.latency_unmatched;
  out.packets_decrypted -= earlier.packets_decrypted;
  out.decrypt_failures -= earlier.decrypt_failures;
  out.packets_unverified -= earlier.packets_unverified;
  for (size_t i = 0; i < latency.size(); ++i) out.latency[i] -= earlier.latency[i];
  return out;
}

void MetricsSnapshot::add(const MetricsSnapshot& other) {
  packets_sent += other.packets_sent;
  bytes_sent += other.bytes_sent;
  packets_received += other.packets_received;
  bytes_received += other.bytes_received;
  packets_lost += other.packets_lost;
  nacks_received += other.nacks_received;
  retransmissions_sent += other.retransmissions_sent;
  plis_received += other.plis_received;
  plis_sent += other.plis_sent;
  latency_unmatched += other.latency_unmatched;
  packets_decrypted += other.packets_decrypted;
  decrypt_failures += other.decrypt_failures;
  packets_unverified += other.packets_unverified;
  jitter_sum_us += other.jitter_sum_us;
  jitter_streams += other.jitter_streams;
  participants_connected += other.participants_connected;
  participants_failed += other.participants_failed;
  max_tick_lag_us = std::max(max_tick_lag_us, other.max_tick_lag_us);
  for (size_t i = 0; i < latency.size(); ++i) latency[i] += other.latency[i];
}

uint64_t MetricsSnapshot::latency_samples() const {
  uint64_t total = 0;
  for (const uint64_t count : latency) total += count;
  return total;
}

double MetricsSnapshot::latency_percentile_ms(double fraction) const {
  const uint64_t total = latency_samples();
  if (total == 0) return 0;
  const auto rank = static_cast<uint64_t>(fraction * static_cast<double>(total - 1)) + 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < latency.size(); ++i) {
    seen += latency[i];
    if (seen >= rank) return static_cast<double>((static_cast<int64_t>(i) + 1) * kLatencyBucketUs) / 1000.0;
  }
  return static_cast<double>((kLatencyBuckets + 1) * kLatencyBucketUs) / 1000.0;
}

double MetricsSnapshot::loss_fraction() const {
  const uint64_t expected = packets_received + packets_lost;
  return expected == 0 ? 0.0 : static_cast<double>(packets_lost) / static_cast<double>(expected);
}

}  // namespace sightline::load

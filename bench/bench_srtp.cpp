// SRTP protect and unprotect cost per packet for both negotiated profiles
// at 200 and 1200 bytes, through SrtpSession (libsrtp2).
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <vector>

#include "relay/base/bytes.h"
#include "relay/crypto/srtp_session.h"

namespace {

using sightline::crypto::profile_info;
using sightline::crypto::SrtpDirection;
using sightline::crypto::SrtpProfile;
using sightline::crypto::SrtpResult;
using sightline::crypto::SrtpSession;

constexpr uint32_t kSsrc = 0x5EED0001;
// Pre-protected packets for the unprotect benchmark. Each pass through the
// ring needs fresh sequence numbers, so the ring is re-protected when used up.
constexpr size_t kRingPackets = 4096;

std::vector<uint8_t> fixed_key(SrtpProfile profile) {
  const auto& info = profile_info(profile);
  std::vector<uint8_t> key(info.key_bytes + info.salt_bytes);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
  return key;
}

void write_rtp(uint8_t* data, size_t packet_bytes, uint16_t sequence_number) {
  data[0] = 0x80;
  data[1] = 96;
  sightline::store_be16(data + 2, sequence_number);
  sightline::store_be32(data + 4, sequence_number * 3000u);
  sightline::store_be32(data + 8, kSsrc);
  std::memset(data + 12, 0xAB, packet_bytes - 12);
}

void protect_rtp(benchmark::State& state, SrtpProfile profile) {
  const size_t packet_bytes = static_cast<size_t>(state.range(0));
  auto sender = SrtpSession::create(profile, fixed_key(profile), SrtpDirection::outbound, nullptr);
  std::vector<uint8_t> buffer(packet_bytes + profile_info(profile).rtp_overhead_bytes);
  uint16_t sequence_number = 0;

  for (auto _ : state) {
    write_rtp(buffer.data(), packet_bytes, sequence_number++);
    size_t length = packet_bytes;
    if (sender->protect_rtp(buffer.data(), length, buffer.size()) != SrtpResult::ok) {
      state.SkipWithError("protect_rtp failed");
      break;
    }
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(packet_bytes));
}

void unprotect_rtp(benchmark::State& state, SrtpProfile profile) {
  const size_t packet_bytes = static_cast<size_t>(state.range(0));
  const size_t capacity = packet_bytes + profile_info(profile).rtp_overhead_bytes;
  auto sender = SrtpSession::create(profile, fixed_key(profile), SrtpDirection::outbound, nullptr);
  auto receiver = SrtpSession::create(profile, fixed_key(profile), SrtpDirection::inbound, nullptr);
  std::vector<uint8_t> ring(kRingPackets * capacity);
  std::vector<uint8_t> work(capacity);
  uint16_t sequence_number = 0;

  auto refill = [&] {
    for (size_t i = 0; i < kRingPackets; ++i) {
      uint8_t* packet = ring.data() + i * capacity;
      write_rtp(packet, packet_bytes, sequence_number++);
      size_t length = packet_bytes;
      sender->protect_rtp(packet, length, capacity);
    }
  };

  refill();
  size_t next = 0;
  for (auto _ : state) {
    if (next == kRingPackets) {
      state.PauseTiming();
      refill();
      next = 0;
      state.ResumeTiming();
    }
    // Unprotect a copy, because decryption works in place. The figures
    // include this copy.
    std::memcpy(work.data(), ring.data() + next * capacity, capacity);
    ++next;
    size_t length = capacity;
    if (receiver->unprotect_rtp(work.data(), length) != SrtpResult::ok) {
      state.SkipWithError("unprotect_rtp failed");
      break;
    }
    benchmark::DoNotOptimize(work.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(packet_bytes));
}

BENCHMARK_CAPTURE(protect_rtp, aes_cm_128_hmac_sha1_80, SrtpProfile::aes_cm_128_hmac_sha1_80)->Arg(200)->Arg(1200);
BENCHMARK_CAPTURE(protect_rtp, aead_aes_128_gcm, SrtpProfile::aead_aes_128_gcm)->Arg(200)->Arg(1200);
BENCHMARK_CAPTURE(unprotect_rtp, aes_cm_128_hmac_sha1_80, SrtpProfile::aes_cm_128_hmac_sha1_80)->Arg(200)->Arg(1200);
BENCHMARK_CAPTURE(unprotect_rtp, aead_aes_128_gcm, SrtpProfile::aead_aes_128_gcm)->Arg(200)->Arg(1200);

}  // namespace

BENCHMARK_MAIN();

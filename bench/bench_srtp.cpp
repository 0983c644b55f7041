// SRTP and SRTCP protect and unprotect cost per packet at 200 and 1200
// bytes through SrtpSession, for each profile on each backend that supports
// it: libsrtp2 for all three, OpenSSL for the AEAD profiles.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "relay/base/bytes.h"
#include "relay/crypto/srtp_backend.h"
#include "relay/crypto/srtp_session.h"

namespace {

using sightline::crypto::create_srtp_session;
using sightline::crypto::profile_info;
using sightline::crypto::SrtpBackend;
using sightline::crypto::SrtpDirection;
using sightline::crypto::SrtpProfile;
using sightline::crypto::SrtpResult;
using sightline::crypto::SrtpSession;

constexpr uint32_t kSsrc = 0x5EED0001;
// Pre-protected packets for the unprotect benchmarks. Each pass through the
// ring needs fresh sequence numbers (SRTCP indexes), so the ring is
// re-protected when used up.
constexpr size_t kRingPackets = 4096;

enum class PacketKind { rtp, rtcp };

std::vector<uint8_t> fixed_key(SrtpProfile profile) {
  const auto& info = profile_info(profile);
  std::vector<uint8_t> key(info.key_bytes + info.salt_bytes);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
  return key;
}

std::unique_ptr<SrtpSession> make_session(SrtpProfile profile, SrtpBackend backend, SrtpDirection direction) {
  return create_srtp_session(profile, fixed_key(profile), direction, backend, nullptr);
}

size_t overhead(SrtpProfile profile, PacketKind kind) {
  return kind == PacketKind::rtp ? profile_info(profile).rtp_overhead_bytes : profile_info(profile).rtcp_overhead_bytes;
}

// An RTP packet, or an RTCP sender report padded out with report blocks to
// `packet_bytes` (a multiple of 4).
void write_packet(PacketKind kind, uint8_t* data, size_t packet_bytes, uint16_t sequence_number) {
  if (kind == PacketKind::rtp) {
    data[0] = 0x80;
    data[1] = 96;
    sightline::store_be16(data + 2, sequence_number);
    sightline::store_be32(data + 4, sequence_number * 3000u);
    sightline::store_be32(data + 8, kSsrc);
    std::memset(data + 12, 0xAB, packet_bytes - 12);
  } else {
    data[0] = 0x80;
    data[1] = 200;
    sightline::store_be16(data + 2, static_cast<uint16_t>(packet_bytes / 4 - 1));
    sightline::store_be32(data + 4, kSsrc);
    std::memset(data + 8, 0xCD, packet_bytes - 8);
  }
}

SrtpResult protect(SrtpSession& session, PacketKind kind, uint8_t* data, size_t& length, size_t capacity) {
  return kind == PacketKind::rtp ? session.protect_rtp(data, length, capacity)
                                 : session.protect_rtcp(data, length, capacity);
}

SrtpResult unprotect(SrtpSession& session, PacketKind kind, uint8_t* data, size_t& length) {
  return kind == PacketKind::rtp ? session.unprotect_rtp(data, length) : session.unprotect_rtcp(data, length);
}

void protect_packets(benchmark::State& state, SrtpProfile profile, SrtpBackend backend, PacketKind kind) {
  const size_t packet_bytes = static_cast<size_t>(state.range(0));
  auto sender = make_session(profile, backend, SrtpDirection::outbound);
  std::vector<uint8_t> buffer(packet_bytes + overhead(profile, kind));
  uint16_t sequence_number = 0;

  for (auto _ : state) {
    write_packet(kind, buffer.data(), packet_bytes, sequence_number++);
    size_t length = packet_bytes;
    if (protect(*sender, kind, buffer.data(), length, buffer.size()) != SrtpResult::ok) {
      state.SkipWithError("protect failed");
      break;
    }
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(packet_bytes));
}

void unprotect_packets(benchmark::State& state, SrtpProfile profile, SrtpBackend backend, PacketKind kind) {
  const size_t packet_bytes = static_cast<size_t>(state.range(0));
  const size_t capacity = packet_bytes + overhead(profile, kind);
  auto sender = make_session(profile, backend, SrtpDirection::outbound);
  auto receiver = make_session(profile, backend, SrtpDirection::inbound);
  std::vector<uint8_t> ring(kRingPackets * capacity);
  std::vector<uint8_t> work(capacity);
  uint16_t sequence_number = 0;

  auto refill = [&] {
    for (size_t i = 0; i < kRingPackets; ++i) {
      uint8_t* packet = ring.data() + i * capacity;
      write_packet(kind, packet, packet_bytes, sequence_number++);
      size_t length = packet_bytes;
      protect(*sender, kind, packet, length, capacity);
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
    if (unprotect(*receiver, kind, work.data(), length) != SrtpResult::ok) {
      state.SkipWithError("unprotect failed");
      break;
    }
    benchmark::DoNotOptimize(work.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(packet_bytes));
}

// Registers protect and unprotect of RTP and RTCP for one profile and
// backend, named like protect_rtp/aead_aes_128_gcm/openssl/1200.
void register_benchmarks(const char* profile_name, SrtpProfile profile, SrtpBackend backend) {
  const std::string suffix = std::string(profile_name) + "/" + std::string(to_string(backend));
  for (PacketKind kind : {PacketKind::rtp, PacketKind::rtcp}) {
    const std::string kind_name = kind == PacketKind::rtp ? "rtp/" : "rtcp/";
    benchmark::RegisterBenchmark(("protect_" + kind_name + suffix).c_str(), protect_packets, profile, backend, kind)
        ->Arg(200)
        ->Arg(1200);
    benchmark::RegisterBenchmark(("unprotect_" + kind_name + suffix).c_str(), unprotect_packets, profile, backend,
                                 kind)
        ->Arg(200)
        ->Arg(1200);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks("aes_cm_128_hmac_sha1_80", SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpBackend::libsrtp);
  register_benchmarks("aead_aes_128_gcm", SrtpProfile::aead_aes_128_gcm, SrtpBackend::libsrtp);
  register_benchmarks("aead_aes_128_gcm", SrtpProfile::aead_aes_128_gcm, SrtpBackend::openssl);
  register_benchmarks("aead_aes_256_gcm", SrtpProfile::aead_aes_256_gcm, SrtpBackend::libsrtp);
  register_benchmarks("aead_aes_256_gcm", SrtpProfile::aead_aes_256_gcm, SrtpBackend::openssl);

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// The relay's per-packet forwarding work without the socket: decrypt one
// inbound SRTP packet, parse it, and for each subscriber copy it into a send
// slot, rewrite SSRC, sequence number, timestamp and payload type, keep a
// plain copy for NACKs and encrypt it. These are the steps of
// WebRtcTransport::handle_srtp and Participant::forward, in the same order.
#include <benchmark/benchmark.h>

#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include "relay/base/bytes.h"
#include "relay/base/clock.h"
#include "relay/crypto/srtp_backend.h"
#include "relay/crypto/srtp_session.h"
#include "relay/rtp/retransmission_cache.h"
#include "relay/rtp/rtp_packet.h"
#include "relay/rtp/stream_rewriter.h"

namespace {

using namespace sightline;
using crypto::create_srtp_session;
using crypto::SrtpBackend;
using crypto::SrtpDirection;
using crypto::SrtpProfile;
using crypto::SrtpResult;
using crypto::SrtpSession;

constexpr uint32_t kPublisherSsrc = 0x1000AAAA;
constexpr size_t kRingPackets = 4096;
constexpr size_t kSlotBytes = 2048;

std::vector<uint8_t> key_for(SrtpProfile profile, uint8_t seed) {
  const auto& info = crypto::profile_info(profile);
  std::vector<uint8_t> key(info.key_bytes + info.salt_bytes);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 13 + seed);
  return key;
}

// A VP8-like RTP packet with the mid and transport-wide sequence extensions
// Chromium sends.
size_t write_packet(uint8_t* data, size_t packet_bytes, uint16_t sequence_number) {
  data[0] = 0x90;  // version 2, extension
  data[1] = 96;
  store_be16(data + 2, sequence_number);
  store_be32(data + 4, sequence_number * 3000u);
  store_be32(data + 8, kPublisherSsrc);
  const uint8_t extension[] = {0xBE, 0xDE, 0x00, 0x02, 0x31, 0x00, 0x01, 0x40, 0x31, 0x00, 0x00, 0x00};
  std::memcpy(data + 12, extension, sizeof extension);
  std::memset(data + 24, 0x5A, packet_bytes - 24);
  return packet_bytes;
}

struct Subscriber {
  std::unique_ptr<SrtpSession> outbound;
  rtp::SequenceRewriter rewriter;
  rtp::RetransmissionCache cache;
  uint32_t ssrc;
};

void forward(benchmark::State& state, SrtpProfile profile, SrtpBackend backend) {
  const size_t packet_bytes = static_cast<size_t>(state.range(0));
  const int subscriber_count = static_cast<int>(state.range(1));
  const size_t overhead = crypto::profile_info(profile).rtp_overhead_bytes;

  // The publisher's sender and the relay's inbound session share a key.
  auto publisher = create_srtp_session(profile, key_for(profile, 1), SrtpDirection::outbound, backend, nullptr);
  auto inbound = create_srtp_session(profile, key_for(profile, 1), SrtpDirection::inbound, backend, nullptr);
  std::vector<Subscriber> subscribers;
  for (int i = 0; i < subscriber_count; ++i) {
    const uint32_t ssrc = 0x2000BBBBu + static_cast<uint32_t>(i);
    subscribers.push_back(Subscriber{create_srtp_session(profile, key_for(profile, static_cast<uint8_t>(10 + i)),
                                                         SrtpDirection::outbound, backend, nullptr),
                                     rtp::SequenceRewriter(ssrc, 90000), rtp::RetransmissionCache(), ssrc});
  }

  std::vector<std::vector<uint8_t>> ring(kRingPackets, std::vector<uint8_t>(kSlotBytes));
  std::vector<size_t> ring_lengths(kRingPackets);
  uint16_t next_sequence_number = 1;
  auto refill = [&] {
    for (size_t i = 0; i < kRingPackets; ++i) {
      size_t length = write_packet(ring[i].data(), packet_bytes, next_sequence_number++);
      publisher->protect_rtp(ring[i].data(), length, kSlotBytes);
      ring_lengths[i] = length;
    }
  };
  std::vector<uint8_t> received(kSlotBytes);
  std::array<uint8_t, kSlotBytes> slot{};
  size_t index = kRingPackets;

  for (auto _ : state) {
    if (index == kRingPackets) {
      state.PauseTiming();
      refill();
      index = 0;
      state.ResumeTiming();
    }
    // The datagram arrives in the receive batch; decryption is in place.
    std::memcpy(received.data(), ring[index].data(), ring_lengths[index]);
    size_t length = ring_lengths[index++];
    if (inbound->unprotect_rtp(received.data(), length) != SrtpResult::ok) {
      state.SkipWithError("unprotect failed");
      break;
    }
    rtp::RtpPacket packet;
    if (rtp::RtpPacket::parse(MutableByteView(received.data(), length), packet) != rtp::RtpParseError::ok) {
      state.SkipWithError("parse failed");
      break;
    }
    const TimePoint now = sightline::now();
    for (Subscriber& subscriber : subscribers) {
      const auto header =
          subscriber.rewriter.rewrite(packet.ssrc(), packet.sequence_number(), packet.timestamp(), now);
      if (!header) continue;
      std::memcpy(slot.data(), received.data(), length);
      slot[1] = static_cast<uint8_t>((slot[1] & 0x80) | 96);
      store_be16(slot.data() + 2, header->sequence_number);
      store_be32(slot.data() + 4, header->timestamp);
      store_be32(slot.data() + 8, subscriber.ssrc);
      subscriber.cache.store(ByteView(slot.data(), length), header->sequence_number, now);
      size_t out_length = length;
      if (subscriber.outbound->protect_rtp(slot.data(), out_length, length + overhead) != SrtpResult::ok) {
        state.SkipWithError("protect failed");
        break;
      }
      benchmark::DoNotOptimize(slot.data());
    }
  }
  // Items are forwarded packets: one inbound packet gives one per subscriber.
  state.SetItemsProcessed(state.iterations() * subscriber_count);
}

// BM_ForwardGcm runs on the backend the relay uses for AES-128-GCM (OpenSSL);
// BM_ForwardGcmLibsrtp is the same work on libsrtp2, the backend before it.
void BM_ForwardGcm(benchmark::State& state) {
  forward(state, SrtpProfile::aead_aes_128_gcm, SrtpBackend::openssl);
}
void BM_ForwardGcmLibsrtp(benchmark::State& state) {
  forward(state, SrtpProfile::aead_aes_128_gcm, SrtpBackend::libsrtp);
}
void BM_ForwardCmHmac(benchmark::State& state) {
  forward(state, SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpBackend::libsrtp);
}

}  // namespace

BENCHMARK(BM_ForwardGcm)->ArgNames({"bytes", "subscribers"})->Args({1200, 1})->Args({1200, 4})->Args({200, 1})->Args({200, 4});
BENCHMARK(BM_ForwardGcmLibsrtp)
    ->ArgNames({"bytes", "subscribers"})
    ->Args({1200, 1})
    ->Args({1200, 4})
    ->Args({200, 1})
    ->Args({200, 4});
BENCHMARK(BM_ForwardCmHmac)->ArgNames({"bytes", "subscribers"})->Args({1200, 1})->Args({1200, 4});

int main(int argc, char** argv) {
  if (!sightline::crypto::initialize_srtp_library()) return 1;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

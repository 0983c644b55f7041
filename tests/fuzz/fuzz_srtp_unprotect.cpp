// libFuzzer target for the unprotect paths of the OpenSSL SRTP backend.
// The first input byte selects the profile (bit 0 set: AES-256-GCM), RTP or
// RTCP (bit 1 set: RTCP) and a byte to alter (bits 2 to 7). The remaining
// bytes are a packet, which goes through two checks:
//   1. A session that has already decrypted a few packets of one SSRC
//      unprotects it as it is. It must reject it or decrypt it in bounds.
//   2. Each backend protects it and the other unprotects it. That must give
//      the packet back, and reject a replay of it and a copy with one byte
//      altered. Both backends must agree on whether it can be protected.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "relay/crypto/srtp_backend.h"
#include "relay/crypto/srtp_session.h"

namespace {

using namespace sightline::crypto;

constexpr size_t kMaxPacketBytes = 1500;
constexpr uint32_t kWarmSsrc = 0x01020304;

std::vector<uint8_t> key_for(SrtpProfile profile) {
  const SrtpProfileInfo& info = profile_info(profile);
  std::vector<uint8_t> key(info.key_bytes + info.salt_bytes);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 31 + 5);
  return key;
}

std::unique_ptr<SrtpSession> make(SrtpProfile profile, SrtpDirection direction, SrtpBackend backend) {
  std::unique_ptr<SrtpSession> session = create_srtp_session(profile, key_for(profile), direction, backend, nullptr);
  if (session == nullptr) __builtin_trap();
  return session;
}

// An inbound OpenSSL session that has decrypted RTP and RTCP from
// kWarmSsrc around sequence number 0x8000, so that fuzzed packets of that
// SSRC reach the rollover and replay checks.
SrtpSession& warm_receiver(SrtpProfile profile) {
  static std::unique_ptr<SrtpSession> receivers[2];
  std::unique_ptr<SrtpSession>& receiver = receivers[profile == SrtpProfile::aead_aes_256_gcm ? 1 : 0];
  if (receiver != nullptr) return *receiver;

  receiver = make(profile, SrtpDirection::inbound, SrtpBackend::openssl);
  auto sender = make(profile, SrtpDirection::outbound, SrtpBackend::openssl);
  uint8_t packet[64] = {0x80, 96};
  for (uint16_t sequence_number = 0x7FF0; sequence_number < 0x8010; ++sequence_number) {
    sightline::store_be16(packet + 2, sequence_number);
    sightline::store_be32(packet + 8, kWarmSsrc);
    size_t length = 32;
    if (sender->protect_rtp(packet, length, sizeof packet) != SrtpResult::ok) __builtin_trap();
    if (receiver->unprotect_rtp(packet, length) != SrtpResult::ok) __builtin_trap();
  }
  uint8_t report[64] = {0x80, 201, 0x00, 0x01};
  sightline::store_be32(report + 4, kWarmSsrc);
  size_t length = 8;
  if (sender->protect_rtcp(report, length, sizeof report) != SrtpResult::ok) __builtin_trap();
  if (receiver->unprotect_rtcp(report, length) != SrtpResult::ok) __builtin_trap();
  return *receiver;
}

SrtpResult protect(SrtpSession& session, bool rtcp, uint8_t* data, size_t& length, size_t capacity) {
  return rtcp ? session.protect_rtcp(data, length, capacity) : session.protect_rtp(data, length, capacity);
}

SrtpResult unprotect(SrtpSession& session, bool rtcp, uint8_t* data, size_t& length) {
  return rtcp ? session.unprotect_rtcp(data, length) : session.unprotect_rtp(data, length);
}

// Protects `plain` with `sender_backend` and checks what the other backend
// makes of it. Returns whether protect succeeded.
bool check_round_trip(SrtpProfile profile, bool rtcp, SrtpBackend sender_backend, SrtpBackend receiver_backend,
                      const std::vector<uint8_t>& plain, size_t altered_byte) {
  auto sender = make(profile, SrtpDirection::outbound, sender_backend);
  auto receiver = make(profile, SrtpDirection::inbound, receiver_backend);

  // Exactly the room protect needs, so that AddressSanitizer catches a
  // write past it.
  const SrtpProfileInfo& info = profile_info(profile);
  const size_t capacity = plain.size() + (rtcp ? info.rtcp_overhead_bytes : info.rtp_overhead_bytes);
  std::vector<uint8_t> packet(plain);
  packet.resize(capacity);
  size_t length = plain.size();
  if (protect(*sender, rtcp, packet.data(), length, capacity) != SrtpResult::ok) return false;
  if (length != capacity) __builtin_trap();

  std::vector<uint8_t> altered(packet);
  altered[altered_byte % length] ^= 0x01;
  size_t altered_length = length;
  std::vector<uint8_t> replay(packet);
  size_t replay_length = length;

  if (unprotect(*receiver, rtcp, altered.data(), altered_length) == SrtpResult::ok) __builtin_trap();
  if (unprotect(*receiver, rtcp, packet.data(), length) != SrtpResult::ok) __builtin_trap();
  if (length != plain.size() || std::memcmp(packet.data(), plain.data(), length) != 0) __builtin_trap();
  if (unprotect(*receiver, rtcp, replay.data(), replay_length) != SrtpResult::replay_duplicate) __builtin_trap();
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size - 1 > kMaxPacketBytes) return 0;
  const uint8_t selector = data[0];
  const SrtpProfile profile = (selector & 1) != 0 ? SrtpProfile::aead_aes_256_gcm : SrtpProfile::aead_aes_128_gcm;
  const bool rtcp = (selector & 2) != 0;
  const size_t altered_byte = selector >> 2;
  const std::vector<uint8_t> input(data + 1, data + size);

  // The exact size, so that a read past the packet is caught.
  std::vector<uint8_t> packet(input);
  size_t length = packet.size();
  const SrtpResult result = unprotect(warm_receiver(profile), rtcp, packet.data(), length);
  if (result == SrtpResult::ok && length > input.size()) __builtin_trap();

  const bool from_libsrtp = check_round_trip(profile, rtcp, SrtpBackend::libsrtp, SrtpBackend::openssl, input,
                                             altered_byte);
  const bool from_openssl = check_round_trip(profile, rtcp, SrtpBackend::openssl, SrtpBackend::libsrtp, input,
                                             altered_byte);
  if (from_libsrtp != from_openssl) __builtin_trap();
  return 0;
}

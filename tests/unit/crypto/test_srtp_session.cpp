// SrtpSession on each profile and backend: round trips with keys from a
// DTLS handshake, tampering, replay, rollover across the sequence number
// wrap, and buffer room.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "dtls_pipe.h"
#include "relay/crypto/srtp_backend.h"
#include "relay/crypto/srtp_session.h"

namespace sightline::crypto {
namespace {

using namespace std::chrono_literals;

constexpr uint32_t kSsrc = 0x11223344;
constexpr size_t kPayloadBytes = 160;
constexpr size_t kBufferBytes = 1500;

// One direction of media: the client protects, the server unprotects.
struct SrtpLink {
  std::unique_ptr<SrtpSession> sender;
  std::unique_ptr<SrtpSession> receiver;
};

SrtpLink link_from_handshake(SrtpProfile profile, SrtpBackend backend) {
  static std::shared_ptr<DtlsCertificate> client_certificate = DtlsCertificate::generate_ecdsa();
  static std::shared_ptr<DtlsCertificate> server_certificate = DtlsCertificate::generate_ecdsa();
  testing::DtlsPipe pipe(client_certificate, server_certificate);
  pipe.client.set_srtp_profiles({profile});
  SrtpLink link;
  if (!pipe.run_handshake(3s)) {
    ADD_FAILURE() << "DTLS handshake failed";
    return link;
  }
  std::string error;
  EXPECT_EQ(pipe.client_listener.keys->profile, profile);
  link.sender = create_srtp_session(profile, pipe.client_listener.keys->local_key_salt, SrtpDirection::outbound,
                                    backend, &error);
  link.receiver = create_srtp_session(profile, pipe.server_listener.keys->remote_key_salt, SrtpDirection::inbound,
                                      backend, &error);
  EXPECT_NE(link.sender, nullptr) << error;
  EXPECT_NE(link.receiver, nullptr) << error;
  return link;
}

// An RTP packet (RFC 3550 section 5.1) in a buffer with room for the tag.
struct Packet {
  std::vector<uint8_t> buffer = std::vector<uint8_t>(kBufferBytes);
  size_t length = 0;

  std::vector<uint8_t> bytes() const { return {buffer.begin(), buffer.begin() + static_cast<long>(length)}; }
};

Packet make_rtp(uint16_t sequence_number, uint32_t ssrc = kSsrc) {
  Packet packet;
  uint8_t* data = packet.buffer.data();
  data[0] = 0x80;  // version 2
  data[1] = 96;    // dynamic payload type
  store_be16(data + 2, sequence_number);
  store_be32(data + 4, sequence_number * 3000u);
  store_be32(data + 8, ssrc);
  for (size_t i = 0; i < kPayloadBytes; ++i) data[12 + i] = static_cast<uint8_t>(sequence_number + i);
  packet.length = 12 + kPayloadBytes;
  return packet;
}

// A receiver report (RFC 3550 section 6.4.2) with no report blocks.
Packet make_rtcp() {
  Packet packet;
  uint8_t* data = packet.buffer.data();
  data[0] = 0x80;
  data[1] = 201;
  store_be16(data + 2, 1);
  store_be32(data + 4, kSsrc);
  packet.length = 8;
  return packet;
}

Packet protect(SrtpSession& sender, Packet packet) {
  EXPECT_EQ(sender.protect_rtp(packet.buffer.data(), packet.length, packet.buffer.size()), SrtpResult::ok);
  return packet;
}

SrtpResult unprotect(SrtpSession& receiver, Packet packet) {
  return receiver.unprotect_rtp(packet.buffer.data(), packet.length);
}

struct SessionCase {
  SrtpProfile profile;
  SrtpBackend backend;
};

class SrtpSessionTest : public ::testing::TestWithParam<SessionCase> {
 protected:
  SrtpProfile profile() const { return GetParam().profile; }
  SrtpLink make_link() const { return link_from_handshake(GetParam().profile, GetParam().backend); }
};

TEST_P(SrtpSessionTest, RtpRoundTrip) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);

  for (uint16_t sequence_number = 100; sequence_number < 110; ++sequence_number) {
    const Packet plain = make_rtp(sequence_number);
    Packet packet = protect(*link.sender, plain);
    ASSERT_EQ(packet.length, plain.length + profile_info(profile()).rtp_overhead_bytes);
    EXPECT_EQ(std::memcmp(packet.buffer.data(), plain.buffer.data(), 12), 0);  // header stays clear
    EXPECT_NE(std::memcmp(packet.buffer.data() + 12, plain.buffer.data() + 12, kPayloadBytes), 0);

    ASSERT_EQ(link.receiver->unprotect_rtp(packet.buffer.data(), packet.length), SrtpResult::ok);
    EXPECT_EQ(packet.bytes(), plain.bytes());
  }
}

TEST_P(SrtpSessionTest, RtcpRoundTrip) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  const Packet plain = make_rtcp();
  Packet packet = plain;

  ASSERT_EQ(link.sender->protect_rtcp(packet.buffer.data(), packet.length, packet.buffer.size()), SrtpResult::ok);
  EXPECT_EQ(packet.length, plain.length + profile_info(profile()).rtcp_overhead_bytes);
  ASSERT_EQ(link.receiver->unprotect_rtcp(packet.buffer.data(), packet.length), SrtpResult::ok);
  EXPECT_EQ(packet.bytes(), plain.bytes());
}

TEST_P(SrtpSessionTest, TamperedPacketFailsAuth) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  Packet payload_changed = protect(*link.sender, make_rtp(200));
  payload_changed.buffer[20] ^= 0x01;
  Packet tag_changed = protect(*link.sender, make_rtp(201));
  tag_changed.buffer[tag_changed.length - 1] ^= 0x80;
  Packet header_changed = protect(*link.sender, make_rtp(202));
  header_changed.buffer[1] = 97;  // payload type

  EXPECT_EQ(unprotect(*link.receiver, payload_changed), SrtpResult::auth_failed);
  EXPECT_EQ(unprotect(*link.receiver, tag_changed), SrtpResult::auth_failed);
  EXPECT_EQ(unprotect(*link.receiver, header_changed), SrtpResult::auth_failed);
  EXPECT_EQ(unprotect(*link.receiver, protect(*link.sender, make_rtp(203))), SrtpResult::ok);
}

TEST_P(SrtpSessionTest, TamperedRtcpFailsAuth) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  Packet packet = make_rtcp();
  ASSERT_EQ(link.sender->protect_rtcp(packet.buffer.data(), packet.length, packet.buffer.size()), SrtpResult::ok);
  packet.buffer[5] ^= 0x01;

  EXPECT_EQ(link.receiver->unprotect_rtcp(packet.buffer.data(), packet.length), SrtpResult::auth_failed);
}

TEST_P(SrtpSessionTest, ReplayRejected) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  const Packet first = protect(*link.sender, make_rtp(1000));
  ASSERT_EQ(unprotect(*link.receiver, first), SrtpResult::ok);

  EXPECT_EQ(unprotect(*link.receiver, first), SrtpResult::replay_duplicate);

  // Move the window past packet 1000, then replay it again.
  for (uint16_t sequence_number = 1001; sequence_number <= 1000 + SrtpSession::kReplayWindowPackets + 10;
       ++sequence_number) {
    ASSERT_EQ(unprotect(*link.receiver, protect(*link.sender, make_rtp(sequence_number))), SrtpResult::ok);
  }
  EXPECT_EQ(unprotect(*link.receiver, first), SrtpResult::replay_old);
}

TEST_P(SrtpSessionTest, RtcpReplayRejected) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  Packet packet = make_rtcp();
  ASSERT_EQ(link.sender->protect_rtcp(packet.buffer.data(), packet.length, packet.buffer.size()), SrtpResult::ok);
  Packet copy = packet;

  ASSERT_EQ(link.receiver->unprotect_rtcp(packet.buffer.data(), packet.length), SrtpResult::ok);
  EXPECT_EQ(link.receiver->unprotect_rtcp(copy.buffer.data(), copy.length), SrtpResult::replay_duplicate);
}

TEST_P(SrtpSessionTest, LateRetransmissionDecrypts) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  // Packets 100..400 arrive except 150, which the sender retransmits late.
  Packet lost;
  for (uint16_t sequence_number = 100; sequence_number <= 400; ++sequence_number) {
    Packet packet = protect(*link.sender, make_rtp(sequence_number));
    if (sequence_number == 150) {
      lost = packet;
      continue;
    }
    ASSERT_EQ(unprotect(*link.receiver, packet), SrtpResult::ok);
  }

  const Packet resent = protect(*link.sender, make_rtp(150));

  EXPECT_EQ(resent.bytes(), lost.bytes());
  EXPECT_EQ(unprotect(*link.receiver, resent), SrtpResult::ok);
}

TEST_P(SrtpSessionTest, FirstPacketsLostAcrossWrap) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  // 0xFFFE, 0xFFFF and 0x0000 never arrive; the sender's rollover counter
  // is 1 from 0x0000 on.
  for (uint16_t sequence_number : {0xFFFE, 0xFFFF, 0x0000}) protect(*link.sender, make_rtp(sequence_number));

  for (uint16_t sequence_number = 0x0001; sequence_number <= 0x0200; ++sequence_number) {
    const Packet plain = make_rtp(sequence_number);
    Packet packet = protect(*link.sender, plain);
    ASSERT_EQ(link.receiver->unprotect_rtp(packet.buffer.data(), packet.length), SrtpResult::ok)
        << "sequence number " << sequence_number;
    ASSERT_EQ(packet.bytes(), plain.bytes());
  }
}

TEST_P(SrtpSessionTest, RetransmissionAcrossWrapDecrypts) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  // 0xFFE0 through 0x0010 are sent; 0xFFF0 is lost and sent again last.
  Packet lost;
  for (uint16_t sequence_number = 0xFFE0; sequence_number != 0x0011; ++sequence_number) {
    Packet packet = protect(*link.sender, make_rtp(sequence_number));
    if (sequence_number == 0xFFF0) {
      lost = packet;
      continue;
    }
    ASSERT_EQ(unprotect(*link.receiver, packet), SrtpResult::ok) << "sequence number " << sequence_number;
  }

  const Packet plain = make_rtp(0xFFF0);
  Packet resent = protect(*link.sender, plain);

  EXPECT_EQ(resent.bytes(), lost.bytes());
  ASSERT_EQ(link.receiver->unprotect_rtp(resent.buffer.data(), resent.length), SrtpResult::ok);
  EXPECT_EQ(resent.bytes(), plain.bytes());
}

TEST_P(SrtpSessionTest, ForgedFirstPacketLeavesNoStream) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  Packet forged = make_rtp(7);
  forged.length += profile_info(profile()).rtp_overhead_bytes;

  EXPECT_EQ(unprotect(*link.receiver, forged), SrtpResult::auth_failed);
  // The SSRC's real first packet, with rollover counter 0, still decrypts.
  EXPECT_EQ(unprotect(*link.receiver, protect(*link.sender, make_rtp(5))), SrtpResult::ok);
  EXPECT_EQ(unprotect(*link.receiver, protect(*link.sender, make_rtp(6))), SrtpResult::ok);
}

TEST_P(SrtpSessionTest, SeveralSsrcsShareSession) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  for (uint32_t ssrc : {1u, 2u, 0xDEADBEEFu}) {
    EXPECT_EQ(unprotect(*link.receiver, protect(*link.sender, make_rtp(40000, ssrc))), SrtpResult::ok);
    EXPECT_EQ(unprotect(*link.receiver, protect(*link.sender, make_rtp(40001, ssrc))), SrtpResult::ok);
  }
}

TEST_P(SrtpSessionTest, NoRoomForTag) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  const Packet plain = make_rtp(300);
  const size_t overhead = profile_info(profile()).rtp_overhead_bytes;

  // Heap buffers of the exact size, so that AddressSanitizer catches a
  // write past the end.
  auto short_buffer = std::make_unique<uint8_t[]>(plain.length + overhead - 1);
  std::memcpy(short_buffer.get(), plain.buffer.data(), plain.length);
  size_t length = plain.length;
  EXPECT_EQ(link.sender->protect_rtp(short_buffer.get(), length, plain.length + overhead - 1), SrtpResult::no_room);
  EXPECT_EQ(length, plain.length);
  EXPECT_EQ(std::memcmp(short_buffer.get(), plain.buffer.data(), plain.length), 0);

  auto exact_buffer = std::make_unique<uint8_t[]>(plain.length + overhead);
  std::memcpy(exact_buffer.get(), plain.buffer.data(), plain.length);
  EXPECT_EQ(link.sender->protect_rtp(exact_buffer.get(), length, plain.length + overhead), SrtpResult::ok);
  EXPECT_EQ(length, plain.length + overhead);
  EXPECT_EQ(link.receiver->unprotect_rtp(exact_buffer.get(), length), SrtpResult::ok);
}

TEST_P(SrtpSessionTest, NoRoomForRtcpTrailer) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  const Packet plain = make_rtcp();
  const size_t overhead = profile_info(profile()).rtcp_overhead_bytes;

  auto short_buffer = std::make_unique<uint8_t[]>(plain.length + overhead - 1);
  std::memcpy(short_buffer.get(), plain.buffer.data(), plain.length);
  size_t length = plain.length;
  EXPECT_EQ(link.sender->protect_rtcp(short_buffer.get(), length, plain.length + overhead - 1), SrtpResult::no_room);
  EXPECT_EQ(length, plain.length);

  auto exact_buffer = std::make_unique<uint8_t[]>(plain.length + overhead);
  std::memcpy(exact_buffer.get(), plain.buffer.data(), plain.length);
  EXPECT_EQ(link.sender->protect_rtcp(exact_buffer.get(), length, plain.length + overhead), SrtpResult::ok);
  EXPECT_EQ(link.receiver->unprotect_rtcp(exact_buffer.get(), length), SrtpResult::ok);
  EXPECT_EQ(length, plain.length);
}

TEST_P(SrtpSessionTest, ShortPacketsRejected) {
  SrtpLink link = make_link();
  ASSERT_NE(link.receiver, nullptr);
  Packet packet = make_rtp(1);

  size_t length = 11;
  EXPECT_EQ(link.sender->protect_rtp(packet.buffer.data(), length, packet.buffer.size()), SrtpResult::too_short);
  length = 12 + profile_info(profile()).rtp_overhead_bytes - 1;
  EXPECT_EQ(link.receiver->unprotect_rtp(packet.buffer.data(), length), SrtpResult::too_short);
  length = 7;
  EXPECT_EQ(link.sender->protect_rtcp(packet.buffer.data(), length, packet.buffer.size()), SrtpResult::too_short);
  length = 8 + profile_info(profile()).rtcp_overhead_bytes - 1;
  EXPECT_EQ(link.receiver->unprotect_rtcp(packet.buffer.data(), length), SrtpResult::too_short);
}

INSTANTIATE_TEST_SUITE_P(
    Profiles, SrtpSessionTest,
    ::testing::Values(SessionCase{SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpBackend::libsrtp},
                      SessionCase{SrtpProfile::aead_aes_128_gcm, SrtpBackend::libsrtp},
                      SessionCase{SrtpProfile::aead_aes_128_gcm, SrtpBackend::openssl},
                      SessionCase{SrtpProfile::aead_aes_256_gcm, SrtpBackend::libsrtp},
                      SessionCase{SrtpProfile::aead_aes_256_gcm, SrtpBackend::openssl}),
    [](const ::testing::TestParamInfo<SessionCase>& param_info) {
      std::string name;
      switch (param_info.param.profile) {
        case SrtpProfile::aes_cm_128_hmac_sha1_80: name = "Cm"; break;
        case SrtpProfile::aead_aes_128_gcm: name = "Gcm128"; break;
        case SrtpProfile::aead_aes_256_gcm: name = "Gcm256"; break;
      }
      return name + (param_info.param.backend == SrtpBackend::openssl ? "Openssl" : "Libsrtp");
    });

TEST(SrtpSession, WrongKeyLengthRejected) {
  const std::vector<uint8_t> key(29, 0x42);
  std::string error;

  EXPECT_EQ(SrtpSession::create(SrtpProfile::aes_cm_128_hmac_sha1_80, key, SrtpDirection::inbound, &error), nullptr);
  EXPECT_NE(error.find("expected 30"), std::string::npos) << error;
  EXPECT_EQ(SrtpSession::create(SrtpProfile::aead_aes_128_gcm, key, SrtpDirection::inbound, &error), nullptr);
  EXPECT_NE(error.find("expected 28"), std::string::npos) << error;
  EXPECT_EQ(SrtpSession::create(SrtpProfile::aead_aes_256_gcm, key, SrtpDirection::inbound, &error), nullptr);
  EXPECT_NE(error.find("expected 44"), std::string::npos) << error;
  EXPECT_EQ(create_srtp_session(SrtpProfile::aead_aes_128_gcm, key, SrtpDirection::inbound, SrtpBackend::libsrtp,
                                &error),
            nullptr);
  EXPECT_NE(error.find("expected 28"), std::string::npos) << error;
}

TEST(SrtpSession, ProfileNamesAndLengths) {
  EXPECT_EQ(to_string(SrtpProfile::aes_cm_128_hmac_sha1_80), "SRTP_AES128_CM_HMAC_SHA1_80");
  EXPECT_EQ(to_string(SrtpProfile::aead_aes_128_gcm), "SRTP_AEAD_AES_128_GCM");
  EXPECT_EQ(profile_info(SrtpProfile::aes_cm_128_hmac_sha1_80).salt_bytes, 14u);
  EXPECT_EQ(profile_info(SrtpProfile::aead_aes_128_gcm).salt_bytes, 12u);
  EXPECT_EQ(to_string(SrtpProfile::aead_aes_256_gcm), "SRTP_AEAD_AES_256_GCM");
  EXPECT_EQ(profile_info(SrtpProfile::aead_aes_256_gcm).use_srtp_id, 0x0008);
  EXPECT_EQ(profile_info(SrtpProfile::aead_aes_256_gcm).key_bytes, 32u);
  EXPECT_EQ(profile_info(SrtpProfile::aead_aes_256_gcm).salt_bytes, 12u);
  EXPECT_EQ(to_string(SrtpResult::replay_duplicate), "replay_duplicate");
}

TEST(SrtpSession, MovedSessionKeepsWorking) {
  const std::vector<uint8_t> key(28, 0x42);
  for (SrtpBackend backend : {SrtpBackend::libsrtp, SrtpBackend::openssl}) {
    auto sender =
        create_srtp_session(SrtpProfile::aead_aes_128_gcm, key, SrtpDirection::outbound, backend, nullptr);
    auto receiver = create_srtp_session(SrtpProfile::aead_aes_128_gcm, key, SrtpDirection::inbound, backend, nullptr);
    ASSERT_NE(sender, nullptr);
    ASSERT_NE(receiver, nullptr);
    SrtpSession moved_receiver = std::move(*receiver);

    EXPECT_EQ(unprotect(moved_receiver, protect(*sender, make_rtp(9))), SrtpResult::ok) << to_string(backend);
    EXPECT_EQ(backend_of(moved_receiver), backend);
    Packet packet = protect(*sender, make_rtp(10));
    EXPECT_EQ(receiver->unprotect_rtp(packet.buffer.data(), packet.length), SrtpResult::other) << to_string(backend);
  }
}

}  // namespace
}  // namespace sightline::crypto

// The OpenSSL AEAD backend on its own: the test vectors of RFC 7714
// sections 16 and 17 (session keys given, no key derivation), the key
// derivation vector of RFC 3711 appendix B.3, and the replay window.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "relay/crypto/srtp_aead.h"
#include "tests/support/hex.h"

namespace sightline::crypto {
namespace {

using test::from_hex;

// RFC 7714 section 16: the 128-bit key is 00 01 ... 0f, the 256-bit key
// 00 01 ... 1f, and the salt is the ASCII string "Quid pro quo". The
// vectors use these as session keys and salts for both SRTP and SRTCP.
const std::vector<uint8_t> kKey128 = from_hex("000102030405060708090a0b0c0d0e0f");
const std::vector<uint8_t> kKey256 = from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const std::vector<uint8_t> kSalt = from_hex("517569642070726f2071756f");

// Section 16: 12-byte header (SSRC 0x5501a0b2, sequence number 0xf17b,
// rollover counter 0), then "Gallia est omnis divisa in partes tres".
const std::vector<uint8_t> kRtpPlain = from_hex(
    "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976"
    "69736120 696e2070 61727465 73207472 6573");
// Sections 16.1.1 and 16.1.2.
const std::vector<uint8_t> kRtpProtected128 = from_hex(
    "8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5"
    "0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439"
    "0cce");
// Sections 16.2.1 and 16.2.2.
const std::vector<uint8_t> kRtpProtected256 = from_hex(
    "8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238"
    "9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7"
    "6c13");

// Section 17: a sender report from SSRC "Mars" with SRTCP index 0x5d4.
const std::vector<uint8_t> kRtcpPlain = from_hex(
    "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
    "deadbeef deadbeef deadbeef deadbeef deadbeef");
constexpr uint32_t kRtcpSsrc = 0x4d617273;
constexpr uint32_t kRtcpIndex = 0x5d4;
// Section 17.1: encrypted with the 128-bit key, E flag set.
const std::vector<uint8_t> kRtcpProtected128 = from_hex(
    "81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d"
    "c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872"
    "45d9eade 800005d4");
// Section 17.2: encrypted with the 256-bit key.
const std::vector<uint8_t> kRtcpProtected256 = from_hex(
    "81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50"
    "a2eaa5c1 110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c"
    "b26ac3be 800005d4");
// Section 17.3: authenticated only (E flag clear) with the 128-bit key.
const std::vector<uint8_t> kRtcpTagged128 = from_hex(
    "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
    "deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790"
    "125f62b3 000005d4");
// Section 17.4: authenticated only with the 256-bit key.
const std::vector<uint8_t> kRtcpTagged256 = from_hex(
    "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
    "deadbeef deadbeef deadbeef deadbeef deadbeef 91db4afb feee5a97 8fab4393"
    "ed2615fe 000005d4");

std::unique_ptr<AeadSrtpContext> vector_context(SrtpProfile profile, bool outbound = false) {
  const std::vector<uint8_t>& key = profile == SrtpProfile::aead_aes_256_gcm ? kKey256 : kKey128;
  std::string error;
  auto context = AeadSrtpContext::create_with_session_keys(profile, key, kSalt, key, kSalt, outbound, &error);
  EXPECT_NE(context, nullptr) << error;
  return context;
}

std::vector<uint8_t> with_room(std::vector<uint8_t> packet) {
  packet.resize(packet.size() + 64);
  return packet;
}

struct VectorCase {
  SrtpProfile profile;
  const std::vector<uint8_t>* rtp_protected;
  const std::vector<uint8_t>* rtcp_protected;
  const std::vector<uint8_t>* rtcp_tagged;
};

class Rfc7714Vectors : public ::testing::TestWithParam<VectorCase> {};

TEST_P(Rfc7714Vectors, RtpEncryption) {
  auto context = vector_context(GetParam().profile, true);
  ASSERT_NE(context, nullptr);
  std::vector<uint8_t> buffer = with_room(kRtpPlain);
  size_t length = kRtpPlain.size();

  ASSERT_EQ(context->protect_rtp(buffer.data(), length, buffer.size()), SrtpResult::ok);
  buffer.resize(length);
  EXPECT_EQ(buffer, *GetParam().rtp_protected);
}

TEST_P(Rfc7714Vectors, RtpDecryption) {
  auto context = vector_context(GetParam().profile);
  ASSERT_NE(context, nullptr);
  std::vector<uint8_t> buffer = *GetParam().rtp_protected;
  size_t length = buffer.size();

  ASSERT_EQ(context->unprotect_rtp(buffer.data(), length), SrtpResult::ok);
  buffer.resize(length);
  EXPECT_EQ(buffer, kRtpPlain);
}

TEST_P(Rfc7714Vectors, RtpAlteredByteFailsAuth) {
  // A header byte, the first and a middle payload byte, and the last tag byte.
  for (size_t position : {size_t{3}, size_t{12}, size_t{30}, GetParam().rtp_protected->size() - 1}) {
    auto context = vector_context(GetParam().profile);
    ASSERT_NE(context, nullptr);
    std::vector<uint8_t> buffer = *GetParam().rtp_protected;
    buffer[position] ^= 0x01;
    size_t length = buffer.size();

    EXPECT_EQ(context->unprotect_rtp(buffer.data(), length), SrtpResult::auth_failed) << "byte " << position;
  }
}

TEST_P(Rfc7714Vectors, RtcpEncryption) {
  auto context = vector_context(GetParam().profile, true);
  ASSERT_NE(context, nullptr);
  context->set_next_srtcp_index(kRtcpSsrc, kRtcpIndex);
  std::vector<uint8_t> buffer = with_room(kRtcpPlain);
  size_t length = kRtcpPlain.size();

  ASSERT_EQ(context->protect_rtcp(buffer.data(), length, buffer.size()), SrtpResult::ok);
  buffer.resize(length);
  EXPECT_EQ(buffer, *GetParam().rtcp_protected);
}

TEST_P(Rfc7714Vectors, RtcpDecryption) {
  auto context = vector_context(GetParam().profile);
  ASSERT_NE(context, nullptr);
  std::vector<uint8_t> buffer = *GetParam().rtcp_protected;
  size_t length = buffer.size();

  ASSERT_EQ(context->unprotect_rtcp(buffer.data(), length), SrtpResult::ok);
  buffer.resize(length);
  EXPECT_EQ(buffer, kRtcpPlain);
}

TEST_P(Rfc7714Vectors, RtcpTagVerification) {
  auto context = vector_context(GetParam().profile);
  ASSERT_NE(context, nullptr);
  std::vector<uint8_t> buffer = *GetParam().rtcp_tagged;
  size_t length = buffer.size();

  ASSERT_EQ(context->unprotect_rtcp(buffer.data(), length), SrtpResult::ok);
  buffer.resize(length);
  EXPECT_EQ(buffer, kRtcpPlain);
}

TEST_P(Rfc7714Vectors, RtcpClearedEncryptionFlagFailsAuth) {
  auto context = vector_context(GetParam().profile);
  ASSERT_NE(context, nullptr);
  std::vector<uint8_t> buffer = *GetParam().rtcp_protected;
  buffer[buffer.size() - 4] &= 0x7F;
  size_t length = buffer.size();

  EXPECT_EQ(context->unprotect_rtcp(buffer.data(), length), SrtpResult::auth_failed);
}

INSTANTIATE_TEST_SUITE_P(Profiles, Rfc7714Vectors,
                         ::testing::Values(VectorCase{SrtpProfile::aead_aes_128_gcm, &kRtpProtected128,
                                                      &kRtcpProtected128, &kRtcpTagged128},
                                           VectorCase{SrtpProfile::aead_aes_256_gcm, &kRtpProtected256,
                                                      &kRtcpProtected256, &kRtcpTagged256}),
                         [](const ::testing::TestParamInfo<VectorCase>& param_info) {
                           return param_info.param.profile == SrtpProfile::aead_aes_256_gcm ? "Gcm256" : "Gcm128";
                         });

TEST(SrtpKeyDerivation, Rfc3711AppendixB3) {
  const std::vector<uint8_t> master_key = from_hex("E1F97A0D3E018BE0D64FA32C06DE4139");
  const std::vector<uint8_t> master_salt = from_hex("0EC675AD498AFEEBB6960B3AABE6");
  std::vector<uint8_t> cipher_key(16);
  std::vector<uint8_t> cipher_salt(14);
  std::vector<uint8_t> auth_key(20);

  ASSERT_TRUE(derive_srtp_key(master_key, master_salt, SrtpKeyLabel::rtp_encryption, cipher_key));
  ASSERT_TRUE(derive_srtp_key(master_key, master_salt, SrtpKeyLabel::rtp_salt, cipher_salt));
  ASSERT_TRUE(derive_srtp_key(master_key, master_salt, SrtpKeyLabel::rtp_authentication, auth_key));

  EXPECT_EQ(cipher_key, from_hex("C61E7A93744F39EE10734AFE3FF7A087"));
  EXPECT_EQ(cipher_salt, from_hex("30CBBC08863D8C85D49DB34A9AE1"));
  EXPECT_EQ(auth_key, from_hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
}

TEST(SrtpKeyDerivation, InvalidLengthsRejected) {
  std::vector<uint8_t> output(16);
  const std::vector<uint8_t> salt(12);

  EXPECT_FALSE(derive_srtp_key(std::vector<uint8_t>(24), salt, SrtpKeyLabel::rtp_encryption, output));
  EXPECT_FALSE(derive_srtp_key(std::vector<uint8_t>(16), std::vector<uint8_t>(13), SrtpKeyLabel::rtp_encryption,
                               output));
}

TEST(SrtpKeyDerivation, AllKeyBytesUsedForAes256) {
  // Two master keys that differ only in their last byte give different keys.
  std::vector<uint8_t> key_a(32, 0x11);
  std::vector<uint8_t> key_b = key_a;
  key_b[31] ^= 0x01;
  std::vector<uint8_t> derived_a(32);
  std::vector<uint8_t> derived_b(32);

  ASSERT_TRUE(derive_srtp_key(key_a, kSalt, SrtpKeyLabel::rtp_encryption, derived_a));
  ASSERT_TRUE(derive_srtp_key(key_b, kSalt, SrtpKeyLabel::rtp_encryption, derived_b));
  EXPECT_NE(derived_a, derived_b);
}

TEST(AeadSrtpContext, WrongSessionKeyLengthRejected) {
  std::string error;

  EXPECT_EQ(AeadSrtpContext::create_with_session_keys(SrtpProfile::aead_aes_256_gcm, kKey128, kSalt, kKey128, kSalt,
                                                      false, &error),
            nullptr);
  EXPECT_NE(error.find("invalid session key"), std::string::npos) << error;
  EXPECT_EQ(AeadSrtpContext::create(SrtpProfile::aes_cm_128_hmac_sha1_80, std::vector<uint8_t>(30), false, &error),
            nullptr);
  EXPECT_NE(error.find("only the AEAD profiles"), std::string::npos) << error;
}

// A plain RTP packet of `ssrc` with a 12-byte header and 100 bytes of
// payload, with room for the tag.
std::vector<uint8_t> rtp_packet(uint32_t ssrc, uint16_t sequence_number) {
  std::vector<uint8_t> packet(12 + 100 + AeadSrtpContext::kTagBytes, 0x5A);
  packet[0] = 0x80;
  packet[1] = 96;
  packet[2] = static_cast<uint8_t>(sequence_number >> 8);
  packet[3] = static_cast<uint8_t>(sequence_number);
  for (int i = 0; i < 4; ++i) packet[4 + i] = 0;
  for (int i = 0; i < 4; ++i) packet[8 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  return packet;
}

TEST(AeadSrtpContext, ManySsrcsKeepTheirOwnState) {
  // More SSRCs than the context keeps inline, sent interleaved, so that
  // lookups go through the inline table, the overflow table and the
  // last-hit cache. Each SSRC wraps its sequence number on its own.
  constexpr uint32_t kSsrcs = 40;
  const std::vector<uint8_t> key_and_salt(16 + AeadSrtpContext::kSaltBytes, 0x42);
  std::string error;
  auto sender = AeadSrtpContext::create(SrtpProfile::aead_aes_128_gcm, key_and_salt, false, &error);
  ASSERT_NE(sender, nullptr) << error;
  auto receiver = AeadSrtpContext::create(SrtpProfile::aead_aes_128_gcm, key_and_salt, false, &error);
  ASSERT_NE(receiver, nullptr) << error;

  auto ssrc_of = [](uint32_t i) { return 0x10000000u + i * 7919u; };
  // SSRC i starts i packets before its sequence number wraps.
  auto sequence_of = [](uint32_t i, uint32_t round) { return static_cast<uint16_t>(0x10000u - i + round); };
  std::vector<std::vector<uint8_t>> first_round(kSsrcs);
  for (uint32_t round = 0; round < 2 * kSsrcs; ++round) {
    for (uint32_t i = 0; i < kSsrcs; ++i) {
      std::vector<uint8_t> packet = rtp_packet(ssrc_of(i), sequence_of(i, round));
      size_t length = packet.size() - AeadSrtpContext::kTagBytes;
      ASSERT_EQ(sender->protect_rtp(packet.data(), length, packet.size()), SrtpResult::ok)
          << "SSRC " << i << ", round " << round;
      if (round == 0) first_round[i] = packet;
      ASSERT_EQ(receiver->unprotect_rtp(packet.data(), length), SrtpResult::ok) << "SSRC " << i << ", round " << round;
      std::vector<uint8_t> expected = rtp_packet(ssrc_of(i), sequence_of(i, round));
      expected.resize(length);
      packet.resize(length);
      EXPECT_EQ(packet, expected) << "SSRC " << i << ", round " << round;
    }
  }

  // Each SSRC's replay window caught its own first packet, inline or not.
  for (uint32_t i = 0; i < kSsrcs; ++i) {
    std::vector<uint8_t> replayed = first_round[i];
    size_t length = replayed.size();
    EXPECT_EQ(receiver->unprotect_rtp(replayed.data(), length), SrtpResult::replay_duplicate) << "SSRC " << i;
  }

  // A new SSRC after all of them still starts its own stream.
  std::vector<uint8_t> packet = rtp_packet(0xFEEDF00D, 7);
  size_t length = packet.size() - AeadSrtpContext::kTagBytes;
  ASSERT_EQ(sender->protect_rtp(packet.data(), length, packet.size()), SrtpResult::ok);
  EXPECT_EQ(receiver->unprotect_rtp(packet.data(), length), SrtpResult::ok);
}

TEST(ReplayWindow, FirstPacketThenDuplicate) {
  ReplayWindow window;
  EXPECT_EQ(window.check(1000), SrtpResult::ok);
  window.add(1000);

  EXPECT_EQ(window.check(1000), SrtpResult::replay_duplicate);
  EXPECT_EQ(window.check(999), SrtpResult::ok);
  EXPECT_EQ(window.check(1001), SrtpResult::ok);
}

TEST(ReplayWindow, EdgeOfWindow) {
  constexpr uint64_t kHighest = 5000;
  ReplayWindow window;
  window.add(kHighest);

  EXPECT_EQ(window.check(kHighest - (ReplayWindow::kPackets - 1)), SrtpResult::ok);
  EXPECT_EQ(window.check(kHighest - ReplayWindow::kPackets), SrtpResult::replay_old);
}

TEST(ReplayWindow, AdvanceClearsSkippedSlots) {
  ReplayWindow window;
  window.add(10);
  window.add(11);
  // 10 + kPackets shares a ring slot with 10; it must read as not received.
  EXPECT_EQ(window.check(10 + ReplayWindow::kPackets), SrtpResult::ok);
  window.add(10 + ReplayWindow::kPackets + 1);

  EXPECT_EQ(window.check(10 + ReplayWindow::kPackets), SrtpResult::ok);
  EXPECT_EQ(window.check(11), SrtpResult::replay_old);
  EXPECT_EQ(window.check(12), SrtpResult::ok);
}

TEST(ReplayWindow, SkippedIndexReadsNotReceived) {
  ReplayWindow window;
  window.add(100);
  window.add(600);
  // 1124 shares its ring slot with 100 and is skipped by this advance.
  window.add(1200);

  EXPECT_EQ(window.check(1124), SrtpResult::ok);
  EXPECT_EQ(window.check(600), SrtpResult::replay_duplicate);
  EXPECT_EQ(window.check(100), SrtpResult::replay_old);
}

TEST(ReplayWindow, LargeJumpClearsAll) {
  ReplayWindow window;
  for (uint64_t index = 0; index < 100; ++index) window.add(index);
  window.add(100000);

  EXPECT_EQ(window.check(100000 - 1), SrtpResult::ok);
  EXPECT_EQ(window.check(100000 - 500), SrtpResult::ok);
  EXPECT_EQ(window.check(100000), SrtpResult::replay_duplicate);
  EXPECT_EQ(window.check(99), SrtpResult::replay_old);
}

}  // namespace
}  // namespace sightline::crypto

// The OpenSSL backend against libsrtp2 for the AEAD profiles, both ways:
// one backend protects, the other unprotects. Covers CSRCs and header
// extensions, the sequence number wrap, reordering, replays, tampering,
// truncation, many SSRCs and SRTCP, and checks that both backends give the
// same bytes for the same packet.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "relay/crypto/srtp_backend.h"
#include "relay/crypto/srtp_session.h"

namespace sightline::crypto {
namespace {

constexpr uint32_t kSsrc = 0x0BADCAFE;
constexpr size_t kBufferBytes = 1500;

struct Packet {
  std::vector<uint8_t> buffer = std::vector<uint8_t>(kBufferBytes);
  size_t length = 0;

  std::vector<uint8_t> bytes() const { return {buffer.begin(), buffer.begin() + static_cast<long>(length)}; }
};

// The shape of an RTP header: CSRC count and the header extension.
struct RtpShape {
  uint8_t csrc_count = 0;
  // 0 for none, else 0xBEDE (one-byte elements) or 0x1000 (two-byte).
  uint16_t extension_profile = 0;
  uint16_t extension_words = 0;
  size_t payload_bytes = 160;
};

Packet make_rtp(uint16_t sequence_number, uint32_t ssrc = kSsrc, const RtpShape& shape = {}) {
  Packet packet;
  uint8_t* data = packet.buffer.data();
  data[0] = static_cast<uint8_t>(0x80 | (shape.extension_profile != 0 ? 0x10 : 0) | shape.csrc_count);
  data[1] = 96;
  store_be16(data + 2, sequence_number);
  store_be32(data + 4, sequence_number * 3000u);
  store_be32(data + 8, ssrc);
  size_t offset = 12;
  for (uint8_t i = 0; i < shape.csrc_count; ++i, offset += 4) store_be32(data + offset, 0xC0000000u + i);
  if (shape.extension_profile != 0) {
    store_be16(data + offset, shape.extension_profile);
    store_be16(data + offset + 2, shape.extension_words);
    offset += 4;
    for (size_t i = 0; i < 4u * shape.extension_words; ++i) data[offset++] = static_cast<uint8_t>(0x11 * (i + 1));
  }
  for (size_t i = 0; i < shape.payload_bytes; ++i) data[offset++] = static_cast<uint8_t>(sequence_number + 7 * i);
  packet.length = offset;
  return packet;
}

// A compound RTCP packet: a sender report with one report block, then SDES
// with a CNAME (RFC 3550 sections 6.4.1 and 6.5).
Packet make_rtcp(uint32_t ssrc = kSsrc, uint8_t fill = 0) {
  Packet packet;
  uint8_t* data = packet.buffer.data();
  data[0] = 0x81;
  data[1] = 200;
  store_be16(data + 2, 12);
  store_be32(data + 4, ssrc);
  for (size_t i = 8; i < 52; ++i) data[i] = static_cast<uint8_t>(fill + i);
  const uint8_t sdes[] = {0x81, 202, 0x00, 0x03, 0, 0, 0, 0, 1, 4, 'p', 'e', 'e', 'r', 0, 0};
  std::memcpy(data + 52, sdes, sizeof sdes);
  store_be32(data + 56, ssrc);
  packet.length = 52 + sizeof sdes;
  return packet;
}

std::vector<uint8_t> key_for(SrtpProfile profile) {
  const SrtpProfileInfo& info = profile_info(profile);
  std::vector<uint8_t> key(info.key_bytes + info.salt_bytes);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0xA5 ^ (i * 29));
  return key;
}

struct CrossCase {
  SrtpProfile profile;
  SrtpBackend sender;
  SrtpBackend receiver;
};

class SrtpBackendCrossTest : public ::testing::TestWithParam<CrossCase> {
 protected:
  void SetUp() override {
    const CrossCase& param = GetParam();
    std::string error;
    sender_ = create_srtp_session(param.profile, key_for(param.profile), SrtpDirection::outbound, param.sender, &error);
    ASSERT_NE(sender_, nullptr) << error;
    receiver_ =
        create_srtp_session(param.profile, key_for(param.profile), SrtpDirection::inbound, param.receiver, &error);
    ASSERT_NE(receiver_, nullptr) << error;
    ASSERT_EQ(backend_of(*sender_), param.sender);
    ASSERT_EQ(backend_of(*receiver_), param.receiver);
  }

  Packet protect(Packet packet) {
    EXPECT_EQ(sender_->protect_rtp(packet.buffer.data(), packet.length, packet.buffer.size()), SrtpResult::ok);
    return packet;
  }
  Packet protect_rtcp(Packet packet) {
    EXPECT_EQ(sender_->protect_rtcp(packet.buffer.data(), packet.length, packet.buffer.size()), SrtpResult::ok);
    return packet;
  }
  SrtpResult unprotect(Packet& packet) { return receiver_->unprotect_rtp(packet.buffer.data(), packet.length); }
  SrtpResult unprotect_rtcp(Packet& packet) {
    return receiver_->unprotect_rtcp(packet.buffer.data(), packet.length);
  }

  // Protects and unprotects `plain` and checks that it comes back unchanged.
  void expect_round_trip(const Packet& plain) {
    Packet packet = protect(plain);
    EXPECT_EQ(packet.length, plain.length + profile_info(GetParam().profile).rtp_overhead_bytes);
    ASSERT_EQ(unprotect(packet), SrtpResult::ok) << "sequence number " << load_be16(plain.buffer.data() + 2);
    EXPECT_EQ(packet.bytes(), plain.bytes());
  }

  std::unique_ptr<SrtpSession> sender_;
  std::unique_ptr<SrtpSession> receiver_;
};

TEST_P(SrtpBackendCrossTest, CsrcsAndHeaderExtensions) {
  const RtpShape shapes[] = {
      {},
      {.csrc_count = 2},
      {.extension_profile = 0xBEDE, .extension_words = 3},
      {.csrc_count = 15, .extension_profile = 0xBEDE, .extension_words = 2},
      {.csrc_count = 1, .extension_profile = 0x1000, .extension_words = 5},
      {.extension_profile = 0xBEDE, .extension_words = 0},
      {.csrc_count = 3, .payload_bytes = 0},
      {.payload_bytes = 1},
      {.payload_bytes = 1200},
  };
  uint16_t sequence_number = 500;
  for (const RtpShape& shape : shapes) expect_round_trip(make_rtp(sequence_number++, kSsrc, shape));
}

TEST_P(SrtpBackendCrossTest, HeaderExtensionIsAuthenticated) {
  const RtpShape shape{.csrc_count = 2, .extension_profile = 0xBEDE, .extension_words = 2};
  Packet extension_changed = protect(make_rtp(10, kSsrc, shape));
  extension_changed.buffer[12 + 8 + 5] ^= 0x01;
  Packet csrc_changed = protect(make_rtp(11, kSsrc, shape));
  csrc_changed.buffer[13] ^= 0x01;

  EXPECT_EQ(unprotect(extension_changed), SrtpResult::auth_failed);
  EXPECT_EQ(unprotect(csrc_changed), SrtpResult::auth_failed);
  expect_round_trip(make_rtp(12, kSsrc, shape));
}

TEST_P(SrtpBackendCrossTest, SequenceNumberWrap) {
  for (uint32_t count = 0, sequence_number = 0xFE00; count < 0x400; ++count, ++sequence_number) {
    expect_round_trip(make_rtp(static_cast<uint16_t>(sequence_number)));
  }
}

TEST_P(SrtpBackendCrossTest, ReorderingAcrossWrap) {
  // 0xFF00 through 0x00FF, delivered in shuffled blocks of 64 so that some
  // packets of the new rollover counter arrive before older ones.
  std::vector<Packet> plain;
  std::vector<Packet> protected_packets;
  for (uint32_t sequence_number = 0xFF00; sequence_number < 0x10100; ++sequence_number) {
    plain.push_back(make_rtp(static_cast<uint16_t>(sequence_number)));
    protected_packets.push_back(protect(plain.back()));
  }
  std::vector<size_t> order(plain.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937 random(7);
  for (size_t start = 1; start < order.size(); start += 64) {
    std::shuffle(order.begin() + static_cast<long>(start),
                 order.begin() + static_cast<long>(std::min(start + 64, order.size())), random);
  }

  for (size_t i : order) {
    Packet packet = protected_packets[i];
    ASSERT_EQ(unprotect(packet), SrtpResult::ok) << "packet " << i;
    EXPECT_EQ(packet.bytes(), plain[i].bytes());
  }
  for (size_t i : {size_t{0}, size_t{255}, size_t{256}, plain.size() - 1}) {
    Packet replayed = protected_packets[i];
    EXPECT_EQ(unprotect(replayed), SrtpResult::replay_duplicate) << "packet " << i;
  }
}

TEST_P(SrtpBackendCrossTest, ReplaysRejected) {
  const Packet first = protect(make_rtp(1000));
  Packet copy = first;
  ASSERT_EQ(unprotect(copy), SrtpResult::ok);
  copy = first;
  EXPECT_EQ(unprotect(copy), SrtpResult::replay_duplicate);

  for (uint16_t sequence_number = 1001; sequence_number <= 1000 + SrtpSession::kReplayWindowPackets;
       ++sequence_number) {
    Packet packet = protect(make_rtp(sequence_number));
    ASSERT_EQ(unprotect(packet), SrtpResult::ok);
  }
  copy = first;
  EXPECT_EQ(unprotect(copy), SrtpResult::replay_old);
}

TEST_P(SrtpBackendCrossTest, LateRetransmissionDecrypts) {
  Packet lost;
  for (uint16_t sequence_number = 100; sequence_number <= 400; ++sequence_number) {
    Packet packet = protect(make_rtp(sequence_number));
    if (sequence_number == 150) {
      lost = packet;
      continue;
    }
    ASSERT_EQ(unprotect(packet), SrtpResult::ok);
  }

  // The sender's repeated index gives the same bytes, which decrypt once.
  Packet resent = protect(make_rtp(150));
  EXPECT_EQ(resent.bytes(), lost.bytes());
  Packet again = resent;
  ASSERT_EQ(unprotect(resent), SrtpResult::ok);
  EXPECT_EQ(resent.bytes(), make_rtp(150).bytes());
  EXPECT_EQ(unprotect(again), SrtpResult::replay_duplicate);
}

TEST_P(SrtpBackendCrossTest, FirstPacketsLostAcrossWrap) {
  for (uint16_t sequence_number : {0xFFFE, 0xFFFF, 0x0000}) protect(make_rtp(sequence_number));

  for (uint16_t sequence_number = 0x0001; sequence_number <= 0x0100; ++sequence_number) {
    expect_round_trip(make_rtp(sequence_number));
  }
}

TEST_P(SrtpBackendCrossTest, TamperedPacketsRejected) {
  const Packet original = protect(make_rtp(2000));
  for (size_t position : {size_t{1}, size_t{8}, size_t{12}, size_t{100}, original.length - 16, original.length - 1}) {
    Packet tampered = original;
    tampered.buffer[position] ^= 0x40;
    EXPECT_EQ(unprotect(tampered), SrtpResult::auth_failed) << "byte " << position;
  }
  Packet intact = original;
  EXPECT_EQ(unprotect(intact), SrtpResult::ok);
}

TEST_P(SrtpBackendCrossTest, TruncatedPacketsRejected) {
  const RtpShape shape{.csrc_count = 4, .extension_profile = 0xBEDE, .extension_words = 3, .payload_bytes = 40};
  const Packet original = protect(make_rtp(3000, kSsrc, shape));
  for (size_t length = 0; length < original.length; ++length) {
    Packet truncated = original;
    truncated.length = length;
    EXPECT_NE(unprotect(truncated), SrtpResult::ok) << "length " << length;
  }
  Packet short_packet = original;
  short_packet.length = 12 + 16 - 1;
  EXPECT_EQ(unprotect(short_packet), SrtpResult::too_short);

  Packet intact = original;
  EXPECT_EQ(unprotect(intact), SrtpResult::ok);
}

TEST_P(SrtpBackendCrossTest, ManySsrcs) {
  constexpr uint32_t kSsrcCount = 300;
  std::mt19937 random(11);
  std::vector<uint16_t> first_sequence_numbers;
  for (uint32_t i = 0; i < kSsrcCount; ++i) first_sequence_numbers.push_back(static_cast<uint16_t>(random()));

  std::vector<Packet> firsts;
  for (uint16_t step = 0; step < 3; ++step) {
    for (uint32_t i = 0; i < kSsrcCount; ++i) {
      const Packet plain = make_rtp(static_cast<uint16_t>(first_sequence_numbers[i] + step), 0x10000 + i * 7919);
      Packet packet = protect(plain);
      if (step == 0) firsts.push_back(packet);
      ASSERT_EQ(unprotect(packet), SrtpResult::ok) << "SSRC index " << i << " step " << step;
      ASSERT_EQ(packet.bytes(), plain.bytes());
    }
  }
  for (uint32_t i = 0; i < kSsrcCount; i += 37) {
    EXPECT_EQ(unprotect(firsts[i]), SrtpResult::replay_duplicate) << "SSRC index " << i;
  }
}

TEST_P(SrtpBackendCrossTest, RtcpRoundTrips) {
  for (uint8_t round = 0; round < 20; ++round) {
    for (uint32_t ssrc : {kSsrc, 0x1u, 0xFFFFFFFFu}) {
      const Packet plain = make_rtcp(ssrc, round);
      Packet packet = protect_rtcp(plain);
      ASSERT_EQ(packet.length, plain.length + profile_info(GetParam().profile).rtcp_overhead_bytes);
      EXPECT_NE(load_be32(packet.buffer.data() + packet.length - 4) & 0x80000000u, 0u) << "E flag";
      ASSERT_EQ(unprotect_rtcp(packet), SrtpResult::ok);
      EXPECT_EQ(packet.bytes(), plain.bytes());
    }
  }
}

TEST_P(SrtpBackendCrossTest, RtcpReorderedReplayedTampered) {
  std::vector<Packet> packets;
  for (uint8_t i = 0; i < 10; ++i) packets.push_back(protect_rtcp(make_rtcp(kSsrc, i)));

  for (size_t i : {1, 0, 3, 2, 5, 4}) {
    Packet packet = packets[i];
    EXPECT_EQ(unprotect_rtcp(packet), SrtpResult::ok) << "packet " << i;
  }
  Packet replayed = packets[3];
  EXPECT_EQ(unprotect_rtcp(replayed), SrtpResult::replay_duplicate);

  for (size_t position : {size_t{1}, size_t{4}, size_t{9}, packets[6].length - 5, packets[6].length - 1}) {
    Packet tampered = packets[6];
    tampered.buffer[position] ^= 0x01;
    EXPECT_NE(unprotect_rtcp(tampered), SrtpResult::ok) << "byte " << position;
  }
  for (size_t length = 0; length < packets[7].length; ++length) {
    Packet truncated = packets[7];
    truncated.length = length;
    EXPECT_NE(unprotect_rtcp(truncated), SrtpResult::ok) << "length " << length;
  }
  Packet intact = packets[6];
  EXPECT_EQ(unprotect_rtcp(intact), SrtpResult::ok);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, SrtpBackendCrossTest,
    ::testing::Values(CrossCase{SrtpProfile::aead_aes_128_gcm, SrtpBackend::libsrtp, SrtpBackend::openssl},
                      CrossCase{SrtpProfile::aead_aes_128_gcm, SrtpBackend::openssl, SrtpBackend::libsrtp},
                      CrossCase{SrtpProfile::aead_aes_256_gcm, SrtpBackend::libsrtp, SrtpBackend::openssl},
                      CrossCase{SrtpProfile::aead_aes_256_gcm, SrtpBackend::openssl, SrtpBackend::libsrtp}),
    [](const ::testing::TestParamInfo<CrossCase>& param_info) {
      const std::string profile = param_info.param.profile == SrtpProfile::aead_aes_256_gcm ? "Gcm256" : "Gcm128";
      return profile + (param_info.param.sender == SrtpBackend::openssl ? "OpensslToLibsrtp" : "LibsrtpToOpenssl");
    });

class SrtpBackendOutputTest : public ::testing::TestWithParam<SrtpProfile> {};

// Both backends derive the same session keys and form the same IV, so the
// same packet gives the same bytes.
TEST_P(SrtpBackendOutputTest, SameBytesFromBothBackends) {
  const SrtpProfile profile = GetParam();
  auto libsrtp = create_srtp_session(profile, key_for(profile), SrtpDirection::outbound, SrtpBackend::libsrtp, nullptr);
  auto openssl = create_srtp_session(profile, key_for(profile), SrtpDirection::outbound, SrtpBackend::openssl, nullptr);
  ASSERT_NE(libsrtp, nullptr);
  ASSERT_NE(openssl, nullptr);

  const RtpShape shape{.csrc_count = 1, .extension_profile = 0xBEDE, .extension_words = 1};
  for (uint32_t sequence_number = 0xFFF0; sequence_number < 0x10010; ++sequence_number) {
    Packet from_libsrtp = make_rtp(static_cast<uint16_t>(sequence_number), kSsrc, shape);
    Packet from_openssl = from_libsrtp;
    ASSERT_EQ(libsrtp->protect_rtp(from_libsrtp.buffer.data(), from_libsrtp.length, kBufferBytes), SrtpResult::ok);
    ASSERT_EQ(openssl->protect_rtp(from_openssl.buffer.data(), from_openssl.length, kBufferBytes), SrtpResult::ok);
    ASSERT_EQ(from_openssl.bytes(), from_libsrtp.bytes()) << "sequence number " << sequence_number;
  }
  for (int i = 0; i < 3; ++i) {
    Packet from_libsrtp = make_rtcp();
    Packet from_openssl = from_libsrtp;
    ASSERT_EQ(libsrtp->protect_rtcp(from_libsrtp.buffer.data(), from_libsrtp.length, kBufferBytes), SrtpResult::ok);
    ASSERT_EQ(openssl->protect_rtcp(from_openssl.buffer.data(), from_openssl.length, kBufferBytes), SrtpResult::ok);
    EXPECT_EQ(from_openssl.bytes(), from_libsrtp.bytes()) << "SRTCP packet " << i;
  }
}

TEST_P(SrtpBackendOutputTest, OldSequenceNumberRejectedByBothSenders) {
  const SrtpProfile profile = GetParam();
  for (SrtpBackend backend : {SrtpBackend::libsrtp, SrtpBackend::openssl}) {
    auto sender = create_srtp_session(profile, key_for(profile), SrtpDirection::outbound, backend, nullptr);
    ASSERT_NE(sender, nullptr);
    Packet first = make_rtp(5000);
    ASSERT_EQ(sender->protect_rtp(first.buffer.data(), first.length, kBufferBytes), SrtpResult::ok);
    Packet newest = make_rtp(static_cast<uint16_t>(5000 + SrtpSession::kReplayWindowPackets));
    ASSERT_EQ(sender->protect_rtp(newest.buffer.data(), newest.length, kBufferBytes), SrtpResult::ok);

    Packet old = make_rtp(5000);
    EXPECT_EQ(sender->protect_rtp(old.buffer.data(), old.length, kBufferBytes), SrtpResult::replay_old)
        << to_string(backend);
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpBackendOutputTest,
                         ::testing::Values(SrtpProfile::aead_aes_128_gcm, SrtpProfile::aead_aes_256_gcm),
                         [](const ::testing::TestParamInfo<SrtpProfile>& param_info) {
                           return param_info.param == SrtpProfile::aead_aes_256_gcm ? "Gcm256" : "Gcm128";
                         });

TEST(SrtpBackend, DefaultIsOpensslForAeadOnly) {
  EXPECT_EQ(default_srtp_backend(SrtpProfile::aes_cm_128_hmac_sha1_80), SrtpBackend::libsrtp);
  EXPECT_EQ(default_srtp_backend(SrtpProfile::aead_aes_128_gcm), SrtpBackend::openssl);
  EXPECT_EQ(default_srtp_backend(SrtpProfile::aead_aes_256_gcm), SrtpBackend::openssl);
}

TEST(SrtpBackend, EnvironmentSelectsBackend) {
  const std::string variable(kSrtpAeadBackendVariable);
  ASSERT_EQ(setenv(variable.c_str(), "libsrtp", 1), 0);
  auto libsrtp = SrtpSession::create(SrtpProfile::aead_aes_128_gcm, key_for(SrtpProfile::aead_aes_128_gcm),
                                     SrtpDirection::inbound, nullptr);
  ASSERT_EQ(setenv(variable.c_str(), "no-such-backend", 1), 0);
  const SrtpBackend with_invalid_value = default_srtp_backend(SrtpProfile::aead_aes_128_gcm);
  ASSERT_EQ(unsetenv(variable.c_str()), 0);
  auto openssl = SrtpSession::create(SrtpProfile::aead_aes_128_gcm, key_for(SrtpProfile::aead_aes_128_gcm),
                                     SrtpDirection::inbound, nullptr);

  ASSERT_NE(libsrtp, nullptr);
  ASSERT_NE(openssl, nullptr);
  EXPECT_EQ(backend_of(*libsrtp), SrtpBackend::libsrtp);
  EXPECT_EQ(backend_of(*openssl), SrtpBackend::openssl);
  EXPECT_EQ(with_invalid_value, SrtpBackend::openssl);
}

TEST(SrtpBackend, OpensslRejectsCmProfile) {
  std::string error;
  EXPECT_EQ(create_srtp_session(SrtpProfile::aes_cm_128_hmac_sha1_80, key_for(SrtpProfile::aes_cm_128_hmac_sha1_80),
                                SrtpDirection::inbound, SrtpBackend::openssl, &error),
            nullptr);
  EXPECT_NE(error.find("only the AEAD profiles"), std::string::npos) << error;
}

TEST(SrtpBackend, Names) {
  EXPECT_EQ(to_string(SrtpBackend::openssl), "openssl");
  EXPECT_EQ(to_string(SrtpBackend::libsrtp), "libsrtp");
  EXPECT_EQ(parse_srtp_backend("libsrtp"), SrtpBackend::libsrtp);
  EXPECT_EQ(parse_srtp_backend("OpenSSL"), std::nullopt);
}

}  // namespace
}  // namespace sightline::crypto

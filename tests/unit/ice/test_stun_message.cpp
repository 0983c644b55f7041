// STUN parsing, MESSAGE-INTEGRITY and FINGERPRINT against the RFC 5769 test
// vectors, malformed messages, and build-parse round trips.
#include "relay/ice/stun_message.h"

#include <gtest/gtest.h>

#include <vector>

#include "relay/ice/stun_builder.h"
#include "relay/ice/stun_integrity.h"
#include "tests/unit/ice/rfc5769_vectors.h"

namespace sightline::ice {
namespace {

constexpr StunTransactionId kRfcTransactionId = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                                 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};
constexpr StunTransactionId kTransactionId = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

// A STUN message of type `type` with the given attribute bytes, which must
// already be padded; the header length is set from them.
std::vector<uint8_t> message_with(uint16_t type, const std::vector<uint8_t>& attributes) {
  std::vector<uint8_t> bytes(kStunHeaderBytes + attributes.size());
  store_be16(&bytes[0], type);
  store_be16(&bytes[2], static_cast<uint16_t>(attributes.size()));
  store_be32(&bytes[4], kStunMagicCookie);
  std::copy(kTransactionId.begin(), kTransactionId.end(), bytes.begin() + 8);
  std::copy(attributes.begin(), attributes.end(), bytes.begin() + kStunHeaderBytes);
  return bytes;
}

SocketAddress address(const char* ip, uint16_t port) { return *SocketAddress::parse(ip, port); }

TEST(StunRfc5769, SampleRequest) {
  StunMessage message;
  ASSERT_EQ(parse_stun(rfc5769::kRequest, message), StunParseError::ok);
  EXPECT_TRUE(message.is_binding_request());
  EXPECT_EQ(message.transaction_id, kRfcTransactionId);
  ASSERT_TRUE(message.username.has_value());
  EXPECT_EQ(*message.username, rfc5769::kUsername);
  ASSERT_TRUE(message.priority.has_value());
  EXPECT_EQ(*message.priority, 0x6e0001ffu);
  EXPECT_TRUE(message.ice_controlled);
  EXPECT_FALSE(message.ice_controlling);
  EXPECT_EQ(message.tiebreaker, 0x932ff9b151263b36u);
  EXPECT_FALSE(message.use_candidate);
  ASSERT_TRUE(message.integrity_offset.has_value());
  EXPECT_EQ(*message.integrity_offset, 76u);
  EXPECT_TRUE(message.has_fingerprint);
  EXPECT_EQ(message.unknown_required_attribute, 0);
  EXPECT_TRUE(verify_message_integrity(rfc5769::kRequest, message, rfc5769::kPassword));
  EXPECT_FALSE(verify_message_integrity(rfc5769::kRequest, message, "VOkJxbRl1RmTxUk/WvJxBu"));
}

TEST(StunRfc5769, Ipv4Response) {
  StunMessage message;
  ASSERT_EQ(parse_stun(rfc5769::kIpv4Response, message), StunParseError::ok);
  EXPECT_EQ(message.method, kStunMethodBinding);
  EXPECT_EQ(message.message_class, StunClass::success_response);
  EXPECT_EQ(message.transaction_id, kRfcTransactionId);
  ASSERT_TRUE(message.xor_mapped_address.has_value());
  EXPECT_EQ(*message.xor_mapped_address, address("192.0.2.1", 32853));
  EXPECT_TRUE(message.has_fingerprint);
  EXPECT_TRUE(verify_message_integrity(rfc5769::kIpv4Response, message, rfc5769::kPassword));
}

TEST(StunRfc5769, Ipv6Response) {
  StunMessage message;
  ASSERT_EQ(parse_stun(rfc5769::kIpv6Response, message), StunParseError::ok);
  EXPECT_EQ(message.message_class, StunClass::success_response);
  ASSERT_TRUE(message.xor_mapped_address.has_value());
  EXPECT_EQ(*message.xor_mapped_address, address("2001:db8:1234:5678:11:2233:4455:6677", 32853));
  EXPECT_TRUE(message.has_fingerprint);
  EXPECT_TRUE(verify_message_integrity(rfc5769::kIpv6Response, message, rfc5769::kPassword));
}

TEST(StunRfc5769, FingerprintValues) {
  // The CRC covers everything before the FINGERPRINT attribute.
  EXPECT_EQ(stun_fingerprint(ByteView(rfc5769::kRequest).first(100)), 0xe57a3bcfu);
  EXPECT_EQ(stun_fingerprint(ByteView(rfc5769::kIpv4Response).first(72)), 0xc07d4c96u);
  EXPECT_EQ(stun_fingerprint(ByteView(rfc5769::kIpv6Response).first(84)), 0xc8fb0b4cu);
}

TEST(StunRfc5769, CorruptedByteFailsFingerprint) {
  auto bytes = rfc5769::kRequest;
  bytes[30] ^= 0x01;  // inside SOFTWARE
  StunMessage message;
  EXPECT_EQ(parse_stun(bytes, message), StunParseError::fingerprint_mismatch);
}

TEST(StunMalformed, PriorityLengthZeroLast) {
  const auto bytes = message_with(0x0001, {0x00, 0x24, 0x00, 0x00});
  StunMessage message;
  EXPECT_EQ(parse_stun(bytes, message), StunParseError::attribute_bad_length);
}

TEST(StunMalformed, MessageIntegrityLengthFour) {
  const auto bytes = message_with(0x0001, {0x00, 0x08, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef});
  StunMessage message;
  EXPECT_EQ(parse_stun(bytes, message), StunParseError::attribute_bad_length);
}

TEST(StunMalformed, FingerprintLengthZero) {
  const auto bytes = message_with(0x0001, {0x80, 0x28, 0x00, 0x00});
  StunMessage message;
  EXPECT_EQ(parse_stun(bytes, message), StunParseError::attribute_bad_length);
}

TEST(StunMalformed, OtherBadLengths) {
  StunMessage message;
  // USE-CANDIDATE with a value.
  EXPECT_EQ(parse_stun(message_with(0x0001, {0x00, 0x25, 0x00, 0x04, 0, 0, 0, 0}), message),
            StunParseError::attribute_bad_length);
  // ICE-CONTROLLING with 4 bytes.
  EXPECT_EQ(parse_stun(message_with(0x0001, {0x80, 0x2a, 0x00, 0x04, 0, 0, 0, 1}), message),
            StunParseError::attribute_bad_length);
  // ICE-CONTROLLED with 4 bytes.
  EXPECT_EQ(parse_stun(message_with(0x0001, {0x80, 0x29, 0x00, 0x04, 0, 0, 0, 1}), message),
            StunParseError::attribute_bad_length);
  // XOR-MAPPED-ADDRESS of family IPv4 with 20 bytes.
  std::vector<uint8_t> ipv4_too_long = {0x00, 0x20, 0x00, 0x14, 0x00, 0x01, 0xa1, 0x47};
  ipv4_too_long.resize(24, 0);
  EXPECT_EQ(parse_stun(message_with(0x0101, ipv4_too_long), message), StunParseError::attribute_bad_length);
  // XOR-MAPPED-ADDRESS of family 3.
  EXPECT_EQ(parse_stun(message_with(0x0101, {0x00, 0x20, 0x00, 0x08, 0x00, 0x03, 0xa1, 0x47, 1, 2, 3, 4}),
                       message),
            StunParseError::attribute_bad_value);
  // ERROR-CODE with class 2.
  EXPECT_EQ(parse_stun(message_with(0x0111, {0x00, 0x09, 0x00, 0x04, 0x00, 0x00, 0x02, 0x00}), message),
            StunParseError::attribute_bad_value);
}

TEST(StunMalformed, HeaderErrors) {
  StunMessage message;
  EXPECT_EQ(parse_stun(ByteView(rfc5769::kRequest).first(19), message), StunParseError::too_short);

  auto top_bits = rfc5769::kRequest;
  top_bits[0] |= 0x40;
  EXPECT_EQ(parse_stun(top_bits, message), StunParseError::not_stun);

  auto cookie = rfc5769::kRequest;
  cookie[7] ^= 0x01;
  EXPECT_EQ(parse_stun(cookie, message), StunParseError::not_stun);

  // A datagram longer than the header's length field.
  std::vector<uint8_t> longer(rfc5769::kRequest.begin(), rfc5769::kRequest.end());
  longer.insert(longer.end(), {0, 0, 0, 0});
  EXPECT_EQ(parse_stun(longer, message), StunParseError::length_mismatch);

  // A length that is not a multiple of 4.
  auto odd = message_with(0x0001, {0x00, 0x24, 0x00, 0x04, 0, 0, 0, 1});
  store_be16(&odd[2], 7);
  odd.pop_back();
  EXPECT_EQ(parse_stun(odd, message), StunParseError::length_mismatch);
}

TEST(StunMalformed, AttributeTruncated) {
  // USERNAME has length 9 but the message contains only 8 bytes after its header.
  const auto bytes = message_with(0x0001, {0x00, 0x06, 0x00, 0x09, 'a', 'b', 'c', 'd', ':', 'e', 'f', 'g'});
  StunMessage message;
  EXPECT_EQ(parse_stun(bytes, message), StunParseError::attribute_truncated);
}

TEST(StunMalformed, FingerprintNotLast) {
  std::vector<uint8_t> request(rfc5769::kRequest.begin(), rfc5769::kRequest.end());
  // Append PRIORITY after FINGERPRINT, fix the header length, and recompute
  // FINGERPRINT over the new header so that only its position is wrong.
  request.insert(request.end(), {0x00, 0x24, 0x00, 0x04, 0, 0, 0, 1});
  store_be16(&request[2], static_cast<uint16_t>(request.size() - kStunHeaderBytes));
  store_be32(&request[104], stun_fingerprint(ByteView(request).first(100)));
  StunMessage message;
  EXPECT_EQ(parse_stun(request, message), StunParseError::fingerprint_not_last);
}

TEST(StunParse, AttributesAfterIntegrityIgnored) {
  uint8_t buffer[256];
  const size_t size = build_binding_request(buffer, kTransactionId, "abcd:efgh", "password-of-22-chars--", 7,
                                            true, 42, false);
  ASSERT_GT(size, 0u);
  // Replace FINGERPRINT with USE-CANDIDATE and PRIORITY, which MESSAGE-INTEGRITY
  // does not cover.
  std::vector<uint8_t> bytes(buffer, buffer + size - 8);
  bytes.insert(bytes.end(), {0x00, 0x25, 0x00, 0x00, 0x00, 0x24, 0x00, 0x04, 0, 0, 0, 99});
  store_be16(&bytes[2], static_cast<uint16_t>(bytes.size() - kStunHeaderBytes));

  StunMessage message;
  ASSERT_EQ(parse_stun(bytes, message), StunParseError::ok);
  EXPECT_FALSE(message.use_candidate);
  ASSERT_TRUE(message.priority.has_value());
  EXPECT_EQ(*message.priority, 7u);
  EXPECT_TRUE(verify_message_integrity(bytes, message, "password-of-22-chars--"));
}

TEST(StunParse, UnknownRequiredAttributeRecorded) {
  const auto bytes = message_with(0x0001, {0x80, 0x22, 0x00, 0x01, 'x', 0, 0, 0, 0x00, 0x77, 0x00, 0x00});
  StunMessage message;
  ASSERT_EQ(parse_stun(bytes, message), StunParseError::ok);
  EXPECT_EQ(message.unknown_required_attribute, 0x0077);
  EXPECT_FALSE(verify_message_integrity(bytes, message, "any"));  // no MESSAGE-INTEGRITY
}

TEST(StunRoundTrip, Request) {
  uint8_t buffer[256];
  const size_t size = build_binding_request(buffer, kTransactionId, "relayufr:peerufra", "0123456789abcdefghijkl",
                                            0x6e7fff00, true, 0x0102030405060708u, true);
  ASSERT_GT(size, 0u);
  const ByteView bytes(buffer, size);

  StunMessage message;
  ASSERT_EQ(parse_stun(bytes, message), StunParseError::ok);
  EXPECT_TRUE(message.is_binding_request());
  EXPECT_EQ(message.transaction_id, kTransactionId);
  EXPECT_EQ(message.username, "relayufr:peerufra");
  EXPECT_EQ(message.priority, 0x6e7fff00u);
  EXPECT_TRUE(message.ice_controlling);
  EXPECT_FALSE(message.ice_controlled);
  EXPECT_EQ(message.tiebreaker, 0x0102030405060708u);
  EXPECT_TRUE(message.use_candidate);
  EXPECT_TRUE(message.has_fingerprint);
  EXPECT_TRUE(verify_message_integrity(bytes, message, "0123456789abcdefghijkl"));
  EXPECT_FALSE(verify_message_integrity(bytes, message, "0123456789abcdefghijkL"));
}

TEST(StunRoundTrip, SuccessIpv4AndIpv6) {
  for (const SocketAddress& mapped : {address("203.0.113.7", 61000), address("2001:db8::42", 50000)}) {
    uint8_t buffer[128];
    const size_t size = build_binding_success(buffer, kTransactionId, mapped, "0123456789abcdefghijkl");
    ASSERT_GT(size, 0u) << mapped.to_string();
    StunMessage message;
    ASSERT_EQ(parse_stun(ByteView(buffer, size), message), StunParseError::ok) << mapped.to_string();
    EXPECT_EQ(message.message_class, StunClass::success_response);
    ASSERT_TRUE(message.xor_mapped_address.has_value());
    EXPECT_EQ(*message.xor_mapped_address, mapped);
    EXPECT_TRUE(message.has_fingerprint);
    EXPECT_TRUE(verify_message_integrity(ByteView(buffer, size), message, "0123456789abcdefghijkl"));
  }
}

TEST(StunRoundTrip, ErrorResponse) {
  uint8_t buffer[128];
  const size_t size = build_binding_error(buffer, kTransactionId, 487, "Role Conflict", "0123456789abcdefghijkl");
  ASSERT_GT(size, 0u);
  StunMessage message;
  ASSERT_EQ(parse_stun(ByteView(buffer, size), message), StunParseError::ok);
  EXPECT_EQ(message.message_class, StunClass::error_response);
  EXPECT_EQ(message.error_code, 487);
  EXPECT_EQ(message.error_reason, "Role Conflict");
  EXPECT_TRUE(verify_message_integrity(ByteView(buffer, size), message, "0123456789abcdefghijkl"));

  const size_t unauthenticated = build_binding_error(buffer, kTransactionId, 401, "Unauthorized", "");
  ASSERT_GT(unauthenticated, 0u);
  ASSERT_EQ(parse_stun(ByteView(buffer, unauthenticated), message), StunParseError::ok);
  EXPECT_EQ(message.error_code, 401);
  EXPECT_FALSE(message.integrity_offset.has_value());
  EXPECT_TRUE(message.has_fingerprint);

  EXPECT_EQ(build_binding_error(buffer, kTransactionId, 200, "OK", ""), 0u);
}

TEST(StunBuild, BufferTooSmall) {
  uint8_t buffer[128];
  const size_t size = build_binding_success(buffer, kTransactionId, address("192.0.2.1", 1), "key");
  ASSERT_EQ(size, 20u + 12u + 24u + 8u);
  EXPECT_EQ(build_binding_success(MutableByteView(buffer, size), kTransactionId, address("192.0.2.1", 1), "key"),
            size);
  EXPECT_EQ(build_binding_success(MutableByteView(buffer, size - 1), kTransactionId, address("192.0.2.1", 1), "key"),
            0u);
  EXPECT_EQ(build_binding_success(MutableByteView(buffer, 10), kTransactionId, address("192.0.2.1", 1), "key"), 0u);
}

TEST(StunParse, ErrorNames) {
  EXPECT_STREQ(to_string(StunParseError::attribute_bad_length), "attribute_bad_length");
  EXPECT_STREQ(to_string(StunParseError::fingerprint_mismatch), "fingerprint_mismatch");
  EXPECT_STREQ(to_string(StunClass::error_response), "error_response");
}

}  // namespace
}  // namespace sightline::ice

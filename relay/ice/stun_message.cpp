// STUN message parser (RFC 5389 sections 6 and 15, RFC 8445 section 16.1) and
// the MESSAGE-INTEGRITY check.
#include "relay/ice/stun_message.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>

#include <cstring>

#include "relay/ice/stun_integrity.h"

namespace sightline::ice {

namespace {

constexpr size_t kAttributeHeaderBytes = 4;
constexpr size_t kPriorityBytes = 4;
constexpr size_t kTiebreakerBytes = 8;
constexpr size_t kErrorCodeHeaderBytes = 4;
constexpr size_t kXorAddressIpv4Bytes = 8;
constexpr size_t kXorAddressIpv6Bytes = 20;
constexpr uint8_t kAddressFamilyIpv4 = 0x01;
constexpr uint8_t kAddressFamilyIpv6 = 0x02;
// RFC 5389 section 15.3: USERNAME MUST be less than 513 bytes.
constexpr size_t kMaxUsernameBytes = 512;
// RFC 5389 section 15.6: the reason phrase is at most 763 bytes.
constexpr size_t kMaxErrorReasonBytes = 763;
// Attribute types below this value are comprehension-required (section 15).
constexpr uint16_t kFirstOptionalAttribute = 0x8000;

size_t padded(size_t length) { return (length + 3) & ~size_t{3}; }

// The message type interleaves the class bits C1 C0 with the method bits
// M11..M0 (RFC 5389 section 6):
//
//   0                 1
//   2  3  4 5 6 7 8 9 0 1 2 3 4 5
//  +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
//  |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
//  |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
//  +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
void decode_message_type(uint16_t type, StunMessage& out) {
  const int class_bits = ((type >> 7) & 0x2) | ((type >> 4) & 0x1);
  out.method = static_cast<uint16_t>((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
  out.message_class = static_cast<StunClass>(class_bits);
}

// XOR-MAPPED-ADDRESS (RFC 5389 section 15.2):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |x x x x x x x x|    Family     |         X-Port                |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                X-Address (Variable)
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The port is XORed with the top 16 bits of the magic cookie, an IPv4
// address with the cookie, an IPv6 address with the cookie followed by the
// transaction id.
StunParseError parse_xor_mapped_address(ByteView value, ByteView header, StunMessage& out) {
  if (value.size() < kAttributeHeaderBytes) return StunParseError::attribute_bad_length;
  const uint8_t family = value[1];
  const uint16_t port = load_be16(&value[2]) ^ static_cast<uint16_t>(kStunMagicCookie >> 16);

  if (family == kAddressFamilyIpv4) {
    if (value.size() != kXorAddressIpv4Bytes) return StunParseError::attribute_bad_length;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    const uint32_t ip = load_be32(&value[4]) ^ kStunMagicCookie;
    address.sin_addr.s_addr = htonl(ip);
    out.xor_mapped_address = SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&address));
    return StunParseError::ok;
  }
  if (family == kAddressFamilyIpv6) {
    if (value.size() != kXorAddressIpv6Bytes) return StunParseError::attribute_bad_length;
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_port = htons(port);
    // Bytes 4..19 of the header are the magic cookie and the transaction id.
    for (size_t i = 0; i < 16; ++i) {
      address.sin6_addr.s6_addr[i] = value[4 + i] ^ header[4 + i];
    }
    out.xor_mapped_address = SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&address));
    return StunParseError::ok;
  }
  return StunParseError::attribute_bad_value;
}

// ERROR-CODE (RFC 5389 section 15.6):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           Reserved, should be 0         |Class|     Number    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |      Reason Phrase (variable)                                ..
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
StunParseError parse_error_code(ByteView value, StunMessage& out) {
  if (value.size() < kErrorCodeHeaderBytes || value.size() > kErrorCodeHeaderBytes + kMaxErrorReasonBytes) {
    return StunParseError::attribute_bad_length;
  }
  const int error_class = value[2] & 0x07;
  const int number = value[3];
  if (error_class < 3 || error_class > 6 || number > 99) return StunParseError::attribute_bad_value;
  out.error_code = error_class * 100 + number;
  out.error_reason = std::string_view(reinterpret_cast<const char*>(value.data()) + kErrorCodeHeaderBytes,
                                      value.size() - kErrorCodeHeaderBytes);
  return StunParseError::ok;
}

// Reads one attribute value into `out`. Each known type has a fixed length or
// a bounded one, and a wrong length is rejected rather than read past.
StunParseError parse_attribute(uint16_t type, ByteView value, ByteView header, StunMessage& out) {
  switch (type) {
    case kAttrUsername:
      if (value.size() > kMaxUsernameBytes) return StunParseError::attribute_bad_length;
      if (!out.username) {
        out.username = std::string_view(reinterpret_cast<const char*>(value.data()), value.size());
      }
      return StunParseError::ok;
    case kAttrPriority:
      if (value.size() != kPriorityBytes) return StunParseError::attribute_bad_length;
      if (!out.priority) out.priority = load_be32(value.data());
      return StunParseError::ok;
    case kAttrUseCandidate:
      if (!value.empty()) return StunParseError::attribute_bad_length;
      out.use_candidate = true;
      return StunParseError::ok;
    case kAttrIceControlling:
    case kAttrIceControlled:
      if (value.size() != kTiebreakerBytes) return StunParseError::attribute_bad_length;
      if (!out.ice_controlling && !out.ice_controlled) out.tiebreaker = load_be64(value.data());
      (type == kAttrIceControlling ? out.ice_controlling : out.ice_controlled) = true;
      return StunParseError::ok;
    case kAttrXorMappedAddress:
      if (out.xor_mapped_address) return StunParseError::ok;
      return parse_xor_mapped_address(value, header, out);
    case kAttrErrorCode:
      if (out.error_code != 0) return StunParseError::ok;
      return parse_error_code(value, out);
    default:
      if (type < kFirstOptionalAttribute && type != kAttrMappedAddress && out.unknown_required_attribute == 0) {
        out.unknown_required_attribute = type;
      }
      return StunParseError::ok;
  }
}

// Walks the attributes after the header. MESSAGE-INTEGRITY and FINGERPRINT
// are handled here because their meaning depends on their position.
StunParseError parse_attributes(ByteView datagram, StunMessage& out) {
  const ByteView header = datagram.first(kStunHeaderBytes);
  size_t offset = kStunHeaderBytes;

  while (offset < datagram.size()) {
    if (out.has_fingerprint) return StunParseError::fingerprint_not_last;
    if (datagram.size() - offset < kAttributeHeaderBytes) return StunParseError::attribute_truncated;
    const uint16_t type = load_be16(&datagram[offset]);
    const uint16_t length = load_be16(&datagram[offset + 2]);
    const size_t value_offset = offset + kAttributeHeaderBytes;
    if (datagram.size() - value_offset < padded(length)) return StunParseError::attribute_truncated;
    const ByteView value = datagram.subspan(value_offset, length);

    StunParseError result = StunParseError::ok;
    if (type == kAttrFingerprint) {
      if (length != kStunFingerprintBytes) return StunParseError::attribute_bad_length;
      if (load_be32(value.data()) != stun_fingerprint(datagram.first(offset))) {
        return StunParseError::fingerprint_mismatch;
      }
      out.has_fingerprint = true;
    } else if (type == kAttrMessageIntegrity) {
      if (length != kStunIntegrityBytes) return StunParseError::attribute_bad_length;
      if (!out.integrity_offset) out.integrity_offset = offset;
    } else if (!out.integrity_offset) {
      result = parse_attribute(type, value, header, out);
    }
    // Attributes other than FINGERPRINT after MESSAGE-INTEGRITY are not
    // covered by it, so RFC 5389 section 15.4 requires ignoring them; only their
    // framing is checked.
    if (result != StunParseError::ok) return result;
    offset = value_offset + padded(length);
  }
  return StunParseError::ok;
}

}  // namespace

const char* to_string(StunClass message_class) {
  switch (message_class) {
    case StunClass::request: return "request";
    case StunClass::indication: return "indication";
    case StunClass::success_response: return "success_response";
    case StunClass::error_response: return "error_response";
  }
  return "unknown";
}

const char* to_string(StunParseError error) {
  switch (error) {
    case StunParseError::ok: return "ok";
    case StunParseError::too_short: return "too_short";
    case StunParseError::not_stun: return "not_stun";
    case StunParseError::length_mismatch: return "length_mismatch";
    case StunParseError::attribute_truncated: return "attribute_truncated";
    case StunParseError::attribute_bad_length: return "attribute_bad_length";
    case StunParseError::attribute_bad_value: return "attribute_bad_value";
    case StunParseError::fingerprint_not_last: return "fingerprint_not_last";
    case StunParseError::fingerprint_mismatch: return "fingerprint_mismatch";
  }
  return "unknown";
}

// The STUN header (RFC 5389 section 6):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |0 0|     STUN Message Type     |         Message Length        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         Magic Cookie                          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                                                               |
//  |                     Transaction ID (96 bits)                  |
//  |                                                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// followed by attributes, each a type, a length and a value padded to 4 bytes:
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |         Type                  |            Length             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         Value (variable)                ....
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
StunParseError parse_stun(ByteView datagram, StunMessage& out) {
  out = StunMessage{};
  if (datagram.size() < kStunHeaderBytes) return StunParseError::too_short;
  if ((datagram[0] & 0xC0) != 0 || load_be32(&datagram[4]) != kStunMagicCookie) {
    return StunParseError::not_stun;
  }
  const size_t length = load_be16(&datagram[2]);
  if (length % 4 != 0 || length + kStunHeaderBytes != datagram.size()) {
    return StunParseError::length_mismatch;
  }

  decode_message_type(load_be16(&datagram[0]), out);
  std::memcpy(out.transaction_id.data(), &datagram[8], kStunTransactionIdBytes);
  return parse_attributes(datagram, out);
}

bool verify_message_integrity(ByteView datagram, const StunMessage& message, std::string_view key) {
  if (!message.integrity_offset) return false;
  const size_t offset = *message.integrity_offset;
  if (offset < kStunHeaderBytes || offset + kAttributeHeaderBytes + kStunIntegrityBytes > datagram.size()) {
    return false;
  }

  const auto length_field = static_cast<uint16_t>(offset + kAttributeHeaderBytes + kStunIntegrityBytes -
                                                  kStunHeaderBytes);
  StunIntegrity expected{};
  if (!stun_message_integrity(datagram.first(offset), length_field, key, expected)) return false;
  const uint8_t* received = &datagram[offset + kAttributeHeaderBytes];
  return CRYPTO_memcmp(expected.data(), received, expected.size()) == 0;
}

}  // namespace sightline::ice

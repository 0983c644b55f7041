// STUN message parsing (RFC 5389) with the ICE attributes of RFC 8445, as a
// view over the received datagram, plus MESSAGE-INTEGRITY verification.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "relay/base/bytes.h"
#include "relay/base/socket_address.h"

namespace sightline::ice {

constexpr size_t kStunHeaderBytes = 20;
constexpr size_t kStunTransactionIdBytes = 12;
constexpr uint32_t kStunMagicCookie = 0x2112A442;

// STUN method (RFC 5389 section 18.1) and attribute types (section 18.2,
// RFC 8445 section 16.1).
constexpr uint16_t kStunMethodBinding = 0x001;
constexpr uint16_t kAttrMappedAddress = 0x0001;
constexpr uint16_t kAttrUsername = 0x0006;
constexpr uint16_t kAttrMessageIntegrity = 0x0008;
constexpr uint16_t kAttrErrorCode = 0x0009;
constexpr uint16_t kAttrXorMappedAddress = 0x0020;
constexpr uint16_t kAttrPriority = 0x0024;
constexpr uint16_t kAttrUseCandidate = 0x0025;
constexpr uint16_t kAttrFingerprint = 0x8028;
constexpr uint16_t kAttrIceControlled = 0x8029;
constexpr uint16_t kAttrIceControlling = 0x802A;

using StunTransactionId = std::array<uint8_t, kStunTransactionIdBytes>;

// The class bits C1 C0 of the message type (RFC 5389 section 6).
enum class StunClass { request, indication, success_response, error_response };

const char* to_string(StunClass message_class);

enum class StunParseError {
  ok,
  too_short,             // shorter than the 20-byte header
  not_stun,              // top two bits set or wrong magic cookie
  length_mismatch,       // header length differs from the datagram or is not a multiple of 4
  attribute_truncated,   // an attribute runs past the end of the message
  attribute_bad_length,  // a known attribute has the wrong length for its type
  attribute_bad_value,   // a known attribute has the right length but an invalid value
  fingerprint_not_last,  // an attribute follows FINGERPRINT
  fingerprint_mismatch,  // FINGERPRINT does not match the CRC-32 of the message
};

const char* to_string(StunParseError error);

// A parsed STUN message. Views point into the datagram passed to parse_stun,
// which must outlive this struct. Only the first occurrence of an attribute
// is used (RFC 5389 section 15), and attributes after MESSAGE-INTEGRITY other
// than FINGERPRINT are ignored (RFC 5389 section 15.4).
struct StunMessage {
  uint16_t method = 0;
  StunClass message_class = StunClass::request;
  StunTransactionId transaction_id{};

  std::optional<std::string_view> username;
  std::optional<uint32_t> priority;
  bool use_candidate = false;
  bool ice_controlling = false;
  bool ice_controlled = false;
  // Tie-breaker of ICE-CONTROLLING or ICE-CONTROLLED, whichever came first.
  uint64_t tiebreaker = 0;
  std::optional<SocketAddress> xor_mapped_address;
  // Error code (300..699) and reason phrase of an ERROR-CODE attribute; 0
  // when there is none.
  int error_code = 0;
  std::string_view error_reason;
  // Byte offset of the MESSAGE-INTEGRITY attribute header in the datagram.
  std::optional<size_t> integrity_offset;
  bool has_fingerprint = false;
  // First comprehension-required attribute type (below 0x8000) that this
  // parser does not know, 0 when there is none (RFC 5389 section 7.3.1).
  uint16_t unknown_required_attribute = 0;

  bool is_binding_request() const {
    return method == kStunMethodBinding && message_class == StunClass::request;
  }
};

// Parses and validates one STUN message that fills the whole datagram, and
// checks FINGERPRINT when present (RFC 5389 section 15.5). MESSAGE-INTEGRITY
// needs the key, so verify_message_integrity checks it separately.
StunParseError parse_stun(ByteView datagram, StunMessage& out);

// Checks MESSAGE-INTEGRITY: HMAC-SHA1 keyed with the short-term password over
// the message up to that attribute, with the header length adjusted to end
// after it (RFC 5389 section 15.4). Returns false when the message has no
// MESSAGE-INTEGRITY. The comparison takes constant time.
bool verify_message_integrity(ByteView datagram, const StunMessage& message, std::string_view key);

}  // namespace sightline::ice

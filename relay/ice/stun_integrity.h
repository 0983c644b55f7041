// The two checksums of a STUN message: FINGERPRINT (CRC-32, RFC 5389 section
// 15.5) and MESSAGE-INTEGRITY (HMAC-SHA1, RFC 5389 section 15.4).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "relay/base/bytes.h"

namespace sightline::ice {

constexpr size_t kStunIntegrityBytes = 20;  // SHA-1 output
constexpr size_t kStunFingerprintBytes = 4;
constexpr uint32_t kStunFingerprintXor = 0x5354554E;  // "STUN" in ASCII

using StunIntegrity = std::array<uint8_t, kStunIntegrityBytes>;

// Returns the FINGERPRINT value for the message bytes before the FINGERPRINT
// attribute: the CRC-32 of ISO/IEC 13239 (as in zlib) XORed with 0x5354554E.
uint32_t stun_fingerprint(ByteView message_prefix);

// Computes the MESSAGE-INTEGRITY value over `message_prefix`, the message up
// to the MESSAGE-INTEGRITY attribute header, with the header's length field
// replaced by `length_field` (the length up to the end of MESSAGE-INTEGRITY).
// Returns false when OpenSSL fails, which leaves `out` unspecified.
bool stun_message_integrity(ByteView message_prefix, uint16_t length_field, std::string_view key,
                            StunIntegrity& out);

}  // namespace sightline::ice

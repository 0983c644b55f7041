// The choice of library that protects packets for an SrtpSession.
// SrtpSession::create chooses by itself, and tests and benchmarks pick a
// backend explicitly to compare the two.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "relay/crypto/srtp_session.h"

namespace sightline::crypto {

enum class SrtpBackend { libsrtp, openssl };

// Name of the environment variable that selects the backend of the AEAD
// profiles: "openssl" (the default) or "libsrtp". AES_CM_128_HMAC_SHA1_80
// always uses libsrtp2.
inline constexpr std::string_view kSrtpAeadBackendVariable = "SIGHTLINE_SRTP_AEAD_BACKEND";

std::string_view to_string(SrtpBackend backend);
// Parses "openssl" or "libsrtp"; returns nullopt for anything else.
std::optional<SrtpBackend> parse_srtp_backend(std::string_view text);

// Returns the backend that SrtpSession::create uses for `profile`. An
// invalid SIGHTLINE_SRTP_AEAD_BACKEND value is logged once and ignored.
SrtpBackend default_srtp_backend(SrtpProfile profile);

// Creates a session on the given backend. The OpenSSL backend supports only
// the AEAD profiles; asking it for another profile fails with *error set.
std::unique_ptr<SrtpSession> create_srtp_session(SrtpProfile profile, ByteView key_and_salt, SrtpDirection direction,
                                                 SrtpBackend backend, std::string* error);

SrtpBackend backend_of(const SrtpSession& session);

}  // namespace sightline::crypto

// The OpenSSL DTLS 1.2 context shared by the transports of one certificate,
// and the peer certificate check against the fingerprint from SDP.
#pragma once

#include <openssl/types.h>

#include <string>

namespace sightline::crypto {

// The fingerprint the peer announced in SDP (a=fingerprint, RFC 8122
// section 5). A DtlsTransport attaches it to its SSL object; the
// certificate verify callback compares the peer certificate with it.
struct ExpectedFingerprint {
  std::string algorithm;  // "sha-256", "sha-384" or "sha-512"
  std::string value;      // hex pairs joined by colons, any case
  // Set by the verify callback when it rejects the peer certificate.
  std::string rejection;
};

// Returns the SSL ex_data index under which a transport stores its
// ExpectedFingerprint.
int expected_fingerprint_index();

// Creates a context for DTLS 1.2 only, ECDHE with AES-GCM, a peer
// certificate required on both sides and checked by fingerprint, and the
// use_srtp profiles "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80" (GCM
// preferred). Returns nullptr and sets *error on failure.
SSL_CTX* create_dtls_context(X509* certificate, EVP_PKEY* private_key, std::string* error);

// Drains OpenSSL's error queue of this thread into one line, or returns
// "no OpenSSL error" when it is empty.
std::string openssl_error_string();

}  // namespace sightline::crypto

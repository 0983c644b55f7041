// Self-signed certificates for DTLS-SRTP. Peers authenticate each other by
// the certificate fingerprint carried in SDP (RFC 8122, RFC 5763),
// not by a certificate authority.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace sightline::crypto {

class DtlsCertificate {
 public:
  // Generates a P-256 ECDSA key and a certificate signed with it: random
  // 64-bit serial, valid from one day ago to 30 days ahead, CN "sightline".
  // Returns nullptr (and logs why) if OpenSSL fails.
  static std::shared_ptr<DtlsCertificate> generate_ecdsa();
  // The same with an RSA key of `bits` bits, to test large certificates.
  static std::shared_ptr<DtlsCertificate> generate_rsa(int bits);
  // Loads a PEM certificate and its PEM private key. Returns nullptr (and
  // logs why) if either does not parse or the key does not match.
  static std::shared_ptr<DtlsCertificate> from_pem(std::string_view certificate_pem, std::string_view private_key_pem);

  DtlsCertificate(const DtlsCertificate&) = delete;
  DtlsCertificate& operator=(const DtlsCertificate&) = delete;
  ~DtlsCertificate();

  // SHA-256 fingerprint as in SDP a=fingerprint: upper-case hex pairs
  // joined by colons, "AB:CD:...".
  std::string fingerprint_sha256() const;

  X509* certificate() const { return certificate_; }
  EVP_PKEY* private_key() const { return private_key_; }

  // The DTLS context that every DtlsTransport with this certificate shares,
  // created on first use (thread safe). Returns nullptr if creating it
  // failed; the reason is logged once.
  SSL_CTX* ssl_context() const;

 private:
  DtlsCertificate(X509* certificate, EVP_PKEY* private_key);
  static std::shared_ptr<DtlsCertificate> generate(EVP_PKEY* private_key);

  X509* certificate_;
  EVP_PKEY* private_key_;
  mutable std::once_flag context_once_;
  mutable SSL_CTX* context_ = nullptr;
};

// Computes the fingerprint of `certificate` with the hash named as in SDP
// ("sha-256", "sha-384" or "sha-512", any case). Returns an empty string
// for any other algorithm.
std::string certificate_fingerprint(X509* certificate, std::string_view algorithm);

}  // namespace sightline::crypto

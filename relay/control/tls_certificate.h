// The control server's HTTPS certificate: reading configured PEM files, and a
// self-signed certificate created on the first run and kept in the data directory.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sightline::control {

// A certificate and its private key as PEM text, read from files or generated.
struct TlsCertificate {
  std::string certificate_pem;
  std::string private_key_pem;
  std::string certificate_file;
  std::string private_key_file;
  // SHA-256 of the DER certificate as colon-separated upper-case hex.
  std::string fingerprint_sha256;
  // True when this run created the files.
  bool generated = false;
};

// The result of loading or creating a certificate: error is empty on success.
struct TlsCertificateResult {
  TlsCertificate certificate;
  std::string error;

  bool ok() const { return error.empty(); }
};

// Validity of a generated certificate.
inline constexpr std::chrono::hours kSelfSignedValidity{24 * 365};
// A kept certificate with less validity left than this is replaced.
inline constexpr std::chrono::hours kSelfSignedRenewBefore{24 * 30};

// Reads a configured certificate (chain) file and private key file. The error
// names the file that could not be read or parsed, or states that the key does
// not belong to the certificate.
TlsCertificateResult load_tls_certificate(const std::string& certificate_file, const std::string& private_key_file);

// Returns the certificate kept in directory (certificate.pem and
// private-key.pem), creating the directory and a new self-signed ECDSA P-256
// certificate when none is there, when it expires within kSelfSignedRenewBefore,
// or when it does not cover every name in hosts. The subject is CN=sightline;
// the subject alternative names are localhost, 127.0.0.1, ::1 and hosts (IP
// addresses or DNS names). The key file is written with mode 0600.
TlsCertificateResult load_or_create_self_signed(const std::string& directory, const std::vector<std::string>& hosts);

}  // namespace sightline::control

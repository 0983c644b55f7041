// Generation of self-signed DTLS certificates and their SDP fingerprints.
#include "relay/crypto/dtls_certificate.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cctype>

#include "relay/base/log.h"
#include "relay/crypto/dtls_context.h"

namespace sightline::crypto {

namespace {

constexpr long kValidBeforeNowSeconds = 24L * 60 * 60;   // tolerates clock skew between peers
constexpr long kValidAfterNowSeconds = 30L * 24 * 60 * 60;
constexpr int kSerialBits = 64;
constexpr const char* kCommonName = "sightline";

void log_openssl_failure(std::string_view event) {
  log::error("dtls", event, {{"openssl_error", openssl_error_string()}});
}

bool fill_certificate(X509* certificate, EVP_PKEY* private_key) {
  if (X509_set_version(certificate, X509_VERSION_3) != 1) return false;

  BIGNUM* serial = BN_new();
  const bool serial_ok = serial != nullptr && BN_rand(serial, kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
                         BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(certificate)) != nullptr;
  BN_free(serial);
  if (!serial_ok) return false;

  if (X509_gmtime_adj(X509_getm_notBefore(certificate), -kValidBeforeNowSeconds) == nullptr) return false;
  if (X509_gmtime_adj(X509_getm_notAfter(certificate), kValidAfterNowSeconds) == nullptr) return false;

  // Self-signed: the subject is the issuer.
  X509_NAME* name = X509_get_subject_name(certificate);
  const auto* common_name = reinterpret_cast<const unsigned char*>(kCommonName);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, common_name, -1, -1, 0) != 1) return false;
  if (X509_set_issuer_name(certificate, name) != 1) return false;

  if (X509_set_pubkey(certificate, private_key) != 1) return false;
  return X509_sign(certificate, private_key, EVP_sha256()) > 0;
}

const EVP_MD* digest_for(std::string_view algorithm) {
  std::string lower(algorithm);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "sha-256") return EVP_sha256();
  if (lower == "sha-384") return EVP_sha384();
  if (lower == "sha-512") return EVP_sha512();
  return nullptr;
}

}  // namespace

DtlsCertificate::DtlsCertificate(X509* certificate, EVP_PKEY* private_key)
    : certificate_(certificate), private_key_(private_key) {}

DtlsCertificate::~DtlsCertificate() {
  SSL_CTX_free(context_);
  X509_free(certificate_);
  EVP_PKEY_free(private_key_);
}

std::shared_ptr<DtlsCertificate> DtlsCertificate::generate_ecdsa() {
  EVP_PKEY* private_key = EVP_EC_gen("P-256");
  if (private_key == nullptr) {
    log_openssl_failure("ecdsa_key_generation_failed");
    return nullptr;
  }
  return generate(private_key);
}

std::shared_ptr<DtlsCertificate> DtlsCertificate::generate_rsa(int bits) {
  EVP_PKEY* private_key = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (private_key == nullptr) {
    log_openssl_failure("rsa_key_generation_failed");
    return nullptr;
  }
  return generate(private_key);
}

std::shared_ptr<DtlsCertificate> DtlsCertificate::from_pem(std::string_view certificate_pem,
                                                           std::string_view private_key_pem) {
  BIO* certificate_bio = BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size()));
  BIO* key_bio = BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size()));
  X509* certificate = certificate_bio ? PEM_read_bio_X509(certificate_bio, nullptr, nullptr, nullptr) : nullptr;
  EVP_PKEY* private_key = key_bio ? PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(certificate_bio);
  BIO_free(key_bio);

  if (certificate == nullptr || private_key == nullptr || X509_check_private_key(certificate, private_key) != 1) {
    log_openssl_failure(certificate == nullptr   ? "certificate_pem_invalid"
                        : private_key == nullptr ? "private_key_pem_invalid"
                                                 : "private_key_does_not_match_certificate");
    X509_free(certificate);
    EVP_PKEY_free(private_key);
    return nullptr;
  }
  return std::shared_ptr<DtlsCertificate>(new DtlsCertificate(certificate, private_key));
}

// Takes ownership of `private_key`.
std::shared_ptr<DtlsCertificate> DtlsCertificate::generate(EVP_PKEY* private_key) {
  X509* certificate = X509_new();
  if (certificate == nullptr || !fill_certificate(certificate, private_key)) {
    log_openssl_failure("certificate_generation_failed");
    X509_free(certificate);
    EVP_PKEY_free(private_key);
    return nullptr;
  }
  return std::shared_ptr<DtlsCertificate>(new DtlsCertificate(certificate, private_key));
}

std::string DtlsCertificate::fingerprint_sha256() const { return certificate_fingerprint(certificate_, "sha-256"); }

SSL_CTX* DtlsCertificate::ssl_context() const {
  std::call_once(context_once_, [this] {
    std::string error;
    context_ = create_dtls_context(certificate_, private_key_, &error);
    if (context_ == nullptr) log::error("dtls", "dtls_context_failed", {{"reason", error}});
  });
  return context_;
}

std::string certificate_fingerprint(X509* certificate, std::string_view algorithm) {
  const EVP_MD* digest = digest_for(algorithm);
  if (digest == nullptr || certificate == nullptr) return {};

  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int hash_length = 0;
  if (X509_digest(certificate, digest, hash, &hash_length) != 1) return {};

  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  std::string text;
  text.reserve(hash_length * 3);
  for (unsigned int i = 0; i < hash_length; ++i) {
    if (i > 0) text.push_back(':');
    text.push_back(kHexDigits[hash[i] >> 4]);
    text.push_back(kHexDigits[hash[i] & 0x0F]);
  }
  return text;
}

}  // namespace sightline::crypto

// OpenSSL context setup for WebRTC's DTLS-SRTP and the fingerprint check
// that replaces certificate-authority validation (RFC 5763).
#include "relay/crypto/dtls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cctype>

#include "relay/crypto/dtls_certificate.h"

namespace sightline::crypto {

namespace {

// Forward secrecy with AEAD only; both key types, since a browser may send
// either an ECDSA or an RSA certificate.
constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";
constexpr const char* kGroupList = "X25519:P-256:P-384";
// OpenSSL's names. As server, OpenSSL picks the first entry of this list
// that the client offers, whatever the client's order, so GCM goes first.
// AES-256-GCM comes after AES-128-GCM, so it is chosen only for a client
// that offers it without AES-128-GCM.
constexpr const char* kSrtpProfileList = "SRTP_AEAD_AES_128_GCM:SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80";

bool equal_ignoring_case(const std::string& left, const std::string& right) {
  if (left.size() != right.size()) return false;
  for (size_t i = 0; i < left.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(left[i])) != std::toupper(static_cast<unsigned char>(right[i]))) {
      return false;
    }
  }
  return true;
}

// Replaces chain validation: WebRTC certificates are self-signed, and the
// peer is authenticated by matching its certificate to the SDP fingerprint.
int verify_peer_certificate(X509_STORE_CTX* store, void* /*argument*/) {
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* expected = ssl == nullptr ? nullptr
                                  : static_cast<ExpectedFingerprint*>(SSL_get_ex_data(ssl, expected_fingerprint_index()));
  if (expected == nullptr) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }

  X509* peer = X509_STORE_CTX_get0_cert(store);
  if (expected->value.empty()) {
    expected->rejection = "remote fingerprint is not set";
  } else {
    const std::string actual = certificate_fingerprint(peer, expected->algorithm);
    if (actual.empty()) {
      expected->rejection = "unsupported fingerprint algorithm " + expected->algorithm;
    } else if (!equal_ignoring_case(actual, expected->value)) {
      expected->rejection = "remote certificate " + expected->algorithm + " fingerprint " + actual +
                            " does not match the expected " + expected->value;
    } else {
      return 1;
    }
  }
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

}  // namespace

int expected_fingerprint_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::string openssl_error_string() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "no OpenSSL error" : text;
}

SSL_CTX* create_dtls_context(X509* certificate, EVP_PKEY* private_key, std::string* error) {
  auto fail = [error](SSL_CTX* context, const char* step) -> SSL_CTX* {
    if (error != nullptr) *error = std::string(step) + " failed: " + openssl_error_string();
    SSL_CTX_free(context);
    return nullptr;
  };

  SSL_CTX* context = SSL_CTX_new(DTLS_method());
  if (context == nullptr) return fail(nullptr, "SSL_CTX_new");

  if (SSL_CTX_set_min_proto_version(context, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(context, DTLS1_2_VERSION) != 1) {
    return fail(context, "setting DTLS 1.2 as the only version");
  }
  if (SSL_CTX_use_certificate(context, certificate) != 1) return fail(context, "SSL_CTX_use_certificate");
  if (SSL_CTX_use_PrivateKey(context, private_key) != 1) return fail(context, "SSL_CTX_use_PrivateKey");
  if (SSL_CTX_check_private_key(context) != 1) return fail(context, "SSL_CTX_check_private_key");
  if (SSL_CTX_set_cipher_list(context, kCipherList) != 1) return fail(context, "SSL_CTX_set_cipher_list");
  if (SSL_CTX_set1_groups_list(context, kGroupList) != 1) return fail(context, "SSL_CTX_set1_groups_list");
  // Unlike most of OpenSSL, this returns 0 on success.
  if (SSL_CTX_set_tlsext_use_srtp(context, kSrtpProfileList) != 0) return fail(context, "SSL_CTX_set_tlsext_use_srtp");

  SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(context, verify_peer_certificate, nullptr);

  // Each WebRTC session does a full handshake with fresh keys: no resumption.
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(context, SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU);
  SSL_CTX_set_read_ahead(context, 1);
  return context;
}

}  // namespace sightline::crypto

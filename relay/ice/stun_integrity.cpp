// CRC-32 and HMAC-SHA1 over STUN messages. OpenSSL's EVP_MAC computes the HMAC;
// one context per thread is reused so that a check does not allocate.
#include "relay/ice/stun_integrity.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>

#include "relay/ice/stun_message.h"

namespace sightline::ice {

namespace {

// Reflected CRC-32 polynomial of ISO/IEC 13239 and ITU-T V.42.
constexpr uint32_t kCrc32Polynomial = 0xEDB88320;

constexpr std::array<uint32_t, 256> make_crc32_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t index = 0; index < table.size(); ++index) {
    uint32_t value = index;
    for (int bit = 0; bit < 8; ++bit) {
      value = (value & 1) ? (value >> 1) ^ kCrc32Polynomial : value >> 1;
    }
    table[index] = value;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrc32Table = make_crc32_table();

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacContextDeleter {
  void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};

// Returns this thread's HMAC context, created on first use; nullptr when
// OpenSSL has no HMAC implementation.
EVP_MAC_CTX* hmac_context() {
  static const std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) return nullptr;
  thread_local const std::unique_ptr<EVP_MAC_CTX, MacContextDeleter> context(EVP_MAC_CTX_new(mac.get()));
  return context.get();
}

}  // namespace

uint32_t stun_fingerprint(ByteView message_prefix) {
  uint32_t crc = 0xFFFFFFFF;
  for (const uint8_t byte : message_prefix) {
    crc = kCrc32Table[(crc ^ byte) & 0xFF] ^ (crc >> 8);
  }
  return (crc ^ 0xFFFFFFFF) ^ kStunFingerprintXor;
}

bool stun_message_integrity(ByteView message_prefix, uint16_t length_field, std::string_view key,
                            StunIntegrity& out) {
  if (message_prefix.size() < kStunHeaderBytes) return false;
  EVP_MAC_CTX* context = hmac_context();
  if (context == nullptr) return false;

  char digest_name[] = "SHA1";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  // OpenSSL rejects a null key pointer even with length 0, and an empty
  // password is a valid (if useless) key.
  static const uint8_t kEmptyKey = 0;
  const auto* key_bytes = key.empty() ? &kEmptyKey : reinterpret_cast<const uint8_t*>(key.data());
  if (EVP_MAC_init(context, key_bytes, key.size(), params) != 1) return false;

  // The header as it would read if MESSAGE-INTEGRITY were the last attribute.
  std::array<uint8_t, kStunHeaderBytes> header{};
  std::copy(message_prefix.begin(), message_prefix.begin() + kStunHeaderBytes, header.begin());
  store_be16(&header[2], length_field);

  const ByteView body = message_prefix.subspan(kStunHeaderBytes);
  size_t written = 0;
  if (EVP_MAC_update(context, header.data(), header.size()) != 1) return false;
  if (!body.empty() && EVP_MAC_update(context, body.data(), body.size()) != 1) return false;
  if (EVP_MAC_final(context, out.data(), &written, out.size()) != 1) return false;
  return written == out.size();
}

}  // namespace sightline::ice

// AES-GCM (NIST SP 800-38D) with a key set once and a 12-byte IV per
// message, in place, for SRTP and SRTCP (srtp_aead.h). It calls the cipher
// functions of the OpenSSL provider that EVP would use, because OpenSSL 3.0's
// EVP layer turns each per-message IV and tag call into OSSL_PARAM name
// lookups that cost more than encrypting a 200-byte packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "relay/base/bytes.h"

struct evp_cipher_ctx_st;

namespace sightline::crypto {

class AesGcm {
 public:
  static constexpr size_t kIvBytes = 12;
  static constexpr size_t kTagBytes = 16;

  // The interface each message goes through. `provider` calls the
  // provider's cipher functions directly, and `evp` calls EVP_CipherInit_ex
  // and EVP_CIPHER_CTX_ctrl on every message.
  enum class Path { provider, evp };
  enum class OpenResult { ok, auth_failed, failed };

  // Keys AES-128-GCM (16-byte key) or AES-256-GCM (32-byte key). Takes the
  // provider path when the provider that EVP_CIPHER_fetch picks exposes its
  // cipher functions, and the EVP path otherwise or when `path` is evp.
  // Returns null and sets *error (when not null) on an invalid key length or
  // an OpenSSL failure.
  static std::unique_ptr<AesGcm> create(ByteView key, Path path, std::string* error);
  static std::unique_ptr<AesGcm> create(ByteView key, std::string* error) { return create(key, Path::provider, error); }

  AesGcm(const AesGcm&) = delete;
  AesGcm& operator=(const AesGcm&) = delete;
  // Frees the OpenSSL context, which wipes the key schedule.
  ~AesGcm();

  Path path() const { return functions_ != nullptr ? Path::provider : Path::evp; }

  // Encrypts `text` in place and writes kTagBytes of tag. The AAD is `aad`
  // followed by `aad_tail` (SRTCP puts its index word after the header).
  // Returns false when OpenSSL fails. Each length must be below INT_MAX.
  bool seal(const uint8_t* iv, ByteView aad, ByteView aad_tail, uint8_t* text, size_t text_bytes, uint8_t* tag);
  // Decrypts `text` in place and checks `tag`. On auth_failed the text has
  // been overwritten with garbage.
  OpenResult open(const uint8_t* iv, ByteView aad, ByteView aad_tail, uint8_t* text, size_t text_bytes,
                  const uint8_t* tag);

  // The provider's cipher functions, resolved once per process and key size.
  struct ProviderFunctions;

 private:
  AesGcm() = default;

  bool seal_with_provider(const uint8_t* iv, ByteView aad, ByteView aad_tail, uint8_t* text, size_t text_bytes,
                          uint8_t* tag);
  OpenResult open_with_provider(const uint8_t* iv, ByteView aad, ByteView aad_tail, uint8_t* text,
                                size_t text_bytes, const uint8_t* tag);
  bool seal_with_evp(const uint8_t* iv, ByteView aad, ByteView aad_tail, uint8_t* text, size_t text_bytes,
                     uint8_t* tag);
  OpenResult open_with_evp(const uint8_t* iv, ByteView aad, ByteView aad_tail, uint8_t* text, size_t text_bytes,
                           const uint8_t* tag);

  // Exactly one of the two is in use: functions_ with provider_context_, or
  // evp_context_.
  const ProviderFunctions* functions_ = nullptr;
  void* provider_context_ = nullptr;
  evp_cipher_ctx_st* evp_context_ = nullptr;
};

}  // namespace sightline::crypto

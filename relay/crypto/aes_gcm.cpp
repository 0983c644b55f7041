// AesGcm: AES-GCM over the OpenSSL provider's cipher functions, with the EVP
// interface as the fallback.
//
// OpenSSL 3.0's EVP_CipherInit_ex queries the provider for the IV length on
// each call, and EVP_CIPHER_CTX_ctrl converts each tag request to an OSSL_PARAM
// array. The provider then finds each parameter by strcmp over its names.
// The provider path calls the same provider functions that EVP calls
// (provider-cipher(7)), but passes the IV length itself and the tag in one
// prepared parameter. bench_srtp records the difference.
#include "relay/crypto/aes_gcm.h"

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <strings.h>

#include <string_view>

namespace sightline::crypto {

struct AesGcm::ProviderFunctions {
  // Held for the life of the process, so that the provider stays loaded.
  EVP_CIPHER* cipher = nullptr;
  void* provider_context = nullptr;
  OSSL_FUNC_cipher_newctx_fn* newctx = nullptr;
  OSSL_FUNC_cipher_freectx_fn* freectx = nullptr;
  OSSL_FUNC_cipher_encrypt_init_fn* encrypt_init = nullptr;
  OSSL_FUNC_cipher_decrypt_init_fn* decrypt_init = nullptr;
  OSSL_FUNC_cipher_update_fn* update = nullptr;
  OSSL_FUNC_cipher_final_fn* final = nullptr;
  OSSL_FUNC_cipher_get_ctx_params_fn* get_ctx_params = nullptr;
  OSSL_FUNC_cipher_set_ctx_params_fn* set_ctx_params = nullptr;

  bool complete() const {
    return newctx != nullptr && freectx != nullptr && encrypt_init != nullptr && decrypt_init != nullptr &&
           update != nullptr && final != nullptr && get_ctx_params != nullptr && set_ctx_params != nullptr;
  }
};

namespace {

// True when `name` is one of the colon-separated names of an OSSL_ALGORITHM
// (for example "AES-128-GCM:id-aes128-GCM:2.16.840.1.101.3.4.1.6").
bool names_contain(const char* names, std::string_view name) {
  std::string_view rest(names);
  while (!rest.empty()) {
    const size_t end = rest.find(':');
    const std::string_view candidate = rest.substr(0, end);
    if (candidate.size() == name.size() && strncasecmp(candidate.data(), name.data(), name.size()) == 0) return true;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return false;
}

void copy_function(const OSSL_DISPATCH& entry, AesGcm::ProviderFunctions& functions) {
  switch (entry.function_id) {
    case OSSL_FUNC_CIPHER_NEWCTX: functions.newctx = OSSL_FUNC_cipher_newctx(&entry); break;
    case OSSL_FUNC_CIPHER_FREECTX: functions.freectx = OSSL_FUNC_cipher_freectx(&entry); break;
    case OSSL_FUNC_CIPHER_ENCRYPT_INIT: functions.encrypt_init = OSSL_FUNC_cipher_encrypt_init(&entry); break;
    case OSSL_FUNC_CIPHER_DECRYPT_INIT: functions.decrypt_init = OSSL_FUNC_cipher_decrypt_init(&entry); break;
    case OSSL_FUNC_CIPHER_UPDATE: functions.update = OSSL_FUNC_cipher_update(&entry); break;
    case OSSL_FUNC_CIPHER_FINAL: functions.final = OSSL_FUNC_cipher_final(&entry); break;
    case OSSL_FUNC_CIPHER_GET_CTX_PARAMS: functions.get_ctx_params = OSSL_FUNC_cipher_get_ctx_params(&entry); break;
    case OSSL_FUNC_CIPHER_SET_CTX_PARAMS: functions.set_ctx_params = OSSL_FUNC_cipher_set_ctx_params(&entry); break;
    default: break;
  }
}

// Finds the cipher functions of the provider that EVP_CIPHER_fetch picks for
// `name`. Returns null when that provider does not list them. The result is
// never freed: it lives as long as the process.
const AesGcm::ProviderFunctions* resolve_provider_functions(const char* name) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (cipher == nullptr) return nullptr;
  const OSSL_PROVIDER* provider = EVP_CIPHER_get0_provider(cipher);
  int no_cache = 0;
  const OSSL_ALGORITHM* algorithms =
      provider == nullptr ? nullptr : OSSL_PROVIDER_query_operation(provider, OSSL_OP_CIPHER, &no_cache);
  if (algorithms == nullptr) {
    EVP_CIPHER_free(cipher);
    return nullptr;
  }

  auto* functions = new AesGcm::ProviderFunctions;
  for (const OSSL_ALGORITHM* algorithm = algorithms; algorithm->algorithm_names != nullptr; ++algorithm) {
    if (!names_contain(algorithm->algorithm_names, name)) continue;
    for (const OSSL_DISPATCH* entry = algorithm->implementation; entry->function_id != 0; ++entry) {
      copy_function(*entry, *functions);
    }
    break;
  }
  OSSL_PROVIDER_unquery_operation(provider, OSSL_OP_CIPHER, algorithms);
  if (!functions->complete()) {
    delete functions;
    EVP_CIPHER_free(cipher);
    return nullptr;
  }
  functions->cipher = cipher;
  functions->provider_context = OSSL_PROVIDER_get0_provider_ctx(provider);
  return functions;
}

const AesGcm::ProviderFunctions* provider_functions(size_t key_bytes) {
  static const AesGcm::ProviderFunctions* const aes_128 = resolve_provider_functions("AES-128-GCM");
  static const AesGcm::ProviderFunctions* const aes_256 = resolve_provider_functions("AES-256-GCM");
  return key_bytes == 32 ? aes_256 : aes_128;
}

}  // namespace

std::unique_ptr<AesGcm> AesGcm::create(ByteView key, Path path, std::string* error) {
  auto fail = [error](const char* message) -> std::unique_ptr<AesGcm> {
    if (error != nullptr) *error = message;
    return nullptr;
  };
  if (key.size() != 16 && key.size() != 32) return fail("invalid AES-GCM key length, expected 16 or 32 bytes");

  std::unique_ptr<AesGcm> gcm(new AesGcm);
  const ProviderFunctions* functions = path == Path::provider ? provider_functions(key.size()) : nullptr;
  if (functions != nullptr) {
    gcm->provider_context_ = functions->newctx(functions->provider_context);
    if (gcm->provider_context_ == nullptr) return fail("OpenSSL AES-GCM context allocation failed");
    gcm->functions_ = functions;
    if (functions->encrypt_init(gcm->provider_context_, key.data(), key.size(), nullptr, 0, nullptr) != 1) {
      return fail("OpenSSL AES-GCM key setup failed");
    }
    return gcm;
  }

  gcm->evp_context_ = EVP_CIPHER_CTX_new();
  const EVP_CIPHER* cipher = key.size() == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
  if (gcm->evp_context_ == nullptr ||
      EVP_CipherInit_ex(gcm->evp_context_, cipher, nullptr, key.data(), nullptr, 1) != 1) {
    return fail("OpenSSL AES-GCM context initialization failed");
  }
  return gcm;
}

AesGcm::~AesGcm() {
  // Both free functions wipe the key schedule.
  if (provider_context_ != nullptr) functions_->freectx(provider_context_);
  EVP_CIPHER_CTX_free(evp_context_);
}

bool AesGcm::seal(const uint8_t* iv, ByteView aad, ByteView aad_tail, uint8_t* text, size_t text_bytes,
                  uint8_t* tag) {
  if (functions_ != nullptr) return seal_with_provider(iv, aad, aad_tail, text, text_bytes, tag);
  return seal_with_evp(iv, aad, aad_tail, text, text_bytes, tag);
}

AesGcm::OpenResult AesGcm::open(const uint8_t* iv, ByteView aad, ByteView aad_tail, uint8_t* text,
                                size_t text_bytes, const uint8_t* tag) {
  if (functions_ != nullptr) return open_with_provider(iv, aad, aad_tail, text, text_bytes, tag);
  return open_with_evp(iv, aad, aad_tail, text, text_bytes, tag);
}

bool AesGcm::seal_with_provider(const uint8_t* iv, ByteView aad, ByteView aad_tail, uint8_t* text,
                                size_t text_bytes, uint8_t* tag) {
  const ProviderFunctions& f = *functions_;
  void* context = provider_context_;
  size_t written = 0;
  // With a null key the provider keeps its key schedule and takes the IV.
  if (f.encrypt_init(context, nullptr, 0, iv, kIvBytes, nullptr) != 1) return false;
  // A null output makes the input AAD.
  if (!aad.empty() && f.update(context, nullptr, &written, aad.size(), aad.data(), aad.size()) != 1) return false;
  if (!aad_tail.empty() &&
      f.update(context, nullptr, &written, aad_tail.size(), aad_tail.data(), aad_tail.size()) != 1) {
    return false;
  }
  if (text_bytes > 0 && f.update(context, text, &written, text_bytes, text, text_bytes) != 1) return false;
  // GCM writes nothing at the end, so the buffer only has to be valid.
  uint8_t unused[kTagBytes];
  if (f.final(context, unused, &written, sizeof unused) != 1) return false;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kTagBytes),
                         OSSL_PARAM_construct_end()};
  return f.get_ctx_params(context, params) == 1;
}

AesGcm::OpenResult AesGcm::open_with_provider(const uint8_t* iv, ByteView aad, ByteView aad_tail, uint8_t* text,
                                              size_t text_bytes, const uint8_t* tag) {
  const ProviderFunctions& f = *functions_;
  void* context = provider_context_;
  size_t written = 0;
  if (f.decrypt_init(context, nullptr, 0, iv, kIvBytes, nullptr) != 1) return OpenResult::failed;
  if (!aad.empty() && f.update(context, nullptr, &written, aad.size(), aad.data(), aad.size()) != 1) {
    return OpenResult::failed;
  }
  if (!aad_tail.empty() &&
      f.update(context, nullptr, &written, aad_tail.size(), aad_tail.data(), aad_tail.size()) != 1) {
    return OpenResult::failed;
  }
  if (text_bytes > 0 && f.update(context, text, &written, text_bytes, text, text_bytes) != 1) {
    return OpenResult::failed;
  }
  // The provider copies the tag and does not write through this pointer.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, const_cast<uint8_t*>(tag), kTagBytes),
      OSSL_PARAM_construct_end()};
  if (f.set_ctx_params(context, params) != 1) return OpenResult::failed;
  uint8_t unused[kTagBytes];
  return f.final(context, unused, &written, sizeof unused) == 1 ? OpenResult::ok : OpenResult::auth_failed;
}

bool AesGcm::seal_with_evp(const uint8_t* iv, ByteView aad, ByteView aad_tail, uint8_t* text, size_t text_bytes,
                           uint8_t* tag) {
  EVP_CIPHER_CTX* cipher = evp_context_;
  int written = 0;
  if (EVP_CipherInit_ex(cipher, nullptr, nullptr, nullptr, iv, 1) != 1) return false;
  if (!aad.empty() && EVP_CipherUpdate(cipher, nullptr, &written, aad.data(), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  if (!aad_tail.empty() &&
      EVP_CipherUpdate(cipher, nullptr, &written, aad_tail.data(), static_cast<int>(aad_tail.size())) != 1) {
    return false;
  }
  if (text_bytes > 0 && EVP_CipherUpdate(cipher, text, &written, text, static_cast<int>(text_bytes)) != 1) {
    return false;
  }
  uint8_t unused[kTagBytes];
  if (EVP_CipherFinal_ex(cipher, unused, &written) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagBytes), tag) == 1;
}

AesGcm::OpenResult AesGcm::open_with_evp(const uint8_t* iv, ByteView aad, ByteView aad_tail, uint8_t* text,
                                         size_t text_bytes, const uint8_t* tag) {
  EVP_CIPHER_CTX* cipher = evp_context_;
  int written = 0;
  if (EVP_CipherInit_ex(cipher, nullptr, nullptr, nullptr, iv, 0) != 1) return OpenResult::failed;
  if (!aad.empty() && EVP_CipherUpdate(cipher, nullptr, &written, aad.data(), static_cast<int>(aad.size())) != 1) {
    return OpenResult::failed;
  }
  if (!aad_tail.empty() &&
      EVP_CipherUpdate(cipher, nullptr, &written, aad_tail.data(), static_cast<int>(aad_tail.size())) != 1) {
    return OpenResult::failed;
  }
  if (text_bytes > 0 && EVP_CipherUpdate(cipher, text, &written, text, static_cast<int>(text_bytes)) != 1) {
    return OpenResult::failed;
  }
  // OpenSSL copies the tag and does not write through this pointer.
  if (EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagBytes), const_cast<uint8_t*>(tag)) !=
      1) {
    return OpenResult::failed;
  }
  uint8_t unused[kTagBytes];
  return EVP_CipherFinal_ex(cipher, unused, &written) == 1 ? OpenResult::ok : OpenResult::auth_failed;
}

}  // namespace sightline::crypto

// AesGcm on both of its paths: the RFC 7714 section 16 packets as plain
// AES-GCM messages, agreement between the provider and EVP paths, and
// rejection of altered messages.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "relay/crypto/aes_gcm.h"
#include "tests/support/hex.h"

namespace sightline::crypto {
namespace {

using Path = AesGcm::Path;
using OpenResult = AesGcm::OpenResult;

using test::from_hex;

const std::vector<uint8_t> kKey128 = from_hex("000102030405060708090a0b0c0d0e0f");
const std::vector<uint8_t> kKey256 = from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
// RFC 7714 section 16: the IV of the example packet, (00 00 || SSRC || ROC ||
// SEQ) XOR salt, its 12-byte RTP header as AAD, and its payload.
const std::vector<uint8_t> kIv = from_hex("51753c6580c2726f20718414");
const std::vector<uint8_t> kAad = from_hex("8040f17b 8041f8d3 5501a0b2");
const std::vector<uint8_t> kPlain = from_hex(
    "47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465"
    "73207472 6573");
// Sections 16.1.1 and 16.2.1: cipher text followed by the tag.
const std::vector<uint8_t> kSealed128 = from_hex(
    "f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b"
    "36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce");
const std::vector<uint8_t> kSealed256 = from_hex(
    "32b1de78 a822fe12 ef9f78fa 332e33aa b1801238 9a58e2f3 b50b2a02 76ffae0f"
    "1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13");

std::unique_ptr<AesGcm> make(const std::vector<uint8_t>& key, Path path) {
  std::string error;
  auto gcm = AesGcm::create(key, path, &error);
  EXPECT_NE(gcm, nullptr) << error;
  return gcm;
}

// Seals `plain` and returns cipher text followed by the tag.
std::vector<uint8_t> seal(AesGcm& gcm, ByteView iv, ByteView aad, ByteView aad_tail, std::vector<uint8_t> plain) {
  const size_t text_bytes = plain.size();
  plain.resize(text_bytes + AesGcm::kTagBytes);
  EXPECT_TRUE(gcm.seal(iv.data(), aad, aad_tail, plain.data(), text_bytes, plain.data() + text_bytes));
  return plain;
}

OpenResult open(AesGcm& gcm, ByteView iv, ByteView aad, ByteView aad_tail, std::vector<uint8_t>& sealed) {
  const size_t text_bytes = sealed.size() - AesGcm::kTagBytes;
  const OpenResult result = gcm.open(iv.data(), aad, aad_tail, sealed.data(), text_bytes, sealed.data() + text_bytes);
  if (result == OpenResult::ok) sealed.resize(text_bytes);
  return result;
}

class AesGcmPaths : public ::testing::TestWithParam<Path> {};

TEST(AesGcm, ProviderPathAvailable) {
  // OpenSSL's default provider (checked with 3.0.19) lists its cipher
  // functions. Without them the relay falls back to the slower EVP path.
  EXPECT_EQ(make(kKey128, Path::provider)->path(), Path::provider);
  EXPECT_EQ(make(kKey256, Path::provider)->path(), Path::provider);
  EXPECT_EQ(make(kKey128, Path::evp)->path(), Path::evp);
}

TEST(AesGcm, InvalidKeyLengthRejected) {
  std::string error;
  const std::vector<uint8_t> key(24, 1);
  EXPECT_EQ(AesGcm::create(key, &error), nullptr);
  EXPECT_NE(error.find("key length"), std::string::npos) << error;
}

TEST_P(AesGcmPaths, Rfc7714Aes128Packet) {
  auto gcm = make(kKey128, GetParam());
  ASSERT_NE(gcm, nullptr);
  std::vector<uint8_t> sealed = seal(*gcm, kIv, kAad, {}, kPlain);
  EXPECT_EQ(sealed, kSealed128);
  EXPECT_EQ(open(*gcm, kIv, kAad, {}, sealed), OpenResult::ok);
  EXPECT_EQ(sealed, kPlain);
}

TEST_P(AesGcmPaths, Rfc7714Aes256Packet) {
  auto gcm = make(kKey256, GetParam());
  ASSERT_NE(gcm, nullptr);
  std::vector<uint8_t> sealed = seal(*gcm, kIv, kAad, {}, kPlain);
  EXPECT_EQ(sealed, kSealed256);
  EXPECT_EQ(open(*gcm, kIv, kAad, {}, sealed), OpenResult::ok);
  EXPECT_EQ(sealed, kPlain);
}

TEST_P(AesGcmPaths, AadTailIsPartOfAad) {
  // The AAD split in two gives the same message as the AAD in one piece.
  auto gcm = make(kKey128, GetParam());
  ASSERT_NE(gcm, nullptr);
  const ByteView aad(kAad);
  std::vector<uint8_t> sealed = seal(*gcm, kIv, aad.first(8), aad.subspan(8), kPlain);
  EXPECT_EQ(sealed, kSealed128);
}

TEST_P(AesGcmPaths, AlteredMessagesFail) {
  auto gcm = make(kKey128, GetParam());
  ASSERT_NE(gcm, nullptr);
  std::vector<uint8_t> altered_text = kSealed128;
  altered_text[3] ^= 0x01;
  EXPECT_EQ(open(*gcm, kIv, kAad, {}, altered_text), OpenResult::auth_failed);

  std::vector<uint8_t> altered_tag = kSealed128;
  altered_tag.back() ^= 0x80;
  EXPECT_EQ(open(*gcm, kIv, kAad, {}, altered_tag), OpenResult::auth_failed);

  std::vector<uint8_t> altered_aad = kAad;
  altered_aad[2] ^= 0x01;
  std::vector<uint8_t> sealed = kSealed128;
  EXPECT_EQ(open(*gcm, kIv, altered_aad, {}, sealed), OpenResult::auth_failed);

  std::vector<uint8_t> altered_iv = kIv;
  altered_iv[11] ^= 0x01;
  sealed = kSealed128;
  EXPECT_EQ(open(*gcm, altered_iv, kAad, {}, sealed), OpenResult::auth_failed);

  // A failure leaves the context usable for the next message.
  sealed = kSealed128;
  EXPECT_EQ(open(*gcm, kIv, kAad, {}, sealed), OpenResult::ok);
  EXPECT_EQ(sealed, kPlain);
}

INSTANTIATE_TEST_SUITE_P(BothPaths, AesGcmPaths, ::testing::Values(Path::provider, Path::evp),
                         [](const ::testing::TestParamInfo<Path>& param_info) {
                           return param_info.param == Path::provider ? "provider" : "evp";
                         });

TEST(AesGcm, PathsAgreeOnSampleLengths) {
  for (const std::vector<uint8_t>* key : {&kKey128, &kKey256}) {
    auto provider = make(*key, Path::provider);
    auto evp = make(*key, Path::evp);
    ASSERT_NE(provider, nullptr);
    ASSERT_NE(evp, nullptr);
    for (size_t length : {0, 1, 15, 16, 17, 255, 256, 288, 1000, 1200, 1500}) {
      std::vector<uint8_t> plain(length);
      for (size_t i = 0; i < length; ++i) plain[i] = static_cast<uint8_t>(i * 7 + key->size());
      std::vector<uint8_t> iv = kIv;
      iv[11] = static_cast<uint8_t>(length);

      std::vector<uint8_t> by_provider = seal(*provider, iv, kAad, {}, plain);
      std::vector<uint8_t> by_evp = seal(*evp, iv, kAad, {}, plain);
      EXPECT_EQ(by_provider, by_evp) << "length " << length << ", key bytes " << key->size();

      EXPECT_EQ(open(*evp, iv, kAad, {}, by_provider), OpenResult::ok) << "length " << length;
      EXPECT_EQ(by_provider, plain) << "length " << length;
      EXPECT_EQ(open(*provider, iv, kAad, {}, by_evp), OpenResult::ok) << "length " << length;
      EXPECT_EQ(by_evp, plain) << "length " << length;
    }
  }
}

}  // namespace
}  // namespace sightline::crypto

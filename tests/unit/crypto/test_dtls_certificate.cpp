// DtlsCertificate: generated certificate fields and fingerprint format.
#include <gtest/gtest.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <regex>
#include <string>

#include "relay/crypto/dtls_certificate.h"

namespace sightline::crypto {
namespace {

int days_from_now(const ASN1_TIME* time) {
  int days = 0;
  int seconds = 0;
  EXPECT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, time), 1);
  return days;
}

TEST(DtlsCertificate, EcdsaFields) {
  std::shared_ptr<DtlsCertificate> certificate = DtlsCertificate::generate_ecdsa();
  ASSERT_NE(certificate, nullptr);
  X509* x509 = certificate->certificate();

  EXPECT_EQ(EVP_PKEY_get_base_id(certificate->private_key()), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(certificate->private_key()), 256);
  EXPECT_EQ(X509_check_private_key(x509, certificate->private_key()), 1);

  char common_name[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x509), NID_commonName, common_name, sizeof common_name);
  EXPECT_STREQ(common_name, "sightline");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(x509), X509_get_issuer_name(x509)), 0);

  EXPECT_EQ(days_from_now(X509_get0_notBefore(x509)), -1);
  EXPECT_EQ(days_from_now(X509_get0_notAfter(x509)), 30);
}

TEST(DtlsCertificate, SerialsDiffer) {
  std::shared_ptr<DtlsCertificate> first = DtlsCertificate::generate_ecdsa();
  std::shared_ptr<DtlsCertificate> second = DtlsCertificate::generate_ecdsa();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);

  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(first->certificate()), X509_get0_serialNumber(second->certificate())),
            0);
  EXPECT_NE(first->fingerprint_sha256(), second->fingerprint_sha256());
}

TEST(DtlsCertificate, FingerprintFormat) {
  std::shared_ptr<DtlsCertificate> certificate = DtlsCertificate::generate_ecdsa();
  ASSERT_NE(certificate, nullptr);

  const std::string fingerprint = certificate->fingerprint_sha256();

  EXPECT_TRUE(std::regex_match(fingerprint, std::regex("([0-9A-F]{2}:){31}[0-9A-F]{2}"))) << fingerprint;
  EXPECT_EQ(certificate_fingerprint(certificate->certificate(), "SHA-256"), fingerprint);
  EXPECT_EQ(certificate_fingerprint(certificate->certificate(), "sha-384").size(), 48u * 3 - 1);
  EXPECT_EQ(certificate_fingerprint(certificate->certificate(), "sha-1"), "");
}

TEST(DtlsCertificate, RsaKeySize) {
  std::shared_ptr<DtlsCertificate> certificate = DtlsCertificate::generate_rsa(2048);
  ASSERT_NE(certificate, nullptr);

  EXPECT_EQ(EVP_PKEY_get_base_id(certificate->private_key()), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(certificate->private_key()), 2048);
  EXPECT_NE(certificate->ssl_context(), nullptr);
}

std::string certificate_pem(X509* certificate) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, certificate);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string private_key_pem(EVP_PKEY* private_key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, private_key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

TEST(DtlsCertificate, FromPem) {
  std::shared_ptr<DtlsCertificate> first = DtlsCertificate::generate_ecdsa();
  std::shared_ptr<DtlsCertificate> second = DtlsCertificate::generate_ecdsa();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  const std::string first_certificate = certificate_pem(first->certificate());

  std::shared_ptr<DtlsCertificate> loaded =
      DtlsCertificate::from_pem(first_certificate, private_key_pem(first->private_key()));
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->fingerprint_sha256(), first->fingerprint_sha256());

  EXPECT_EQ(DtlsCertificate::from_pem(first_certificate, private_key_pem(second->private_key())), nullptr);
  EXPECT_EQ(DtlsCertificate::from_pem("not a certificate", private_key_pem(first->private_key())), nullptr);
  EXPECT_EQ(DtlsCertificate::from_pem(first_certificate, "not a key"), nullptr);
}

}  // namespace
}  // namespace sightline::crypto

// Reading, checking and generating the control server's HTTPS certificate with OpenSSL 3.
#include "relay/control/tls_certificate.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "relay/base/log.h"

namespace sightline::control {

namespace {

constexpr std::string_view kComponent = "tls";
constexpr const char* kCommonName = "sightline";
constexpr const char* kCertificateFileName = "certificate.pem";
constexpr const char* kPrivateKeyFileName = "private-key.pem";
// Starts the validity an hour early so that a client clock slightly behind still accepts it.
constexpr long kValidBeforeNowSeconds = 60L * 60;
constexpr int kSerialBits = 127;
constexpr mode_t kPrivateKeyMode = 0600;
constexpr mode_t kCertificateMode = 0644;
constexpr mode_t kDirectoryMode = 0700;
// PEM files larger than this are not certificates or keys this server uses.
constexpr std::uintmax_t kMaxPemFileBytes = 1024 * 1024;
const std::vector<std::string> kDefaultHosts = {"localhost", "127.0.0.1", "::1"};

struct X509Free {
  void operator()(X509* value) const { X509_free(value); }
};
struct KeyFree {
  void operator()(EVP_PKEY* value) const { EVP_PKEY_free(value); }
};
struct BioFree {
  void operator()(BIO* value) const { BIO_free(value); }
};
struct NamesFree {
  void operator()(GENERAL_NAMES* value) const { GENERAL_NAMES_free(value); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// Takes every queued OpenSSL error, so that a later failure does not report an old one.
std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "no OpenSSL error queued" : text;
}

// Reads a whole file; returns false with error naming the file.
bool read_text_file(const std::string& path, std::string_view what, std::string& text, std::string& error) {
  std::error_code size_error;
  const std::uintmax_t size = std::filesystem::file_size(path, size_error);
  if (size_error) {
    error = "cannot read " + std::string(what) + " file \"" + path + "\": " + size_error.message();
    return false;
  }
  if (size > kMaxPemFileBytes) {
    error = std::string(what) + " file \"" + path + "\" is " + std::to_string(size) + " bytes; the limit is " +
            std::to_string(kMaxPemFileBytes);
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + std::string(what) + " file \"" + path + "\": " + std::strerror(errno);
    return false;
  }
  std::ostringstream content;
  content << in.rdbuf();
  text = content.str();
  return true;
}

BioPtr memory_bio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

X509Ptr parse_certificate(const std::string& pem) {
  BioPtr bio = memory_bio(pem);
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

KeyPtr parse_private_key(const std::string& pem) {
  BioPtr bio = memory_bio(pem);
  if (!bio) return nullptr;
  return KeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string fingerprint_of(X509* certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), digest, &length) != 1) return {};
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    if (i > 0) text += ':';
    text += kHex[digest[i] >> 4];
    text += kHex[digest[i] & 0x0F];
  }
  return text;
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return length > 0 ? std::string(data, static_cast<size_t>(length)) : std::string();
}

// True when the certificate's subject alternative names include host as an IP address or DNS name.
bool covers_host(X509* certificate, const std::string& host) {
  if (X509_check_ip_asc(certificate, host.c_str(), 0) == 1) return true;
  return X509_check_host(certificate, host.data(), host.size(), 0, nullptr) == 1;
}

bool add_extension(X509* certificate, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(certificate, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// Adds each host as an iPAddress name when it parses as one, else as a dNSName.
bool add_subject_alternative_names(X509* certificate, const std::vector<std::string>& hosts) {
  std::unique_ptr<GENERAL_NAMES, NamesFree> names(sk_GENERAL_NAME_new_null());
  if (!names) return false;
  for (const std::string& host : hosts) {
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (name == nullptr) return false;
    if (ASN1_OCTET_STRING* address = a2i_IPADDRESS(host.c_str())) {
      GENERAL_NAME_set0_value(name, GEN_IPADD, address);
    } else {
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      if (dns == nullptr || ASN1_STRING_set(dns, host.data(), static_cast<int>(host.size())) != 1) {
        ASN1_IA5STRING_free(dns);
        GENERAL_NAME_free(name);
        return false;
      }
      GENERAL_NAME_set0_value(name, GEN_DNS, dns);
    }
    if (sk_GENERAL_NAME_push(names.get(), name) == 0) {
      GENERAL_NAME_free(name);
      return false;
    }
  }
  return X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

X509Ptr make_self_signed(EVP_PKEY* key, const std::vector<std::string>& hosts) {
  X509Ptr certificate(X509_new());
  if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1) return nullptr;

  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), &BN_free);
  if (!serial || BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get())) == nullptr) {
    return nullptr;
  }
  const long valid_seconds = std::chrono::duration_cast<std::chrono::seconds>(kSelfSignedValidity).count();
  if (X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -kValidBeforeNowSeconds) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(certificate.get()), valid_seconds) == nullptr) {
    return nullptr;
  }

  // Self-signed: the subject is the issuer.
  X509_NAME* name = X509_get_subject_name(certificate.get());
  const auto* common_name = reinterpret_cast<const unsigned char*>(kCommonName);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, common_name, -1, -1, 0) != 1 ||
      X509_set_issuer_name(certificate.get(), name) != 1 || X509_set_pubkey(certificate.get(), key) != 1) {
    return nullptr;
  }

  // Browsers match the host against the subject alternative names, not the
  // common name, so every name a user may type must be listed here.
  if (!add_subject_alternative_names(certificate.get(), hosts) ||
      !add_extension(certificate.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension(certificate.get(), NID_key_usage, "critical,digitalSignature") ||
      !add_extension(certificate.get(), NID_ext_key_usage, "serverAuth")) {
    return nullptr;
  }
  if (X509_sign(certificate.get(), key, EVP_sha256()) <= 0) return nullptr;
  return certificate;
}

// Writes through a temporary file and a rename, so that a crash never leaves half a key behind.
bool write_file(const std::filesystem::path& path, const std::string& text, mode_t mode, std::string& error) {
  const std::string temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    error = "cannot write \"" + temporary + "\": " + std::strerror(errno);
    return false;
  }
  // The mode given to open() is reduced by the umask; the key must be 0600 whatever the umask.
  bool ok = ::fchmod(fd, mode) == 0;
  size_t written = 0;
  while (ok && written < text.size()) {
    const ssize_t count = ::write(fd, text.data() + written, text.size() - written);
    if (count < 0 && errno == EINTR) continue;
    ok = count > 0;
    if (ok) written += static_cast<size_t>(count);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) {
    error = "cannot write \"" + path.string() + "\": " + std::strerror(ok ? errno : saved_errno);
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

// Checks a kept certificate; returns why it must be replaced, or empty when it can be used.
std::string replacement_reason(const TlsCertificate& kept, const std::vector<std::string>& hosts) {
  X509Ptr certificate = parse_certificate(kept.certificate_pem);
  if (!certificate) return "the certificate file is not valid PEM";
  KeyPtr key = parse_private_key(kept.private_key_pem);
  if (!key) return "the private key file is not valid PEM";
  if (X509_check_private_key(certificate.get(), key.get()) != 1) return "the private key does not match";

  const auto renew_at = std::chrono::system_clock::now() + kSelfSignedRenewBefore;
  time_t renew_time = std::chrono::system_clock::to_time_t(renew_at);
  if (X509_cmp_time(X509_get0_notAfter(certificate.get()), &renew_time) <= 0) return "it expires within 30 days";
  for (const std::string& host : hosts) {
    if (!covers_host(certificate.get(), host)) return "it does not cover " + host;
  }
  return {};
}

std::vector<std::string> all_hosts(const std::vector<std::string>& hosts) {
  std::vector<std::string> all = kDefaultHosts;
  for (const std::string& host : hosts) {
    if (!host.empty() && std::find(all.begin(), all.end(), host) == all.end()) all.push_back(host);
  }
  return all;
}

TlsCertificateResult create_self_signed(const std::filesystem::path& directory, const std::vector<std::string>& hosts) {
  TlsCertificateResult result;
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) {
    result.error = "generating the TLS private key failed: " + openssl_errors();
    return result;
  }
  X509Ptr certificate = make_self_signed(key.get(), hosts);
  if (!certificate) {
    result.error = "generating the self-signed TLS certificate failed: " + openssl_errors();
    return result;
  }

  BioPtr certificate_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!certificate_bio || !key_bio || PEM_write_bio_X509(certificate_bio.get(), certificate.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    result.error = "encoding the TLS certificate as PEM failed: " + openssl_errors();
    return result;
  }
  TlsCertificate& out = result.certificate;
  out.certificate_pem = bio_to_string(certificate_bio.get());
  out.private_key_pem = bio_to_string(key_bio.get());
  out.certificate_file = (directory / kCertificateFileName).string();
  out.private_key_file = (directory / kPrivateKeyFileName).string();
  out.fingerprint_sha256 = fingerprint_of(certificate.get());
  out.generated = true;

  // The key first: a certificate without its key would be replaced on the next run anyway.
  if (!write_file(out.private_key_file, out.private_key_pem, kPrivateKeyMode, result.error) ||
      !write_file(out.certificate_file, out.certificate_pem, kCertificateMode, result.error)) {
    return result;
  }
  return result;
}

}  // namespace

TlsCertificateResult load_tls_certificate(const std::string& certificate_file, const std::string& private_key_file) {
  TlsCertificateResult result;
  TlsCertificate& out = result.certificate;
  out.certificate_file = certificate_file;
  out.private_key_file = private_key_file;
  if (!read_text_file(certificate_file, "TLS certificate", out.certificate_pem, result.error)) return result;
  if (!read_text_file(private_key_file, "TLS private key", out.private_key_pem, result.error)) return result;

  X509Ptr certificate = parse_certificate(out.certificate_pem);
  if (!certificate) {
    result.error = "TLS certificate file \"" + certificate_file + "\" holds no PEM certificate: " + openssl_errors();
    return result;
  }
  KeyPtr key = parse_private_key(out.private_key_pem);
  if (!key) {
    result.error = "TLS private key file \"" + private_key_file +
                   "\" holds no unencrypted PEM private key: " + openssl_errors();
    return result;
  }
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    result.error = "TLS private key file \"" + private_key_file + "\" does not match the certificate in \"" +
                   certificate_file + "\"";
    ERR_clear_error();
    return result;
  }
  out.fingerprint_sha256 = fingerprint_of(certificate.get());
  return result;
}

TlsCertificateResult load_or_create_self_signed(const std::string& directory, const std::vector<std::string>& hosts) {
  TlsCertificateResult result;
  const std::filesystem::path folder(directory);
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) {
    result.error = "cannot create the TLS certificate directory \"" + directory + "\": " + error.message();
    return result;
  }
  // The directory contains a private key, so only the relay's user may list it.
  ::chmod(folder.c_str(), kDirectoryMode);

  const std::vector<std::string> names = all_hosts(hosts);
  const std::string certificate_file = (folder / kCertificateFileName).string();
  const std::string private_key_file = (folder / kPrivateKeyFileName).string();
  if (std::filesystem::exists(certificate_file, error) && std::filesystem::exists(private_key_file, error)) {
    TlsCertificateResult kept = load_tls_certificate(certificate_file, private_key_file);
    ERR_clear_error();
    const std::string reason = kept.ok() ? replacement_reason(kept.certificate, names) : kept.error;
    if (reason.empty()) return kept;
    log::warn(kComponent, "replacing_self_signed_certificate", {{"file", certificate_file}, {"reason", reason}});
  }
  return create_self_signed(folder, names);
}

}  // namespace sightline::control

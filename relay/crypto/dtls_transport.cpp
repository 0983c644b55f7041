// DTLS-SRTP handshake driven by datagrams: received datagrams go into one
// memory BIO, records OpenSSL writes to the other are packed into datagrams
// no larger than the MTU, and the SRTP keys are exported on completion.
#include "relay/crypto/dtls_transport.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cctype>
#include <utility>

#include "relay/base/log.h"
#include "relay/crypto/dtls_certificate.h"

namespace sightline::crypto {

namespace {

// RFC 5764 section 4.2: the label for SRTP keying material.
constexpr char kSrtpExporterLabel[] = "EXTRACTOR-dtls_srtp";
// RFC 6347 section 4.1: content type, version, epoch, sequence number, length.
constexpr size_t kDtlsRecordHeaderBytes = 13;
constexpr size_t kDtlsRecordLengthOffset = 11;
// Application data is not used on this transport (no data channels), so reads
// after the handshake only process alerts and retransmitted handshakes.
constexpr size_t kReadBufferBytes = 2048;

const char* openssl_profile_name(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::aead_aes_128_gcm: return "SRTP_AEAD_AES_128_GCM";
    case SrtpProfile::aead_aes_256_gcm: return "SRTP_AEAD_AES_256_GCM";
    case SrtpProfile::aes_cm_128_hmac_sha1_80: return "SRTP_AES128_CM_SHA1_80";
  }
  return "SRTP_AES128_CM_SHA1_80";
}

std::optional<SrtpProfile> profile_from_use_srtp_id(unsigned long id) {
  for (SrtpProfile profile :
       {SrtpProfile::aead_aes_128_gcm, SrtpProfile::aead_aes_256_gcm, SrtpProfile::aes_cm_128_hmac_sha1_80}) {
    if (profile_info(profile).use_srtp_id == id) return profile;
  }
  return std::nullopt;
}

// Returns the size of the DTLS record at the start of `data`, or the whole
// remaining size if the header is cut short (OpenSSL writes whole records,
// so that only happens if its output format changes).
size_t record_size(ByteView data) {
  if (data.size() < kDtlsRecordHeaderBytes) return data.size();
  const size_t size = kDtlsRecordHeaderBytes + load_be16(data.data() + kDtlsRecordLengthOffset);
  return size <= data.size() ? size : data.size();
}

}  // namespace

std::string_view to_string(DtlsRole role) { return role == DtlsRole::client ? "client" : "server"; }

std::string_view to_string(DtlsState state) {
  switch (state) {
    case DtlsState::not_started: return "new";
    case DtlsState::connecting: return "connecting";
    case DtlsState::connected: return "connected";
    case DtlsState::failed: return "failed";
    case DtlsState::closed: return "closed";
  }
  return "failed";
}

DtlsTransport::DtlsTransport(DtlsRole role, std::shared_ptr<DtlsCertificate> certificate, Listener& listener)
    : role_(role), certificate_(std::move(certificate)), listener_(listener) {
  SSL_CTX* context = certificate_ ? certificate_->ssl_context() : nullptr;
  if (context == nullptr) {
    setup_error_ = certificate_ ? "DTLS context could not be created" : "no DTLS certificate";
    return;
  }

  ssl_ = SSL_new(context);
  incoming_ = BIO_new(BIO_s_mem());
  outgoing_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || incoming_ == nullptr || outgoing_ == nullptr) {
    setup_error_ = "creating the SSL object failed: " + openssl_error_string();
    BIO_free(incoming_);
    BIO_free(outgoing_);
    SSL_free(ssl_);
    ssl_ = nullptr;
    incoming_ = outgoing_ = nullptr;
    return;
  }
  // An empty memory BIO reports "retry" instead of end of file, which
  // OpenSSL turns into SSL_ERROR_WANT_READ.
  BIO_set_mem_eof_return(incoming_, -1);
  SSL_set_bio(ssl_, incoming_, outgoing_);
  SSL_set_ex_data(ssl_, expected_fingerprint_index(), &expected_fingerprint_);
  SSL_set_mtu(ssl_, static_cast<long>(mtu_bytes_));
}

DtlsTransport::~DtlsTransport() { SSL_free(ssl_); }

bool DtlsTransport::set_remote_fingerprint(std::string algorithm, std::string value) {
  for (char& c : algorithm) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (algorithm != "sha-256" && algorithm != "sha-384" && algorithm != "sha-512") return false;
  expected_fingerprint_.algorithm = std::move(algorithm);
  expected_fingerprint_.value = std::move(value);
  return true;
}

bool DtlsTransport::set_mtu(size_t mtu_bytes) {
  if (ssl_ == nullptr) return false;
  // SSL_set_mtu returns the MTU it set, or 0 when the value is too small.
  if (SSL_set_mtu(ssl_, static_cast<long>(mtu_bytes)) <= 0) {
    log::warn("dtls", "dtls_mtu_rejected", {{"mtu_bytes", mtu_bytes}, {"kept_mtu_bytes", mtu_bytes_}});
    return false;
  }
  mtu_bytes_ = mtu_bytes;
  return true;
}

bool DtlsTransport::set_srtp_profiles(const std::vector<SrtpProfile>& profiles) {
  if (ssl_ == nullptr || profiles.empty() || state_ != DtlsState::not_started) return false;
  std::string list;
  for (SrtpProfile profile : profiles) {
    if (!list.empty()) list += ':';
    list += openssl_profile_name(profile);
  }
  // Unlike most of OpenSSL, this returns 0 on success.
  return SSL_set_tlsext_use_srtp(ssl_, list.c_str()) == 0;
}

void DtlsTransport::start() {
  if (state_ != DtlsState::not_started) return;
  if (ssl_ == nullptr) {
    fail(setup_error_);
    return;
  }

  state_ = DtlsState::connecting;
  if (role_ == DtlsRole::client) {
    SSL_set_connect_state(ssl_);
    continue_handshake();
  } else {
    SSL_set_accept_state(ssl_);
  }
}

void DtlsTransport::handle_datagram(ByteView datagram) {
  if (state_ == DtlsState::not_started && role_ == DtlsRole::server) start();
  if (state_ != DtlsState::connecting && state_ != DtlsState::connected) return;
  if (datagram.empty()) return;

  // One datagram at a time: OpenSSL reads the BIO as a single datagram, and
  // whatever it rejected is dropped so it cannot merge with the next one.
  BIO_write(incoming_, datagram.data(), static_cast<int>(datagram.size()));
  if (state_ == DtlsState::connecting) {
    continue_handshake();
  } else {
    read_after_handshake();
  }
  if (incoming_ != nullptr) BIO_reset(incoming_);
}

void DtlsTransport::continue_handshake() {
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_);
  send_pending_datagrams();
  if (result == 1) {
    complete_handshake();
    return;
  }

  const int error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return;
  if (error == SSL_ERROR_ZERO_RETURN) {
    state_ = DtlsState::closed;
    log::info("dtls", "dtls_closed_by_peer", {{"role", to_string(role_)}, {"during", "handshake"}});
    listener_.on_dtls_closed();
    return;
  }

  std::string reason = expected_fingerprint_.rejection.empty() ? "DTLS handshake failed"
                                                               : expected_fingerprint_.rejection;
  fail(reason + ": " + openssl_error_string());
}

// After the handshake, OpenSSL still handles records when read: a close_notify
// or other alert, and a retransmitted client Finished. A server replies to
// the latter by sending its last flight again (RFC 6347 section 4.2.4).
void DtlsTransport::read_after_handshake() {
  ERR_clear_error();
  uint8_t buffer[kReadBufferBytes];
  for (;;) {
    const int result = SSL_read(ssl_, buffer, sizeof buffer);
    send_pending_datagrams();
    if (result > 0) continue;  // application data: not used, dropped

    const int error = SSL_get_error(ssl_, result);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return;
    if (error == SSL_ERROR_ZERO_RETURN) {
      state_ = DtlsState::closed;
      log::info("dtls", "dtls_closed_by_peer", {{"role", to_string(role_)}});
      listener_.on_dtls_closed();
      return;
    }
    fail("DTLS read failed: " + openssl_error_string());
    return;
  }
}

void DtlsTransport::complete_handshake() {
  SrtpKeys keys;
  std::string error;
  if (!export_srtp_keys(keys, error)) {
    fail(error);
    return;
  }

  state_ = DtlsState::connected;
  log::info("dtls", "dtls_connected",
            {{"role", to_string(role_)}, {"srtp_profile", to_string(keys.profile)}, {"cipher", SSL_get_cipher(ssl_)}});
  listener_.on_dtls_connected(keys);
  OPENSSL_cleanse(keys.local_key_salt.data(), keys.local_key_salt.size());
  OPENSSL_cleanse(keys.remote_key_salt.data(), keys.remote_key_salt.size());
}

// RFC 5764 section 4.2: the exporter output is client key, server key,
// client salt, server salt. The client protects with the client key and salt.
bool DtlsTransport::export_srtp_keys(SrtpKeys& keys, std::string& error) {
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_);
  if (selected == nullptr) {
    error = "peer negotiated no SRTP profile (use_srtp extension missing)";
    return false;
  }
  const std::optional<SrtpProfile> profile = profile_from_use_srtp_id(selected->id);
  if (!profile) {
    error = "peer negotiated an unsupported SRTP profile " + std::string(selected->name);
    return false;
  }

  const SrtpProfileInfo& info = profile_info(*profile);
  const size_t key_bytes = info.key_bytes;
  const size_t salt_bytes = info.salt_bytes;
  std::vector<uint8_t> material(2 * (key_bytes + salt_bytes));
  if (SSL_export_keying_material(ssl_, material.data(), material.size(), kSrtpExporterLabel,
                                 sizeof kSrtpExporterLabel - 1, nullptr, 0, 0) != 1) {
    error = "exporting SRTP keying material failed: " + openssl_error_string();
    return false;
  }

  const uint8_t* client_key = material.data();
  const uint8_t* server_key = client_key + key_bytes;
  const uint8_t* client_salt = server_key + key_bytes;
  const uint8_t* server_salt = client_salt + salt_bytes;

  std::vector<uint8_t> client_key_salt(client_key, client_key + key_bytes);
  client_key_salt.insert(client_key_salt.end(), client_salt, client_salt + salt_bytes);
  std::vector<uint8_t> server_key_salt(server_key, server_key + key_bytes);
  server_key_salt.insert(server_key_salt.end(), server_salt, server_salt + salt_bytes);
  OPENSSL_cleanse(material.data(), material.size());

  keys.profile = *profile;
  const bool is_client = role_ == DtlsRole::client;
  keys.local_key_salt = is_client ? std::move(client_key_salt) : std::move(server_key_salt);
  keys.remote_key_salt = is_client ? std::move(server_key_salt) : std::move(client_key_salt);
  return true;
}

// Sends what OpenSSL wrote. OpenSSL sizes each record to the MTU but writes a
// whole flight into the memory BIO back to back, so whole records are packed
// into datagrams of at most the MTU.
void DtlsTransport::send_pending_datagrams() {
  char* pending = nullptr;
  const long pending_bytes = BIO_get_mem_data(outgoing_, &pending);
  if (pending_bytes <= 0) return;

  const ByteView output(reinterpret_cast<const uint8_t*>(pending), static_cast<size_t>(pending_bytes));
  size_t datagram_start = 0;
  size_t offset = 0;
  while (offset < output.size()) {
    const size_t size = record_size(output.subspan(offset));
    const bool fits = offset + size - datagram_start <= mtu_bytes_;
    if (!fits && offset > datagram_start) {
      listener_.on_dtls_send(output.subspan(datagram_start, offset - datagram_start));
      datagram_start = offset;
    }
    offset += size;
  }
  if (offset > datagram_start) listener_.on_dtls_send(output.subspan(datagram_start, offset - datagram_start));
  BIO_reset(outgoing_);
}

std::optional<std::chrono::milliseconds> DtlsTransport::time_until_timeout() const {
  if (ssl_ == nullptr || (state_ != DtlsState::connecting && state_ != DtlsState::connected)) return std::nullopt;
  timeval remaining{};
  if (DTLSv1_get_timeout(ssl_, &remaining) != 1) return std::nullopt;
  // Round up, so that a caller sleeping this long finds the timer expired.
  const long long microseconds = static_cast<long long>(remaining.tv_sec) * 1'000'000 + remaining.tv_usec;
  return std::chrono::milliseconds((microseconds + 999) / 1000);
}

void DtlsTransport::handle_timeout() {
  if (ssl_ == nullptr || (state_ != DtlsState::connecting && state_ != DtlsState::connected)) return;
  ERR_clear_error();
  const int result = DTLSv1_handle_timeout(ssl_);
  send_pending_datagrams();
  if (result < 0) fail("DTLS handshake timed out after retransmissions: " + openssl_error_string());
}

void DtlsTransport::close() {
  if (state_ == DtlsState::closed || state_ == DtlsState::failed) return;
  if (state_ == DtlsState::connected) {
    SSL_shutdown(ssl_);
    send_pending_datagrams();
  }
  state_ = DtlsState::closed;
  log::info("dtls", "dtls_closed", {{"role", to_string(role_)}});
}

void DtlsTransport::fail(std::string reason) {
  if (state_ == DtlsState::failed) return;
  state_ = DtlsState::failed;
  log::error("dtls", "dtls_failed", {{"role", to_string(role_)}, {"reason", reason}});
  listener_.on_dtls_failed(reason);
}

}  // namespace sightline::crypto

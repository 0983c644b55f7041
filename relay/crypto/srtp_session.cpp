// SRTP sessions: the choice of backend, and the libsrtp2 backend with its
// policies per profile, in-place protect and unprotect, and recovery of the
// rollover counter for a stream whose first received packet comes after the
// sender's sequence number wrapped. The OpenSSL backend is in srtp_aead.cpp.
#include "relay/crypto/srtp_session.h"

#include <srtp2/srtp.h>
#include <string.h>

#include <arpa/inet.h>

#include <climits>
#include <cstdlib>
#include <mutex>

#include "relay/base/log.h"
#include "relay/crypto/srtp_aead.h"
#include "relay/crypto/srtp_backend.h"

namespace sightline::crypto {

namespace {

constexpr size_t kRtpFixedHeaderBytes = 12;   // RFC 3550 section 5.1
constexpr size_t kRtcpFixedHeaderBytes = 8;   // RFC 3550 section 6.4.1: header and sender SSRC
constexpr size_t kSrtcpIndexBytes = 4;        // RFC 3711 section 3.4: E flag and 31-bit index
constexpr uint16_t kSequenceNumberHalf = 0x8000;

// RFC 5764 section 4.1.2 and RFC 7714 give the names, ids and lengths. The
// AEAD profiles use a 16-byte tag.
constexpr SrtpProfileInfo kAesCm128HmacSha1_80{"SRTP_AES128_CM_HMAC_SHA1_80", 0x0001, 16, 14, 10,
                                               kSrtcpIndexBytes + 10};
constexpr SrtpProfileInfo kAeadAes128Gcm{"SRTP_AEAD_AES_128_GCM", 0x0007, 16, 12, 16, kSrtcpIndexBytes + 16};
constexpr SrtpProfileInfo kAeadAes256Gcm{"SRTP_AEAD_AES_256_GCM", 0x0008, 32, 12, 16, kSrtcpIndexBytes + 16};

bool is_aead(SrtpProfile profile) {
  return profile == SrtpProfile::aead_aes_128_gcm || profile == SrtpProfile::aead_aes_256_gcm;
}

srtp_policy_t make_policy(SrtpProfile profile, SrtpDirection direction, unsigned char* key_and_salt) {
  srtp_policy_t policy{};
  switch (profile) {
    case SrtpProfile::aead_aes_128_gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
      break;
    case SrtpProfile::aead_aes_256_gcm:
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp);
      break;
    case SrtpProfile::aes_cm_128_hmac_sha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      break;
  }
  policy.ssrc.type = direction == SrtpDirection::inbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.key = key_and_salt;
  policy.window_size = SrtpSession::kReplayWindowPackets;
  // The relay serves a NACK by sending the cached packet again with the same
  // sequence number, and so the same keystream over the same payload.
  policy.allow_repeat_tx = direction == SrtpDirection::outbound ? 1 : 0;
  return policy;
}

SrtpResult to_result(srtp_err_status_t status) {
  switch (status) {
    case srtp_err_status_ok: return SrtpResult::ok;
    case srtp_err_status_auth_fail: return SrtpResult::auth_failed;
    case srtp_err_status_replay_old: return SrtpResult::replay_old;
    case srtp_err_status_replay_fail: return SrtpResult::replay_duplicate;
    default: return SrtpResult::other;
  }
}

}  // namespace

const SrtpProfileInfo& profile_info(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::aead_aes_128_gcm: return kAeadAes128Gcm;
    case SrtpProfile::aead_aes_256_gcm: return kAeadAes256Gcm;
    case SrtpProfile::aes_cm_128_hmac_sha1_80: return kAesCm128HmacSha1_80;
  }
  return kAesCm128HmacSha1_80;
}

std::string_view to_string(SrtpProfile profile) { return profile_info(profile).name; }

std::string_view to_string(SrtpResult result) {
  switch (result) {
    case SrtpResult::ok: return "ok";
    case SrtpResult::auth_failed: return "auth_failed";
    case SrtpResult::replay_old: return "replay_old";
    case SrtpResult::replay_duplicate: return "replay_duplicate";
    case SrtpResult::too_short: return "too_short";
    case SrtpResult::no_room: return "no_room";
    case SrtpResult::other: return "other";
  }
  return "other";
}

bool initialize_srtp_library() {
  static std::once_flag once;
  static bool initialized = false;
  std::call_once(once, [] {
    const srtp_err_status_t status = srtp_init();
    initialized = status == srtp_err_status_ok;
    if (!initialized) {
      log::error("srtp", "srtp_init_failed", {{"status", static_cast<int>(status)}});
    }
  });
  return initialized;
}

std::string_view to_string(SrtpBackend backend) { return backend == SrtpBackend::openssl ? "openssl" : "libsrtp"; }

std::optional<SrtpBackend> parse_srtp_backend(std::string_view text) {
  if (text == "openssl") return SrtpBackend::openssl;
  if (text == "libsrtp") return SrtpBackend::libsrtp;
  return std::nullopt;
}

SrtpBackend default_srtp_backend(SrtpProfile profile) {
  if (!is_aead(profile)) return SrtpBackend::libsrtp;
  const char* value = std::getenv(std::string(kSrtpAeadBackendVariable).c_str());
  if (value == nullptr || *value == '\0') return SrtpBackend::openssl;
  const std::optional<SrtpBackend> parsed = parse_srtp_backend(value);
  if (!parsed) {
    static std::once_flag logged;
    std::call_once(logged, [value] {
      log::error("srtp", "srtp_backend_invalid",
                 {{"variable", kSrtpAeadBackendVariable}, {"value", value}, {"expected", "openssl or libsrtp"},
                  {"using", "openssl"}});
    });
    return SrtpBackend::openssl;
  }
  return *parsed;
}

SrtpBackend backend_of(const SrtpSession& session) {
  return session.aead_ != nullptr ? SrtpBackend::openssl : SrtpBackend::libsrtp;
}

std::unique_ptr<SrtpSession> SrtpSession::create(SrtpProfile profile, ByteView key_and_salt, SrtpDirection direction,
                                                 std::string* error) {
  return create_srtp_session(profile, key_and_salt, direction, default_srtp_backend(profile), error);
}

std::unique_ptr<SrtpSession> create_srtp_session(SrtpProfile profile, ByteView key_and_salt, SrtpDirection direction,
                                                 SrtpBackend backend, std::string* error) {
  auto fail = [error, backend](std::string message) -> std::unique_ptr<SrtpSession> {
    log::error("srtp", "srtp_session_create_failed", {{"reason", message}, {"backend", to_string(backend)}});
    if (error != nullptr) *error = std::move(message);
    return nullptr;
  };

  const SrtpProfileInfo& info = profile_info(profile);
  const size_t expected_bytes = info.key_bytes + info.salt_bytes;
  if (key_and_salt.size() != expected_bytes) {
    return fail("invalid key and salt length " + std::to_string(key_and_salt.size()) + " for " +
                std::string(info.name) + ", expected " + std::to_string(expected_bytes));
  }

  if (backend == SrtpBackend::openssl) {
    std::string aead_error;
    std::unique_ptr<AeadSrtpContext> aead =
        AeadSrtpContext::create(profile, key_and_salt, direction == SrtpDirection::outbound, &aead_error);
    if (aead == nullptr) return fail(aead_error);
    return std::unique_ptr<SrtpSession>(new SrtpSession(profile, direction, std::move(aead)));
  }

  if (!initialize_srtp_library()) return fail("libsrtp2 initialization (srtp_init) failed");

  std::vector<uint8_t> key_copy(key_and_salt.begin(), key_and_salt.end());
  srtp_policy_t policy = make_policy(profile, direction, key_copy.data());
  srtp_t session = nullptr;
  const srtp_err_status_t status = srtp_create(&session, &policy);
  if (status != srtp_err_status_ok) {
    explicit_bzero(key_copy.data(), key_copy.size());
    return fail("srtp_create failed with libsrtp2 status " + std::to_string(static_cast<int>(status)));
  }

  auto created = std::unique_ptr<SrtpSession>(new SrtpSession(profile, direction, session, key_copy));
  explicit_bzero(key_copy.data(), key_copy.size());
  return created;
}

SrtpSession::SrtpSession(SrtpProfile profile, SrtpDirection direction, srtp_ctx_t_* session, ByteView key_and_salt)
    : profile_(profile), direction_(direction), session_(session), key_and_salt_(key_and_salt.begin(), key_and_salt.end()) {}

SrtpSession::SrtpSession(SrtpProfile profile, SrtpDirection direction, std::unique_ptr<AeadSrtpContext> aead)
    : profile_(profile), direction_(direction), aead_(std::move(aead)) {}

SrtpSession::SrtpSession(SrtpSession&& other) noexcept
    : profile_(other.profile_),
      direction_(other.direction_),
      session_(other.session_),
      aead_(std::move(other.aead_)),
      key_and_salt_(std::move(other.key_and_salt_)),
      first_packet_copy_(std::move(other.first_packet_copy_)) {
  other.session_ = nullptr;
}

SrtpSession& SrtpSession::operator=(SrtpSession&& other) noexcept {
  if (this != &other) {
    release();
    profile_ = other.profile_;
    direction_ = other.direction_;
    session_ = other.session_;
    aead_ = std::move(other.aead_);
    key_and_salt_ = std::move(other.key_and_salt_);
    first_packet_copy_ = std::move(other.first_packet_copy_);
    other.session_ = nullptr;
  }
  return *this;
}

SrtpSession::~SrtpSession() { release(); }

void SrtpSession::release() {
  if (session_ != nullptr) {
    srtp_dealloc(session_);
    session_ = nullptr;
  }
  aead_.reset();
  if (!key_and_salt_.empty()) explicit_bzero(key_and_salt_.data(), key_and_salt_.size());
  if (!first_packet_copy_.empty()) explicit_bzero(first_packet_copy_.data(), first_packet_copy_.size());
}

SrtpResult SrtpSession::protect_rtp(uint8_t* data, size_t& length, size_t capacity) {
  if (aead_ != nullptr) return aead_->protect_rtp(data, length, capacity);
  if (session_ == nullptr) return SrtpResult::other;
  if (length < kRtpFixedHeaderBytes) return SrtpResult::too_short;
  const size_t overhead = profile_info(profile_).rtp_overhead_bytes;
  if (capacity < length || capacity - length < overhead) return SrtpResult::no_room;
  if (length + overhead > INT_MAX) return SrtpResult::other;

  int srtp_length = static_cast<int>(length);
  const srtp_err_status_t status = srtp_protect(session_, data, &srtp_length);
  if (status != srtp_err_status_ok) return to_result(status);
  length = static_cast<size_t>(srtp_length);
  return SrtpResult::ok;
}

SrtpResult SrtpSession::unprotect_rtp(uint8_t* data, size_t& length) {
  if (aead_ != nullptr) return aead_->unprotect_rtp(data, length);
  if (session_ == nullptr) return SrtpResult::other;
  if (length < kRtpFixedHeaderBytes + profile_info(profile_).rtp_overhead_bytes) return SrtpResult::too_short;
  if (length > INT_MAX) return SrtpResult::other;

  // libsrtp2 assumes rollover counter 0 for the first packet of an SSRC it
  // has not seen (RFC 3711 section 3.3.1 initializes s_l from that packet).
  // When the sender's first packets before a sequence number wrap were lost,
  // the first packet received carries ROC 1 and every later packet fails
  // authentication. Keep a copy of such a packet so that it can be tried
  // again with ROC 1.
  const uint32_t ssrc = load_be32(data + 8);
  const uint16_t sequence_number = load_be16(data + 2);
  uint32_t known_roc = 0;
  const bool first_in_lower_half = sequence_number < kSequenceNumberHalf &&
                                   srtp_get_stream_roc(session_, ssrc, &known_roc) != srtp_err_status_ok;
  if (first_in_lower_half) first_packet_copy_.assign(data, data + length);

  int srtp_length = static_cast<int>(length);
  const srtp_err_status_t status = srtp_unprotect(session_, data, &srtp_length);
  if (status == srtp_err_status_ok) {
    length = static_cast<size_t>(srtp_length);
    return SrtpResult::ok;
  }
  if (status == srtp_err_status_auth_fail && first_in_lower_half) {
    std::memcpy(data, first_packet_copy_.data(), length);
    return unprotect_rtp_after_wrap(data, length, ssrc);
  }
  return to_result(status);
}

// Adds a stream for `ssrc` with rollover counter 1 and tries the packet
// again. libsrtp2 (checked with 2.5.0) then derives the packet index from
// that ROC and keeps tracking it. If the packet still fails, the stream is
// removed, so a forged first packet leaves nothing behind.
// NOTE: each forged packet with a new SSRC and a sequence number below
// 0x8000 costs a second authentication and one stream allocation here.
SrtpResult SrtpSession::unprotect_rtp_after_wrap(uint8_t* data, size_t& length, uint32_t ssrc) {
  srtp_policy_t policy = make_policy(profile_, direction_, key_and_salt_.data());
  policy.ssrc.type = ssrc_specific;
  policy.ssrc.value = ssrc;
  if (srtp_add_stream(session_, &policy) != srtp_err_status_ok) return SrtpResult::auth_failed;
  if (srtp_set_stream_roc(session_, ssrc, 1) != srtp_err_status_ok) {
    srtp_remove_stream(session_, htonl(ssrc));
    return SrtpResult::auth_failed;
  }

  int srtp_length = static_cast<int>(length);
  const srtp_err_status_t status = srtp_unprotect(session_, data, &srtp_length);
  if (status != srtp_err_status_ok) {
    srtp_remove_stream(session_, htonl(ssrc));
    return SrtpResult::auth_failed;
  }
  length = static_cast<size_t>(srtp_length);
  return SrtpResult::ok;
}

SrtpResult SrtpSession::protect_rtcp(uint8_t* data, size_t& length, size_t capacity) {
  if (aead_ != nullptr) return aead_->protect_rtcp(data, length, capacity);
  if (session_ == nullptr) return SrtpResult::other;
  if (length < kRtcpFixedHeaderBytes) return SrtpResult::too_short;
  const size_t overhead = profile_info(profile_).rtcp_overhead_bytes;
  if (capacity < length || capacity - length < overhead) return SrtpResult::no_room;
  if (length + overhead > INT_MAX) return SrtpResult::other;

  int srtp_length = static_cast<int>(length);
  const srtp_err_status_t status = srtp_protect_rtcp(session_, data, &srtp_length);
  if (status != srtp_err_status_ok) return to_result(status);
  length = static_cast<size_t>(srtp_length);
  return SrtpResult::ok;
}

SrtpResult SrtpSession::unprotect_rtcp(uint8_t* data, size_t& length) {
  if (aead_ != nullptr) return aead_->unprotect_rtcp(data, length);
  if (session_ == nullptr) return SrtpResult::other;
  if (length < kRtcpFixedHeaderBytes + profile_info(profile_).rtcp_overhead_bytes) return SrtpResult::too_short;
  if (length > INT_MAX) return SrtpResult::other;

  int srtp_length = static_cast<int>(length);
  const srtp_err_status_t status = srtp_unprotect_rtcp(session_, data, &srtp_length);
  if (status != srtp_err_status_ok) return to_result(status);
  length = static_cast<size_t>(srtp_length);
  return SrtpResult::ok;
}

}  // namespace sightline::crypto

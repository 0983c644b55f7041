// SRTP and SRTCP protection (RFC 3711, RFC 7714). The AEAD profiles run on
// OpenSSL EVP (srtp_aead.h) unless SIGHTLINE_SRTP_AEAD_BACKEND=libsrtp is
// set; AES_CM_128_HMAC_SHA1_80 runs on libsrtp2. srtp_session.cpp is the only
// file in the project that includes the libsrtp2 header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "relay/base/bytes.h"

struct srtp_ctx_t_;

namespace sightline::crypto {

class AeadSrtpContext;
// Defined in srtp_backend.h.
enum class SrtpBackend;

// The SRTP protection profiles that the relay negotiates through DTLS
// use_srtp (RFC 5764 section 4.1.2, RFC 7714 section 14.2).
enum class SrtpProfile { aes_cm_128_hmac_sha1_80, aead_aes_128_gcm, aead_aes_256_gcm };

struct SrtpProfileInfo {
  // Profile name as registered for use_srtp, e.g. "SRTP_AEAD_AES_128_GCM".
  std::string_view name;
  uint16_t use_srtp_id;
  size_t key_bytes;
  size_t salt_bytes;
  // Bytes that protect_rtp appends: the authentication tag.
  size_t rtp_overhead_bytes;
  // Bytes that protect_rtcp appends: E flag with SRTCP index, then the tag.
  size_t rtcp_overhead_bytes;
};

const SrtpProfileInfo& profile_info(SrtpProfile profile);
std::string_view to_string(SrtpProfile profile);

enum class SrtpDirection { inbound, outbound };

enum class SrtpResult { ok, auth_failed, replay_old, replay_duplicate, too_short, no_room, other };
std::string_view to_string(SrtpResult result);

// Calls srtp_init once per process; later calls return the first result.
// Thread safe. SrtpSession::create calls it too.
bool initialize_srtp_library();

// One SRTP session for every SSRC of one direction of one transport: the
// inbound session decrypts whatever the peer sends, the outbound session
// encrypts whatever the relay sends. Not thread safe: one worker owns it.
class SrtpSession {
 public:
  // Replay window in packets for both directions. Browsers retransmit late
  // packets, and the relay re-sends NACKed packets with their original
  // sequence number, so the window must cover a retransmission's age.
  static constexpr unsigned long kReplayWindowPackets = 1024;

  // Returns nullptr and sets *error (when error is not null) if the key
  // length does not match the profile or the backend rejects the key.
  static std::unique_ptr<SrtpSession> create(SrtpProfile profile, ByteView key_and_salt, SrtpDirection direction,
                                             std::string* error);

  SrtpSession(SrtpSession&& other) noexcept;
  SrtpSession& operator=(SrtpSession&& other) noexcept;
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;
  ~SrtpSession();

  // Encrypts an RTP packet in place and appends the authentication tag.
  // `capacity` is the size of the buffer at `data`; on success `length`
  // grows by profile_info(profile()).rtp_overhead_bytes. Returns no_room
  // without touching the buffer when the tag does not fit.
  SrtpResult protect_rtp(uint8_t* data, size_t& length, size_t capacity);
  // Authenticates and decrypts an SRTP packet in place; on success `length`
  // shrinks by the tag length.
  SrtpResult unprotect_rtp(uint8_t* data, size_t& length);
  SrtpResult protect_rtcp(uint8_t* data, size_t& length, size_t capacity);
  SrtpResult unprotect_rtcp(uint8_t* data, size_t& length);

  SrtpProfile profile() const { return profile_; }
  SrtpDirection direction() const { return direction_; }

 private:
  friend std::unique_ptr<SrtpSession> create_srtp_session(SrtpProfile profile, ByteView key_and_salt,
                                                          SrtpDirection direction, SrtpBackend backend,
                                                          std::string* error);
  friend SrtpBackend backend_of(const SrtpSession& session);

  SrtpSession(SrtpProfile profile, SrtpDirection direction, srtp_ctx_t_* session, ByteView key_and_salt);
  SrtpSession(SrtpProfile profile, SrtpDirection direction, std::unique_ptr<AeadSrtpContext> aead);

  SrtpResult unprotect_rtp_after_wrap(uint8_t* data, size_t& length, uint32_t ssrc);
  void release();

  SrtpProfile profile_;
  SrtpDirection direction_;
  // Exactly one of session_ (libsrtp2) and aead_ (OpenSSL) is set until the
  // session is moved from.
  srtp_ctx_t_* session_ = nullptr;
  std::unique_ptr<AeadSrtpContext> aead_;
  // The master key and salt, kept to add a stream with a chosen rollover
  // counter (see unprotect_rtp_after_wrap). Wiped on destruction.
  std::vector<uint8_t> key_and_salt_;
  // Copy of a new stream's first packet, so that it can be tried a second
  // time after a failed first attempt. Grows to the largest such packet.
  std::vector<uint8_t> first_packet_copy_;
};

}  // namespace sightline::crypto

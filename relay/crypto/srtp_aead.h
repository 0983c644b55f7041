// SRTP and SRTCP with AEAD_AES_128_GCM and AEAD_AES_256_GCM (RFC 7714) over
// OpenSSL EVP: session key derivation, per-SSRC rollover counters and replay
// windows, and in-place protect and unprotect. SrtpSession uses it for the
// AEAD profiles; tests reach it directly to feed RFC 7714's session keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "relay/base/bytes.h"
#include "relay/crypto/aes_gcm.h"
#include "relay/crypto/srtp_session.h"

namespace sightline::crypto {

// RFC 3711 section 4.3.3 key derivation labels.
enum class SrtpKeyLabel : uint8_t {
  rtp_encryption = 0x00,
  rtp_authentication = 0x01,
  rtp_salt = 0x02,
  rtcp_encryption = 0x03,
  rtcp_authentication = 0x04,
  rtcp_salt = 0x05,
};

// Writes output.size() bytes of the AES-CM key derivation function (RFC 3711
// section 4.3.1 and 4.3.3) with key derivation rate 0. The master key is 16
// or 32 bytes (AES-128 or AES-256). The master salt is 14 bytes, or 12 bytes
// for the AEAD profiles: a 12-byte salt is padded with two zero bytes on the
// right, as libsrtp2 2.5 does (the tests check interoperation with it).
// Returns false if a length is invalid or OpenSSL fails.
bool derive_srtp_key(ByteView master_key, ByteView master_salt, SrtpKeyLabel label, std::span<uint8_t> output);

// A sliding window of the last SrtpSession::kReplayWindowPackets packet
// indexes (RFC 3711 section 3.3.2), as a ring of bits keyed by index.
class ReplayWindow {
 public:
  static constexpr uint64_t kPackets = SrtpSession::kReplayWindowPackets;

  bool empty() const { return empty_; }
  uint64_t highest() const { return highest_; }
  // Returns ok, replay_old (older than the window) or replay_duplicate.
  SrtpResult check(uint64_t index) const;
  // Records a packet that check() accepted and that authenticated.
  void add(uint64_t index);

 private:
  bool test_bit(uint64_t index) const { return (bits_[(index % kPackets) / 64] >> (index % 64)) & 1; }
  void set_bit(uint64_t index) { bits_[(index % kPackets) / 64] |= uint64_t{1} << (index % 64); }
  void clear_bit(uint64_t index) { bits_[(index % kPackets) / 64] &= ~(uint64_t{1} << (index % 64)); }

  bool empty_ = true;
  uint64_t highest_ = 0;
  uint64_t bits_[kPackets / 64] = {};
};

// One SRTP cryptographic context for every SSRC of one direction, keyed for
// one of the AEAD profiles. Not thread safe.
class AeadSrtpContext {
 public:
  static constexpr size_t kTagBytes = 16;
  static constexpr size_t kSaltBytes = 12;

  // Derives the SRTP and SRTCP session keys and salts from the master key and
  // salt. `allow_repeated_protect` lets protect_rtp encrypt a sequence number
  // again (the relay's NACK retransmissions); it does not affect unprotect.
  static std::unique_ptr<AeadSrtpContext> create(SrtpProfile profile, ByteView master_key_and_salt,
                                                 bool allow_repeated_protect, std::string* error);
  // Uses the given session keys and salts without key derivation, for test
  // vectors that state session keys (RFC 7714 sections 16 and 17).
  static std::unique_ptr<AeadSrtpContext> create_with_session_keys(SrtpProfile profile, ByteView rtp_key,
                                                                   ByteView rtp_salt, ByteView rtcp_key,
                                                                   ByteView rtcp_salt, bool allow_repeated_protect,
                                                                   std::string* error);

  AeadSrtpContext(const AeadSrtpContext&) = delete;
  AeadSrtpContext& operator=(const AeadSrtpContext&) = delete;
  ~AeadSrtpContext();

  // Same contracts as the SrtpSession functions of the same names.
  SrtpResult protect_rtp(uint8_t* data, size_t& length, size_t capacity);
  SrtpResult unprotect_rtp(uint8_t* data, size_t& length);
  SrtpResult protect_rtcp(uint8_t* data, size_t& length, size_t capacity);
  SrtpResult unprotect_rtcp(uint8_t* data, size_t& length);

  // Sets the SRTCP index that the next protect_rtcp for `ssrc` uses (a test
  // vector starts at a given index). `index` must be below 2^31.
  void set_next_srtcp_index(uint32_t ssrc, uint32_t index);

 private:
  struct RtpState {
    uint32_t rollover_counter = 0;
    uint16_t highest_sequence_number = 0;
    ReplayWindow window;
  };
  struct RtcpState {
    // The first SRTCP index sent is 1, as libsrtp2 does.
    uint32_t next_index = 1;
    ReplayWindow window;
  };
  // Both directions' state of one SSRC; created when the SSRC's first packet
  // is protected or authenticates.
  struct Stream {
    bool rtp_started = false;
    RtpState rtp;
    RtcpState rtcp;
  };

  AeadSrtpContext(bool allow_repeated_protect);
  bool initialize(SrtpProfile profile, ByteView rtp_key, ByteView rtp_salt, ByteView rtcp_key, ByteView rtcp_salt,
                  std::string* error);

  Stream* find_stream(uint32_t ssrc);
  Stream& find_or_add_stream(uint32_t ssrc);
  SrtpResult decrypt_rtp(uint8_t* data, size_t length, size_t header_bytes, uint32_t ssrc, uint64_t index);

  // Streams by SSRC. A transport carries a handful of SSRCs (audio, video,
  // RTX, simulcast layers), so the first kInlineStreams live in the context
  // itself and are found by a scan over inline_ssrcs_, which shares cache
  // lines with the keys and salts that every packet reads. Further SSRCs go
  // to overflow_streams_. Streams never move and are never removed.
  static constexpr size_t kInlineStreams = 8;

  Stream* find_inline_stream(uint32_t ssrc);

  const bool allow_repeated_protect_;
  std::unique_ptr<AesGcm> rtp_cipher_;
  std::unique_ptr<AesGcm> rtcp_cipher_;
  uint8_t rtp_salt_[kSaltBytes] = {};
  uint8_t rtcp_salt_[kSaltBytes] = {};
  uint32_t last_ssrc_ = 0;
  Stream* last_stream_ = nullptr;
  size_t inline_count_ = 0;
  uint32_t inline_ssrcs_[kInlineStreams] = {};
  Stream inline_streams_[kInlineStreams];
  // Node-based, so a Stream's address stays valid while others are added.
  std::unordered_map<uint32_t, Stream> overflow_streams_;
  // Copy of a new SSRC's first packet, to try it again with rollover counter 1.
  std::vector<uint8_t> first_packet_copy_;
};

}  // namespace sightline::crypto

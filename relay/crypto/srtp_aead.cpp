// AEAD_AES_128_GCM and AEAD_AES_256_GCM for SRTP and SRTCP (RFC 7714) over
// OpenSSL. Each session keeps one AesGcm per key, keyed once, and only sets
// the IV per packet.
#include "relay/crypto/srtp_aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <cstring>

namespace sightline::crypto {

namespace {

constexpr size_t kRtpFixedHeaderBytes = 12;   // RFC 3550 section 5.1
constexpr size_t kRtcpFixedHeaderBytes = 8;   // RFC 3550 section 6.4.1: header and sender SSRC
constexpr size_t kSrtcpIndexBytes = 4;        // RFC 3711 section 3.4: E flag and 31-bit index
constexpr uint32_t kSrtcpEncryptedFlag = 0x80000000u;
constexpr uint32_t kSrtcpMaxIndex = 0x7FFFFFFFu;
constexpr uint16_t kSequenceNumberHalf = 0x8000;
constexpr int64_t kMaxRolloverCounter = 0xFFFFFFFFll;
constexpr size_t kKdfSaltBytes = 14;          // RFC 3711 section 4.3.1: 112-bit master salt
constexpr size_t kKdfLabelOffset = 7;         // key_id = label || r, right-aligned with the salt

static_assert(AeadSrtpContext::kTagBytes == AesGcm::kTagBytes);
static_assert(AeadSrtpContext::kSaltBytes == AesGcm::kIvBytes, "RFC 7714 section 8.1: the IV is as long as the salt");

size_t key_bytes_of(SrtpProfile profile) { return profile == SrtpProfile::aead_aes_256_gcm ? 32 : 16; }

// Returns the length of the RTP header with its CSRCs and header extension
// (the AAD, RFC 7714 section 8.2), or 0 if that header does not fit in
// `length` bytes.
size_t rtp_header_bytes(const uint8_t* data, size_t length) {
  size_t bytes = kRtpFixedHeaderBytes + 4 * size_t{static_cast<uint8_t>(data[0] & 0x0F)};
  if (bytes > length) return 0;
  if ((data[0] & 0x10) != 0) {
    if (bytes + 4 > length) return 0;
    bytes += 4 + 4 * size_t{load_be16(data + bytes + 2)};
    if (bytes > length) return 0;
  }
  return bytes;
}

// RFC 7714 section 8.1: (00 00 || SSRC || ROC || SEQ) XOR salt.
void make_rtp_iv(const uint8_t* salt, uint32_t ssrc, uint64_t index, uint8_t* iv) {
  iv[0] = 0;
  iv[1] = 0;
  store_be32(iv + 2, ssrc);
  store_be32(iv + 6, static_cast<uint32_t>(index >> 16));
  store_be16(iv + 10, static_cast<uint16_t>(index));
  for (size_t i = 0; i < AeadSrtpContext::kSaltBytes; ++i) iv[i] ^= salt[i];
}

// RFC 7714 section 9.1: (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt.
void make_rtcp_iv(const uint8_t* salt, uint32_t ssrc, uint32_t index, uint8_t* iv) {
  iv[0] = 0;
  iv[1] = 0;
  store_be32(iv + 2, ssrc);
  iv[6] = 0;
  iv[7] = 0;
  store_be32(iv + 8, index);
  for (size_t i = 0; i < AeadSrtpContext::kSaltBytes; ++i) iv[i] ^= salt[i];
}

SrtpResult to_srtp_result(AesGcm::OpenResult result) {
  switch (result) {
    case AesGcm::OpenResult::ok: return SrtpResult::ok;
    case AesGcm::OpenResult::auth_failed: return SrtpResult::auth_failed;
    case AesGcm::OpenResult::failed: return SrtpResult::other;
  }
  return SrtpResult::other;
}

// RFC 3711 section 3.3.1 (Appendix A): the rollover counter of the packet
// with `sequence_number`, given the highest sequence number s_l seen so far
// and its counter. While the counter is 0 a guess of -1 is impossible, so
// such a packet counts as ahead with counter 0, as libsrtp2 counts it.
// Returns -1 when the counter would pass 2^32 - 1 (the key must be renewed).
int64_t estimate_rollover_counter(uint32_t rollover_counter, uint16_t highest, uint16_t sequence_number) {
  int64_t estimate = rollover_counter;
  if (highest < kSequenceNumberHalf) {
    if (sequence_number > highest && sequence_number - highest > kSequenceNumberHalf && estimate > 0) --estimate;
  } else if (highest - kSequenceNumberHalf > sequence_number) {
    ++estimate;
  }
  return estimate > kMaxRolloverCounter ? -1 : estimate;
}

}  // namespace

bool derive_srtp_key(ByteView master_key, ByteView master_salt, SrtpKeyLabel label, std::span<uint8_t> output) {
  const EVP_CIPHER* cipher = nullptr;
  if (master_key.size() == 16) cipher = EVP_aes_128_ctr();
  if (master_key.size() == 32) cipher = EVP_aes_256_ctr();
  if (cipher == nullptr || (master_salt.size() != kKdfSaltBytes && master_salt.size() != AeadSrtpContext::kSaltBytes)) {
    return false;
  }
  if (output.size() > INT_MAX) return false;

  // The counter block is (key_id XOR master salt) * 2^16, RFC 3711 section
  // 4.3.3, with r = 0 because the key derivation rate is 0.
  uint8_t counter_block[16] = {};
  std::memcpy(counter_block, master_salt.data(), master_salt.size());
  counter_block[kKdfLabelOffset] ^= static_cast<uint8_t>(label);

  EVP_CIPHER_CTX* context = EVP_CIPHER_CTX_new();
  if (context == nullptr) return false;
  std::memset(output.data(), 0, output.size());
  int written = 0;
  bool ok = EVP_EncryptInit_ex(context, cipher, nullptr, master_key.data(), counter_block) == 1 &&
            EVP_EncryptUpdate(context, output.data(), &written, output.data(), static_cast<int>(output.size())) == 1;
  EVP_CIPHER_CTX_free(context);
  return ok;
}

SrtpResult ReplayWindow::check(uint64_t index) const {
  if (empty_ || index > highest_) return SrtpResult::ok;
  if (highest_ - index >= kPackets) return SrtpResult::replay_old;
  return test_bit(index) ? SrtpResult::replay_duplicate : SrtpResult::ok;
}

void ReplayWindow::add(uint64_t index) {
  if (empty_) {
    empty_ = false;
    highest_ = index;
  } else if (index > highest_) {
    // The ring slots of the skipped indexes held packets now older than the
    // window.
    if (index - highest_ >= kPackets) {
      std::memset(bits_, 0, sizeof bits_);
    } else {
      for (uint64_t skipped = highest_ + 1; skipped < index; ++skipped) clear_bit(skipped);
    }
    highest_ = index;
  }
  set_bit(index);
}

std::unique_ptr<AeadSrtpContext> AeadSrtpContext::create(SrtpProfile profile, ByteView master_key_and_salt,
                                                         bool allow_repeated_protect, std::string* error) {
  auto fail = [error](std::string message) -> std::unique_ptr<AeadSrtpContext> {
    if (error != nullptr) *error = std::move(message);
    return nullptr;
  };
  if (profile != SrtpProfile::aead_aes_128_gcm && profile != SrtpProfile::aead_aes_256_gcm) {
    return fail("the OpenSSL SRTP backend supports only the AEAD profiles, not " + std::string(to_string(profile)));
  }
  const size_t key_bytes = key_bytes_of(profile);
  if (master_key_and_salt.size() != key_bytes + kSaltBytes) {
    return fail("invalid key and salt length " + std::to_string(master_key_and_salt.size()) + " for " +
                std::string(to_string(profile)) + ", expected " + std::to_string(key_bytes + kSaltBytes));
  }

  const ByteView master_key = master_key_and_salt.first(key_bytes);
  const ByteView master_salt = master_key_and_salt.subspan(key_bytes);
  // Keys first, then salts: rtp_key, rtcp_key, rtp_salt, rtcp_salt.
  uint8_t derived[2 * 32 + 2 * kSaltBytes];
  uint8_t* rtp_key = derived;
  uint8_t* rtcp_key = rtp_key + key_bytes;
  uint8_t* rtp_salt = rtcp_key + key_bytes;
  uint8_t* rtcp_salt = rtp_salt + kSaltBytes;
  const bool derived_ok =
      derive_srtp_key(master_key, master_salt, SrtpKeyLabel::rtp_encryption, {rtp_key, key_bytes}) &&
      derive_srtp_key(master_key, master_salt, SrtpKeyLabel::rtcp_encryption, {rtcp_key, key_bytes}) &&
      derive_srtp_key(master_key, master_salt, SrtpKeyLabel::rtp_salt, {rtp_salt, kSaltBytes}) &&
      derive_srtp_key(master_key, master_salt, SrtpKeyLabel::rtcp_salt, {rtcp_salt, kSaltBytes});

  std::unique_ptr<AeadSrtpContext> context;
  std::string initialize_error = "SRTP session key derivation (AES-CM with OpenSSL) failed";
  if (derived_ok) {
    context.reset(new AeadSrtpContext(allow_repeated_protect));
    if (!context->initialize(profile, {rtp_key, key_bytes}, {rtp_salt, kSaltBytes}, {rtcp_key, key_bytes},
                             {rtcp_salt, kSaltBytes}, &initialize_error)) {
      context.reset();
    }
  }
  OPENSSL_cleanse(derived, sizeof derived);
  if (context == nullptr) return fail(initialize_error);
  return context;
}

std::unique_ptr<AeadSrtpContext> AeadSrtpContext::create_with_session_keys(SrtpProfile profile, ByteView rtp_key,
                                                                           ByteView rtp_salt, ByteView rtcp_key,
                                                                           ByteView rtcp_salt,
                                                                           bool allow_repeated_protect,
                                                                           std::string* error) {
  std::unique_ptr<AeadSrtpContext> context(new AeadSrtpContext(allow_repeated_protect));
  if (!context->initialize(profile, rtp_key, rtp_salt, rtcp_key, rtcp_salt, error)) return nullptr;
  return context;
}

AeadSrtpContext::AeadSrtpContext(bool allow_repeated_protect) : allow_repeated_protect_(allow_repeated_protect) {}

AeadSrtpContext::~AeadSrtpContext() {
  // The AesGcm destructors wipe the key schedules.
  OPENSSL_cleanse(rtp_salt_, sizeof rtp_salt_);
  OPENSSL_cleanse(rtcp_salt_, sizeof rtcp_salt_);
}

bool AeadSrtpContext::initialize(SrtpProfile profile, ByteView rtp_key, ByteView rtp_salt, ByteView rtcp_key,
                                 ByteView rtcp_salt, std::string* error) {
  auto fail = [error](std::string message) {
    if (error != nullptr) *error = std::move(message);
    return false;
  };
  if (profile != SrtpProfile::aead_aes_128_gcm && profile != SrtpProfile::aead_aes_256_gcm) {
    return fail("the OpenSSL SRTP backend supports only the AEAD profiles, not " + std::string(to_string(profile)));
  }
  const size_t key_bytes = key_bytes_of(profile);
  if (rtp_key.size() != key_bytes || rtcp_key.size() != key_bytes || rtp_salt.size() != kSaltBytes ||
      rtcp_salt.size() != kSaltBytes) {
    return fail("invalid session key or salt length for " + std::string(to_string(profile)));
  }

  rtp_cipher_ = AesGcm::create(rtp_key, error);
  if (rtp_cipher_ == nullptr) return false;
  rtcp_cipher_ = AesGcm::create(rtcp_key, error);
  if (rtcp_cipher_ == nullptr) return false;
  std::memcpy(rtp_salt_, rtp_salt.data(), kSaltBytes);
  std::memcpy(rtcp_salt_, rtcp_salt.data(), kSaltBytes);
  return true;
}

AeadSrtpContext::Stream* AeadSrtpContext::find_inline_stream(uint32_t ssrc) {
  for (size_t i = 0; i < inline_count_; ++i) {
    if (inline_ssrcs_[i] == ssrc) return &inline_streams_[i];
  }
  return nullptr;
}

AeadSrtpContext::Stream* AeadSrtpContext::find_stream(uint32_t ssrc) {
  if (last_stream_ != nullptr && last_ssrc_ == ssrc) return last_stream_;
  Stream* stream = find_inline_stream(ssrc);
  if (stream == nullptr && !overflow_streams_.empty()) {
    const auto found = overflow_streams_.find(ssrc);
    if (found != overflow_streams_.end()) stream = &found->second;
  }
  if (stream == nullptr) return nullptr;
  last_ssrc_ = ssrc;
  last_stream_ = stream;
  return stream;
}

AeadSrtpContext::Stream& AeadSrtpContext::find_or_add_stream(uint32_t ssrc) {
  if (Stream* stream = find_stream(ssrc)) return *stream;
  Stream* added = nullptr;
  if (inline_count_ < kInlineStreams) {
    inline_ssrcs_[inline_count_] = ssrc;
    added = &inline_streams_[inline_count_];
    ++inline_count_;
  } else {
    added = &overflow_streams_[ssrc];
  }
  last_ssrc_ = ssrc;
  last_stream_ = added;
  return *added;
}

void AeadSrtpContext::set_next_srtcp_index(uint32_t ssrc, uint32_t index) {
  find_or_add_stream(ssrc).rtcp.next_index = index & kSrtcpMaxIndex;
}

SrtpResult AeadSrtpContext::protect_rtp(uint8_t* data, size_t& length, size_t capacity) {
  if (length < kRtpFixedHeaderBytes) return SrtpResult::too_short;
  if (capacity < length || capacity - length < kTagBytes) return SrtpResult::no_room;
  if (length + kTagBytes > INT_MAX) return SrtpResult::other;
  const size_t header_bytes = rtp_header_bytes(data, length);
  if (header_bytes == 0) return SrtpResult::too_short;

  const uint32_t ssrc = load_be32(data + 8);
  const uint16_t sequence_number = load_be16(data + 2);
  RtpState& state = find_or_add_stream(ssrc).rtp;
  uint64_t index = sequence_number;
  if (!state.window.empty()) {
    const int64_t rollover_counter =
        estimate_rollover_counter(state.rollover_counter, state.highest_sequence_number, sequence_number);
    if (rollover_counter < 0) return SrtpResult::other;
    index = (static_cast<uint64_t>(rollover_counter) << 16) | sequence_number;
    // A repeated index is allowed for the relay's retransmissions: the same
    // packet encrypted again with the same IV gives the same bytes.
    const SrtpResult replay = state.window.check(index);
    if (replay == SrtpResult::replay_old) return replay;
    if (replay == SrtpResult::replay_duplicate && !allow_repeated_protect_) return replay;
  }

  uint8_t iv[kSaltBytes];
  make_rtp_iv(rtp_salt_, ssrc, index, iv);
  if (!rtp_cipher_->seal(iv, ByteView(data, header_bytes), {}, data + header_bytes, length - header_bytes,
                         data + length)) {
    return SrtpResult::other;
  }

  if (state.window.empty() || index > state.window.highest()) {
    state.rollover_counter = static_cast<uint32_t>(index >> 16);
    state.highest_sequence_number = sequence_number;
  }
  state.window.add(index);
  length += kTagBytes;
  return SrtpResult::ok;
}

SrtpResult AeadSrtpContext::decrypt_rtp(uint8_t* data, size_t length, size_t header_bytes, uint32_t ssrc,
                                        uint64_t index) {
  uint8_t iv[kSaltBytes];
  make_rtp_iv(rtp_salt_, ssrc, index, iv);
  const size_t payload_bytes = length - kTagBytes - header_bytes;
  return to_srtp_result(rtp_cipher_->open(iv, ByteView(data, header_bytes), {}, data + header_bytes, payload_bytes,
                                          data + length - kTagBytes));
}

SrtpResult AeadSrtpContext::unprotect_rtp(uint8_t* data, size_t& length) {
  if (length < kRtpFixedHeaderBytes + kTagBytes) return SrtpResult::too_short;
  if (length > INT_MAX) return SrtpResult::other;
  const size_t header_bytes = rtp_header_bytes(data, length - kTagBytes);
  if (header_bytes == 0) return SrtpResult::too_short;

  const uint32_t ssrc = load_be32(data + 8);
  const uint16_t sequence_number = load_be16(data + 2);
  Stream* stream = find_stream(ssrc);
  uint64_t index = sequence_number;

  if (stream == nullptr || stream->rtp.window.empty()) {
    // The first packet of an SSRC counts as rollover counter 0 (RFC 3711
    // section 3.3.1 initializes s_l from it). When the sender's first
    // packets before a sequence number wrap were lost, the first packet
    // received carries counter 1 instead, so a packet in the lower half
    // that fails is tried again with counter 1. Nothing is stored for an
    // SSRC until a packet authenticates.
    // NOTE: each forged packet with a new SSRC and a sequence number below
    // 0x8000 costs a copy and a second authentication.
    const bool may_follow_wrap = sequence_number < kSequenceNumberHalf;
    if (may_follow_wrap) first_packet_copy_.assign(data, data + length);
    SrtpResult result = decrypt_rtp(data, length, header_bytes, ssrc, index);
    if (result == SrtpResult::auth_failed && may_follow_wrap) {
      std::memcpy(data, first_packet_copy_.data(), length);
      index = (uint64_t{1} << 16) | sequence_number;
      result = decrypt_rtp(data, length, header_bytes, ssrc, index);
    }
    if (result != SrtpResult::ok) return result;
    if (stream == nullptr) stream = &find_or_add_stream(ssrc);
  } else {
    const int64_t rollover_counter =
        estimate_rollover_counter(stream->rtp.rollover_counter, stream->rtp.highest_sequence_number, sequence_number);
    if (rollover_counter < 0) return SrtpResult::other;
    index = (static_cast<uint64_t>(rollover_counter) << 16) | sequence_number;
    const SrtpResult replay = stream->rtp.window.check(index);
    if (replay != SrtpResult::ok) return replay;
    const SrtpResult result = decrypt_rtp(data, length, header_bytes, ssrc, index);
    if (result != SrtpResult::ok) return result;
  }

  RtpState& state = stream->rtp;
  if (state.window.empty() || index > state.window.highest()) {
    state.rollover_counter = static_cast<uint32_t>(index >> 16);
    state.highest_sequence_number = sequence_number;
  }
  state.window.add(index);
  length -= kTagBytes;
  return SrtpResult::ok;
}

SrtpResult AeadSrtpContext::protect_rtcp(uint8_t* data, size_t& length, size_t capacity) {
  constexpr size_t overhead = kTagBytes + kSrtcpIndexBytes;
  if (length < kRtcpFixedHeaderBytes) return SrtpResult::too_short;
  if (capacity < length || capacity - length < overhead) return SrtpResult::no_room;
  if (length + overhead > INT_MAX) return SrtpResult::other;

  const uint32_t ssrc = load_be32(data + 4);
  RtcpState& state = find_or_add_stream(ssrc).rtcp;
  // The 31-bit index does not wrap (RFC 3711 section 3.4): after 2^31 - 1
  // packets of one SSRC the keys must be renegotiated.
  const uint32_t index = state.next_index;
  if (index > kSrtcpMaxIndex) return SrtpResult::other;

  // RFC 7714 section 9.2: header, cipher (tag included), then the ESRTCP word.
  uint8_t esrtcp_word[kSrtcpIndexBytes];
  store_be32(esrtcp_word, kSrtcpEncryptedFlag | index);
  uint8_t iv[kSaltBytes];
  make_rtcp_iv(rtcp_salt_, ssrc, index, iv);
  if (!rtcp_cipher_->seal(iv, ByteView(data, kRtcpFixedHeaderBytes), ByteView(esrtcp_word, sizeof esrtcp_word),
                          data + kRtcpFixedHeaderBytes, length - kRtcpFixedHeaderBytes, data + length)) {
    return SrtpResult::other;
  }
  std::memcpy(data + length + kTagBytes, esrtcp_word, sizeof esrtcp_word);
  state.next_index = index + 1;
  length += overhead;
  return SrtpResult::ok;
}

SrtpResult AeadSrtpContext::unprotect_rtcp(uint8_t* data, size_t& length) {
  constexpr size_t overhead = kTagBytes + kSrtcpIndexBytes;
  if (length < kRtcpFixedHeaderBytes + overhead) return SrtpResult::too_short;
  if (length > INT_MAX) return SrtpResult::other;

  const uint8_t* esrtcp_word = data + length - kSrtcpIndexBytes;
  const uint8_t* tag = esrtcp_word - kTagBytes;
  const uint32_t word = load_be32(esrtcp_word);
  const bool encrypted = (word & kSrtcpEncryptedFlag) != 0;
  const uint32_t index = word & kSrtcpMaxIndex;
  const uint32_t ssrc = load_be32(data + 4);

  Stream* stream = find_stream(ssrc);
  if (stream != nullptr) {
    const SrtpResult replay = stream->rtcp.window.check(index);
    if (replay != SrtpResult::ok) return replay;
  }

  // With the E flag clear the packet is authenticated only: the whole RTCP
  // packet is AAD and the cipher is the tag alone (RFC 7714 section 9.3).
  const size_t rtcp_bytes = length - overhead;
  const ByteView aad(data, encrypted ? kRtcpFixedHeaderBytes : rtcp_bytes);
  const size_t cipher_bytes = encrypted ? rtcp_bytes - kRtcpFixedHeaderBytes : 0;
  uint8_t iv[kSaltBytes];
  make_rtcp_iv(rtcp_salt_, ssrc, index, iv);
  const SrtpResult result = to_srtp_result(rtcp_cipher_->open(iv, aad, ByteView(esrtcp_word, kSrtcpIndexBytes),
                                                              data + kRtcpFixedHeaderBytes, cipher_bytes, tag));
  if (result != SrtpResult::ok) return result;

  if (stream == nullptr) stream = &find_or_add_stream(ssrc);
  stream->rtcp.window.add(index);
  length = rtcp_bytes;
  return SrtpResult::ok;
}

}  // namespace sightline::crypto

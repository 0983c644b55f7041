// STUN Binding message builders: a bounds-checked writer over the caller's
// buffer, then MESSAGE-INTEGRITY and FINGERPRINT over what was written.
#include "relay/ice/stun_builder.h"

#include <algorithm>
#include <cstring>

#include "relay/ice/stun_integrity.h"

namespace sightline::ice {

namespace {

constexpr size_t kAttributeHeaderBytes = 4;
// Message type values: the Binding method with each class (RFC 5389 section 6).
constexpr uint16_t kBindingRequestType = 0x0001;
constexpr uint16_t kBindingSuccessType = 0x0101;
constexpr uint16_t kBindingErrorType = 0x0111;
constexpr size_t kMaxErrorReasonBytes = 763;
constexpr size_t kMaxUsernameBytes = 512;

// Appends a header and attributes; any write that does not fit marks the
// writer failed and the builder returns 0.
class StunWriter {
 public:
  StunWriter(MutableByteView out, uint16_t type, const StunTransactionId& transaction_id) : out_(out) {
    if (out_.size() < kStunHeaderBytes) {
      failed_ = true;
      return;
    }
    store_be16(&out_[0], type);
    store_be16(&out_[2], 0);
    store_be32(&out_[4], kStunMagicCookie);
    std::memcpy(&out_[8], transaction_id.data(), transaction_id.size());
    size_ = kStunHeaderBytes;
  }

  // Reserves an attribute of `length` value bytes, zeroes its padding and
  // returns a pointer to its value, or nullptr when it does not fit.
  uint8_t* add(uint16_t type, size_t length) {
    const size_t total = kAttributeHeaderBytes + ((length + 3) & ~size_t{3});
    if (failed_ || out_.size() - size_ < total) {
      failed_ = true;
      return nullptr;
    }
    uint8_t* attribute = &out_[size_];
    store_be16(attribute, type);
    store_be16(attribute + 2, static_cast<uint16_t>(length));
    std::fill(attribute + kAttributeHeaderBytes + length, attribute + total, uint8_t{0});
    size_ += total;
    set_length_field(size_);
    return attribute + kAttributeHeaderBytes;
  }

  void add_bytes(uint16_t type, const void* data, size_t length) {
    uint8_t* value = add(type, length);
    if (value != nullptr && length > 0) std::memcpy(value, data, length);
  }

  void add_u32(uint16_t type, uint32_t number) {
    uint8_t* value = add(type, 4);
    if (value != nullptr) store_be32(value, number);
  }

  void add_u64(uint16_t type, uint64_t number) {
    uint8_t* value = add(type, 8);
    if (value != nullptr) store_be64(value, number);
  }

  // MESSAGE-INTEGRITY covers everything before it, with the length field
  // already counting the attribute itself (RFC 5389 section 15.4).
  void add_message_integrity(std::string_view key) {
    const size_t offset = size_;
    uint8_t* value = add(kAttrMessageIntegrity, kStunIntegrityBytes);
    if (value == nullptr) return;
    StunIntegrity integrity{};
    const auto length_field = static_cast<uint16_t>(size_ - kStunHeaderBytes);
    if (!stun_message_integrity(ByteView(out_.data(), offset), length_field, key, integrity)) {
      failed_ = true;
      return;
    }
    std::memcpy(value, integrity.data(), integrity.size());
  }

  // FINGERPRINT covers everything before it, with the length field counting
  // the FINGERPRINT attribute (RFC 5389 section 15.5).
  void add_fingerprint() {
    const size_t offset = size_;
    uint8_t* value = add(kAttrFingerprint, kStunFingerprintBytes);
    if (value != nullptr) store_be32(value, stun_fingerprint(ByteView(out_.data(), offset)));
  }

  // Returns the message size, or 0 when something did not fit.
  size_t finish() const { return failed_ ? 0 : size_; }

 private:
  void set_length_field(size_t message_size) {
    store_be16(&out_[2], static_cast<uint16_t>(message_size - kStunHeaderBytes));
  }

  MutableByteView out_;
  size_t size_ = 0;
  bool failed_ = false;
};

// XOR-MAPPED-ADDRESS value (RFC 5389 section 15.2): family, port XORed with
// the top of the magic cookie, address XORed with cookie and transaction id.
void add_xor_mapped_address(StunWriter& writer, const StunTransactionId& transaction_id,
                            const SocketAddress& mapped) {
  const size_t ip_length = mapped.ip_length();
  uint8_t* value = writer.add(kAttrXorMappedAddress, 4 + ip_length);
  if (value == nullptr) return;

  std::array<uint8_t, 16> mask{};
  store_be32(mask.data(), kStunMagicCookie);
  std::memcpy(mask.data() + 4, transaction_id.data(), transaction_id.size());

  value[0] = 0;
  value[1] = mapped.is_ipv6() ? 0x02 : 0x01;
  store_be16(value + 2, mapped.port() ^ static_cast<uint16_t>(kStunMagicCookie >> 16));
  const uint8_t* ip = mapped.ip_bytes();
  for (size_t i = 0; i < ip_length; ++i) value[4 + i] = ip[i] ^ mask[i];
}

}  // namespace

size_t build_binding_success(MutableByteView out, const StunTransactionId& transaction_id,
                             const SocketAddress& mapped, std::string_view key) {
  if (mapped.empty()) return 0;
  StunWriter writer(out, kBindingSuccessType, transaction_id);
  add_xor_mapped_address(writer, transaction_id, mapped);
  if (!key.empty()) writer.add_message_integrity(key);
  writer.add_fingerprint();
  return writer.finish();
}

// ERROR-CODE value (RFC 5389 section 15.6): 21 reserved bits, the hundreds
// digit in 3 bits, the remainder in 8 bits, then the UTF-8 reason phrase.
size_t build_binding_error(MutableByteView out, const StunTransactionId& transaction_id, int code,
                           std::string_view reason, std::string_view key) {
  if (code < 300 || code > 699 || reason.size() > kMaxErrorReasonBytes) return 0;
  StunWriter writer(out, kBindingErrorType, transaction_id);
  uint8_t* value = writer.add(kAttrErrorCode, 4 + reason.size());
  if (value != nullptr) {
    store_be16(value, 0);
    value[2] = static_cast<uint8_t>(code / 100);
    value[3] = static_cast<uint8_t>(code % 100);
    std::memcpy(value + 4, reason.data(), reason.size());
  }
  if (!key.empty()) writer.add_message_integrity(key);
  writer.add_fingerprint();
  return writer.finish();
}

size_t build_binding_request(MutableByteView out, const BindingRequestFields& fields) {
  if (fields.username.empty() || fields.username.size() > kMaxUsernameBytes) return 0;
  StunWriter writer(out, kBindingRequestType, fields.transaction_id);
  writer.add_bytes(kAttrUsername, fields.username.data(), fields.username.size());
  writer.add_u32(kAttrPriority, fields.priority);
  writer.add_u64(fields.controlling ? kAttrIceControlling : kAttrIceControlled, fields.tiebreaker);
  if (fields.use_candidate) writer.add(kAttrUseCandidate, 0);
  writer.add_message_integrity(fields.key);
  writer.add_fingerprint();
  return writer.finish();
}

size_t build_binding_request(MutableByteView out, const StunTransactionId& transaction_id,
                             std::string_view username, std::string_view key, uint32_t priority,
                             bool controlling, uint64_t tiebreaker, bool use_candidate) {
  BindingRequestFields fields;
  fields.transaction_id = transaction_id;
  fields.username = username;
  fields.key = key;
  fields.priority = priority;
  fields.controlling = controlling;
  fields.tiebreaker = tiebreaker;
  fields.use_candidate = use_candidate;
  return build_binding_request(out, fields);
}

}  // namespace sightline::ice

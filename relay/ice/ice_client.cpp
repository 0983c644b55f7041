// Full ICE agent with one candidate pair: paced checks, nomination, consent.
#include "relay/ice/ice_client.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "relay/base/log.h"
#include "relay/ice/ice_lite_agent.h"
#include "relay/ice/stun_builder.h"

namespace sightline::ice {

namespace {

constexpr std::string_view kLogComponent = "ice_client";

// PRIORITY of a check is that of a peer-reflexive candidate (RFC 8445
// section 7.1.1): type preference 110, the highest local preference 65535,
// component 1, combined as in section 5.1.2.1.
constexpr uint32_t kPeerReflexiveTypePreference = 110;
constexpr uint32_t kLocalPreference = 65535;
constexpr uint32_t kComponentId = 1;
constexpr uint32_t kCheckPriority =
    (kPeerReflexiveTypePreference << 24) | (kLocalPreference << 8) | (256 - kComponentId);

// Fills `out` from OpenSSL's generator. Aborts on failure, because transaction
// ids an off-path attacker can guess would let it forge responses.
void random_fill(void* out, size_t size) {
  if (RAND_bytes(static_cast<unsigned char*>(out), static_cast<int>(size)) != 1) {
    log::error(kLogComponent, "random_failed", {{"error", "RAND_bytes failed"}});
    std::abort();
  }
}

}  // namespace

const char* to_string(ResponseResult result) {
  switch (result) {
    case ResponseResult::accepted: return "accepted";
    case ResponseResult::error_response: return "error_response";
    case ResponseResult::not_response: return "not_response";
    case ResponseResult::unknown_transaction: return "unknown_transaction";
    case ResponseResult::integrity_mismatch: return "integrity_mismatch";
  }
  return "unknown";
}

IceClient::IceClient(std::string_view local_ufrag, std::string_view remote_ufrag, std::string remote_password)
    : username_(std::string(remote_ufrag) + ":" + std::string(local_ufrag)),
      remote_password_(std::move(remote_password)) {
  random_fill(&tiebreaker_, sizeof tiebreaker_);
}

size_t IceClient::make_binding_request(TimePoint now, MutableByteView out, bool nominate) {
  PendingTransaction& slot = pending_[next_pending_];
  random_fill(slot.id.data(), slot.id.size());

  BindingRequestFields fields;
  fields.transaction_id = slot.id;
  fields.username = username_;
  fields.key = remote_password_;
  fields.priority = kCheckPriority;
  fields.controlling = true;
  fields.tiebreaker = tiebreaker_;
  fields.use_candidate = nominate;
  const size_t size = build_binding_request(out, fields);
  if (size == 0) return 0;

  slot.nominate = nominate;
  slot.active = true;
  next_pending_ = (next_pending_ + 1) % pending_.size();
  if (!first_send_) first_send_ = now;
  last_send_ = now;
  return size;
}

IceClient::PendingTransaction* IceClient::find_pending(const StunTransactionId& id) {
  for (PendingTransaction& pending : pending_) {
    if (pending.active && pending.id == id) return &pending;
  }
  return nullptr;
}

ResponseResult IceClient::handle_response(ByteView datagram, const StunMessage& message, TimePoint now) {
  const bool is_response = message.message_class == StunClass::success_response ||
                           message.message_class == StunClass::error_response;
  if (message.method != kStunMethodBinding || !is_response) return ResponseResult::not_response;

  PendingTransaction* pending = find_pending(message.transaction_id);
  if (pending == nullptr) return ResponseResult::unknown_transaction;

  // A 401 comes without MESSAGE-INTEGRITY (the relay could not authenticate
  // the request), so an error response is checked only when it carries one.
  const bool has_integrity = message.integrity_offset.has_value();
  const bool must_verify = message.message_class == StunClass::success_response || has_integrity;
  if (must_verify && !verify_message_integrity(datagram, message, remote_password_)) {
    return ResponseResult::integrity_mismatch;
  }
  pending->active = false;

  if (message.message_class == StunClass::error_response) {
    last_error_code_ = message.error_code;
    log::warn(kLogComponent, "check_error_response",
              {{"code", message.error_code}, {"reason", std::string(message.error_reason)}});
    return ResponseResult::error_response;
  }

  if (!connected()) log::info(kLogComponent, "connected", {{"nominated", pending->nominate}});
  last_success_ = now;
  last_error_code_ = 0;
  if (message.xor_mapped_address) mapped_address_ = message.xor_mapped_address;
  if (pending->nominate) nominated_ = true;
  send_interval_ = nominated_ ? random_consent_interval() : milliseconds(kCheckIntervalMs);
  return ResponseResult::accepted;
}

bool IceClient::consent_expired(TimePoint now) const {
  const std::optional<TimePoint> since = last_success_ ? last_success_ : first_send_;
  if (!since) return false;
  return now - *since >= milliseconds(kConsentTimeoutMs);
}

TimePoint IceClient::next_send_time() const {
  if (!last_send_) return TimePoint{};
  return *last_send_ + send_interval_;
}

Duration IceClient::random_consent_interval() const {
  // A uniform factor in [0.8, 1.2] in steps of 1/65535.
  uint16_t random = 0;
  random_fill(&random, sizeof random);
  const double factor = 0.8 + 0.4 * (static_cast<double>(random) / 65535.0);
  return milliseconds(static_cast<int64_t>(kConsentCheckIntervalMs * factor));
}

}  // namespace sightline::ice

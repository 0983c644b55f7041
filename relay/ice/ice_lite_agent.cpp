// ICE-lite agent: authenticates the peer's Binding requests, responds to them,
// follows nomination and tracks consent (RFC 8445 section 7.3, RFC 7675).
#include "relay/ice/ice_lite_agent.h"

#include <openssl/rand.h>

#include <array>
#include <cstdlib>

#include "relay/base/log.h"
#include "relay/ice/stun_builder.h"

namespace sightline::ice {

namespace {

constexpr std::string_view kLogComponent = "ice";
// ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 section 5.4): 64 symbols, so
// one random byte masked to 6 bits picks one without bias.
constexpr std::string_view kIceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static_assert(kIceChars.size() == 64);

const char* error_phrase(int code) {
  switch (code) {
    case kStunErrorBadRequest: return "Bad Request";
    case kStunErrorUnauthorized: return "Unauthorized";
    case kStunErrorUnknownAttribute: return "Unknown Attribute";
    case kStunErrorRoleConflict: return "Role Conflict";
  }
  return "Error";
}

// The error code sent for each rejection, 0 for no response.
int error_code_for(BindingRejectReason reason) {
  switch (reason) {
    case BindingRejectReason::missing_attributes:
    case BindingRejectReason::missing_role: return kStunErrorBadRequest;
    case BindingRejectReason::unknown_attribute: return kStunErrorUnknownAttribute;
    case BindingRejectReason::unknown_username:
    case BindingRejectReason::integrity_mismatch: return kStunErrorUnauthorized;
    case BindingRejectReason::role_conflict: return kStunErrorRoleConflict;
    case BindingRejectReason::none:
    case BindingRejectReason::not_binding_request:
    case BindingRejectReason::response_buffer_too_small: return 0;
  }
  return 0;
}

}  // namespace

const char* to_string(IceState state) {
  switch (state) {
    case IceState::new_: return "new";
    case IceState::checking: return "checking";
    case IceState::connected: return "connected";
    case IceState::failed: return "failed";
  }
  return "unknown";
}

const char* to_string(BindingRejectReason reason) {
  switch (reason) {
    case BindingRejectReason::none: return "none";
    case BindingRejectReason::not_binding_request: return "not_binding_request";
    case BindingRejectReason::missing_attributes: return "missing_attributes";
    case BindingRejectReason::unknown_attribute: return "unknown_attribute";
    case BindingRejectReason::unknown_username: return "unknown_username";
    case BindingRejectReason::integrity_mismatch: return "integrity_mismatch";
    case BindingRejectReason::missing_role: return "missing_role";
    case BindingRejectReason::role_conflict: return "role_conflict";
    case BindingRejectReason::response_buffer_too_small: return "response_buffer_too_small";
  }
  return "unknown";
}

IceLiteAgent::IceLiteAgent()
    : IceLiteAgent(random_ice_string(kIceUfragLength), random_ice_string(kIcePasswordLength)) {}

IceLiteAgent::IceLiteAgent(std::string local_ufrag, std::string local_password)
    : local_ufrag_(std::move(local_ufrag)), local_password_(std::move(local_password)) {}

std::string IceLiteAgent::random_ice_string(size_t length) {
  std::string result(length, '\0');
  std::array<uint8_t, 64> random{};
  size_t written = 0;
  while (written < length) {
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
      log::error(kLogComponent, "random_failed", {{"error", "RAND_bytes failed"}});
      std::abort();
    }
    for (size_t i = 0; i < random.size() && written < length; ++i) {
      result[written++] = kIceChars[random[i] & 0x3F];
    }
  }
  return result;
}

std::string_view IceLiteAgent::local_ufrag_of(std::string_view username) {
  const size_t colon = username.find(':');
  if (colon == std::string_view::npos) return {};
  return username.substr(0, colon);
}

void IceLiteAgent::set_remote_credentials(std::string remote_ufrag, std::string remote_password) {
  if (!remote_ufrag_.empty() && remote_ufrag != remote_ufrag_) {
    log::info(kLogComponent, "ice_restart", {{"local_ufrag", local_ufrag_}, {"remote_ufrag", remote_ufrag}});
  }
  remote_ufrag_ = std::move(remote_ufrag);
  remote_password_ = std::move(remote_password);
}

void IceLiteAgent::set_local_credentials(std::string local_ufrag, std::string local_password) {
  local_ufrag_ = std::move(local_ufrag);
  local_password_ = std::move(local_password);
}

bool IceLiteAgent::username_matches(std::string_view username) const {
  // The peer sends "<our ufrag>:<its ufrag>" (RFC 8445 section 7.2.2). Until
  // the remote ufrag is known from its SDP, the local half must match alone.
  if (local_ufrag_of(username) != local_ufrag_) return false;
  if (remote_ufrag_.empty()) return true;
  return username.substr(local_ufrag_.size() + 1) == remote_ufrag_;
}

BindingResult IceLiteAgent::reject(BindingRejectReason reason, const StunMessage& message,
                                   MutableByteView response_out, bool authenticated) {
  ++counters_.rejected;
  BindingResult result;
  result.status = BindingStatus::rejected;
  result.reason = reason;

  const int code = error_code_for(reason);
  if (code != 0) {
    // Only a request that passed MESSAGE-INTEGRITY gets an authenticated
    // error response (RFC 5389 section 10.1.2).
    const std::string_view key = authenticated ? std::string_view(local_password_) : std::string_view();
    result.response_size = build_binding_error(response_out, message.transaction_id, code, error_phrase(code), key);
  }
  return result;
}

void IceLiteAgent::select_path(const PacketPath& from, BindingResult& result) {
  if (selected_path_ && *selected_path_ == from && state_ == IceState::connected) return;

  const bool is_switch = selected_path_.has_value() && !(*selected_path_ == from);
  // Addresses stay out of the log because a participant's IP address is
  // personal data; the ufrag identifies the transport.
  log::info(kLogComponent, is_switch ? "path_switched" : "path_selected",
            {{"local_ufrag", local_ufrag_}, {"ipv6", from.address.is_ipv6()}, {"tcp", from.is_tcp()}});
  if (is_switch) ++counters_.path_switches;
  result.new_path = !selected_path_.has_value() || is_switch;
  selected_path_ = from;
  state_ = IceState::connected;
}

BindingResult IceLiteAgent::handle_binding_request(ByteView datagram, const StunMessage& message,
                                                   const PacketPath& from, TimePoint now,
                                                   MutableByteView response_out) {
  if (!message.is_binding_request()) return reject(BindingRejectReason::not_binding_request, message, {}, false);
  if (!message.username || !message.integrity_offset) {
    return reject(BindingRejectReason::missing_attributes, message, response_out, false);
  }
  if (!username_matches(*message.username)) {
    return reject(BindingRejectReason::unknown_username, message, response_out, false);
  }
  if (!verify_message_integrity(datagram, message, local_password_)) {
    return reject(BindingRejectReason::integrity_mismatch, message, response_out, false);
  }
  // RFC 5389 section 7.3.1: an unknown comprehension-required attribute gets
  // 420. NOTE: the response lacks the UNKNOWN-ATTRIBUTES list that RFC 5389
  // requires, so the peer learns only that some attribute was not understood.
  if (message.unknown_required_attribute != 0) {
    return reject(BindingRejectReason::unknown_attribute, message, response_out, true);
  }
  // A lite agent is always controlled (RFC 8445 section 6.1.1) and cannot
  // switch roles. A peer that also claims the controlled role therefore gets
  // 487 (RFC 8445 section 7.3.1.1).
  if (message.ice_controlled) return reject(BindingRejectReason::role_conflict, message, response_out, true);
  if (!message.ice_controlling) return reject(BindingRejectReason::missing_role, message, response_out, true);

  BindingResult result;
  result.response_size = build_binding_success(response_out, message.transaction_id, from.address, local_password_);
  if (result.response_size == 0) {
    return reject(BindingRejectReason::response_buffer_too_small, message, {}, true);
  }

  ++counters_.accepted;
  result.status = BindingStatus::ok;
  result.nominated = message.use_candidate;
  on_authenticated_traffic(now);
  if (state_ == IceState::new_ || state_ == IceState::failed) state_ = IceState::checking;
  if (message.use_candidate) select_path(from, result);
  return result;
}

void IceLiteAgent::on_authenticated_traffic(TimePoint now) { last_consent_ = now; }

bool IceLiteAgent::forget_path(const PacketPath& path) {
  if (!selected_path_ || !(*selected_path_ == path)) return false;
  selected_path_.reset();
  if (state_ == IceState::connected) state_ = IceState::checking;
  return true;
}

bool IceLiteAgent::consent_expired(TimePoint now) {
  if (!last_consent_) return false;
  if (now - *last_consent_ < milliseconds(kConsentTimeoutMs)) return false;

  if (state_ != IceState::failed) {
    log::info(kLogComponent, "consent_expired",
              {{"local_ufrag", local_ufrag_}, {"silent_ms", to_ms(now - *last_consent_)}});
    state_ = IceState::failed;
  }
  return true;
}

}  // namespace sightline::ice

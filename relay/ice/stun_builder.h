// Builders for the STUN Binding messages that ICE needs (RFC 5389, RFC 8445
// section 7), written into a caller's buffer without allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "relay/base/bytes.h"
#include "relay/base/socket_address.h"
#include "relay/ice/stun_message.h"

namespace sightline::ice {

// Error codes a Binding response may carry (RFC 5389 section 15.6, RFC 8445
// section 7.3.1.1).
constexpr int kStunErrorBadRequest = 400;
constexpr int kStunErrorUnauthorized = 401;
constexpr int kStunErrorUnknownAttribute = 420;
constexpr int kStunErrorRoleConflict = 487;

// A Binding request from a full ICE agent (RFC 8445 section 7.2.2).
struct BindingRequestFields {
  StunTransactionId transaction_id{};
  // "<remote ufrag>:<local ufrag>", as the receiver expects it.
  std::string_view username;
  // The remote agent's ice-pwd, which keys MESSAGE-INTEGRITY.
  std::string_view key;
  uint32_t priority = 0;
  bool controlling = true;
  uint64_t tiebreaker = 0;
  bool use_candidate = false;
};

// Each builder returns the message size, or 0 when `out` is too small (the
// buffer contents are then unspecified). Every message ends with FINGERPRINT,
// which ICE requires (RFC 8445 section 7.2.2).

// Writes a Binding success response with XOR-MAPPED-ADDRESS, then
// MESSAGE-INTEGRITY keyed with `key` (skipped when `key` is empty).
size_t build_binding_success(MutableByteView out, const StunTransactionId& transaction_id,
                             const SocketAddress& mapped, std::string_view key);

// Writes a Binding error response with ERROR-CODE `code` (300..699) and
// `reason`. A 401 rejects a request that failed authentication, so it goes
// without MESSAGE-INTEGRITY: pass an empty `key`. Returns 0 for a code out of
// range or a reason longer than 763 bytes.
size_t build_binding_error(MutableByteView out, const StunTransactionId& transaction_id, int code,
                           std::string_view reason, std::string_view key);

// Writes a Binding request with USERNAME, PRIORITY, ICE-CONTROLLING or
// ICE-CONTROLLED, USE-CANDIDATE when nominating, and MESSAGE-INTEGRITY.
size_t build_binding_request(MutableByteView out, const BindingRequestFields& fields);

// The same, with the fields as arguments.
size_t build_binding_request(MutableByteView out, const StunTransactionId& transaction_id,
                             std::string_view username, std::string_view key, uint32_t priority,
                             bool controlling, uint64_t tiebreaker, bool use_candidate);

}  // namespace sightline::ice

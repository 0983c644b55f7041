// The peer side of ICE for synthetic participants: a full agent in the
// controlling role with one candidate pair, towards the relay's host
// candidate (RFC 8445), keeping consent fresh afterwards (RFC 7675).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "relay/base/bytes.h"
#include "relay/base/clock.h"
#include "relay/base/socket_address.h"
#include "relay/ice/stun_message.h"

namespace sightline::ice {

// Pacing of connectivity checks until one succeeds: Ta of RFC 8445 section
// 14.2, whose default is 50 ms.
constexpr int64_t kCheckIntervalMs = 50;
// Consent checks after that: every 5 s, randomised to 0.8..1.2 times this
// interval (RFC 7675 section 5.1).
constexpr int64_t kConsentCheckIntervalMs = 5000;
// Requests whose responses are still accepted; older ones are forgotten, so
// a response that arrives after this many newer requests is ignored.
constexpr size_t kMaxPendingTransactions = 8;

enum class ResponseResult {
  accepted,             // a success response to a pending request, authenticated
  error_response,       // an error response to a pending request; see last_error_code()
  not_response,         // not a Binding response
  unknown_transaction,  // the transaction id matches no pending request
  integrity_mismatch,   // MESSAGE-INTEGRITY missing or wrong for the remote password
};

const char* to_string(ResponseResult result);

class IceClient {
 public:
  // `local_ufrag` is the one in this peer's SDP; the remote credentials come
  // from the relay's SDP. The local ice-pwd is not needed, because a lite
  // relay never sends checks that this agent would have to authenticate.
  IceClient(std::string_view local_ufrag, std::string_view remote_ufrag, std::string remote_password);

  // Writes a Binding request with a fresh transaction id into `out` and
  // returns its size, or 0 when it does not fit. With `nominate` the request
  // carries USE-CANDIDATE, so the relay selects this pair.
  size_t make_binding_request(TimePoint now, MutableByteView out, bool nominate);

  // Checks a response that parse_stun accepted: the transaction id must be
  // pending and MESSAGE-INTEGRITY must verify with the remote password.
  ResponseResult handle_response(ByteView datagram, const StunMessage& message, TimePoint now);

  // A check has succeeded.
  bool connected() const { return last_success_.has_value(); }
  // A check carrying USE-CANDIDATE has succeeded.
  bool nominated() const { return nominated_; }
  // Returns true when no check has succeeded for kConsentTimeoutMs: since the
  // last success, or since the first request when none has succeeded yet.
  bool consent_expired(TimePoint now) const;
  // Returns when the next request is due: kCheckIntervalMs after the last one
  // until nomination succeeds, then a randomised consent interval. Before the
  // first request it returns the clock's epoch, which means now.
  TimePoint next_send_time() const;

  // The server-reflexive address the relay saw, from the last success.
  std::optional<SocketAddress> mapped_address() const { return mapped_address_; }
  // The ERROR-CODE of the last error response, 0 when there was none.
  int last_error_code() const { return last_error_code_; }
  uint64_t tiebreaker() const { return tiebreaker_; }

 private:
  struct PendingTransaction {
    StunTransactionId id{};
    bool nominate = false;
    bool active = false;
  };

  PendingTransaction* find_pending(const StunTransactionId& id);
  Duration random_consent_interval() const;

  std::string username_;  // "<remote ufrag>:<local ufrag>"
  std::string remote_password_;
  uint64_t tiebreaker_ = 0;

  std::array<PendingTransaction, kMaxPendingTransactions> pending_{};
  size_t next_pending_ = 0;
  std::optional<TimePoint> first_send_;
  std::optional<TimePoint> last_send_;
  std::optional<TimePoint> last_success_;
  Duration send_interval_ = milliseconds(kCheckIntervalMs);
  bool nominated_ = false;
  std::optional<SocketAddress> mapped_address_;
  int last_error_code_ = 0;
};

}  // namespace sightline::ice

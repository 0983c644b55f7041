// The relay side of ICE for one participant: an ICE-lite agent (RFC 8445
// sections 2.5 and 7.3) that responds to the peer's connectivity checks, follows
// its nomination, and tracks consent freshness (RFC 7675).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "relay/base/bytes.h"
#include "relay/base/clock.h"
#include "relay/base/packet_path.h"
#include "relay/base/socket_address.h"
#include "relay/ice/stun_message.h"

namespace sightline::ice {

// RFC 7675 section 5.1: consent expires 30 s after the last authenticated
// traffic from the peer.
constexpr int64_t kConsentTimeoutMs = 30000;
// RFC 8839 section 5.4: ice-ufrag has at least 4 and ice-pwd at least 22
// characters. These lengths give 48 and 144 random bits.
constexpr size_t kIceUfragLength = 8;
constexpr size_t kIcePasswordLength = 24;

enum class IceState { new_, checking, connected, failed };

const char* to_string(IceState state);

enum class BindingStatus { ok, rejected };

// Reason a Binding request was rejected. Each comment names the error code
// sent back, if any.
enum class BindingRejectReason {
  none,
  not_binding_request,       // not a Binding request; no response
  missing_attributes,        // no USERNAME or MESSAGE-INTEGRITY: 400
  unknown_attribute,         // unknown comprehension-required attribute: 420
  unknown_username,          // USERNAME is not "<local ufrag>:<remote ufrag>": 401
  integrity_mismatch,        // MESSAGE-INTEGRITY fails with the local password: 401
  missing_role,              // neither ICE-CONTROLLING nor ICE-CONTROLLED: 400
  role_conflict,             // the peer claims the controlled role too: 487
  response_buffer_too_small, // the response did not fit; no response
};

const char* to_string(BindingRejectReason reason);

struct BindingResult {
  BindingStatus status = BindingStatus::rejected;
  BindingRejectReason reason = BindingRejectReason::none;
  // Bytes of response written (a success or an error response); 0 when
  // nothing should be sent.
  size_t response_size = 0;
  // The request carried USE-CANDIDATE.
  bool nominated = false;
  // This request changed the selected path to its source address.
  bool new_path = false;
};

// Counts of Binding requests by outcome, for metrics.
struct IceLiteCounters {
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t path_switches = 0;
};

class IceLiteAgent {
 public:
  // Uses random local credentials.
  IceLiteAgent();
  IceLiteAgent(std::string local_ufrag, std::string local_password);

  // Returns `length` random ice-chars (ALPHA / DIGIT / "+" / "/", RFC 8839
  // section 5.4) from OpenSSL's RAND_bytes. Aborts when the random generator
  // fails, because predictable credentials would let anyone hijack the call.
  static std::string random_ice_string(size_t length);

  // Returns the part of a USERNAME "<local ufrag>:<remote ufrag>" before the
  // colon, or an empty view when there is no colon. A worker uses it to find
  // the agent for a new 5-tuple.
  static std::string_view local_ufrag_of(std::string_view username);

  const std::string& local_ufrag() const { return local_ufrag_; }
  const std::string& local_password() const { return local_password_; }
  const std::string& remote_ufrag() const { return remote_ufrag_; }
  // Stored for the SDP layer: a lite agent never sends requests, so it never
  // keys a message with the remote password.
  const std::string& remote_password() const { return remote_password_; }

  // Sets the peer's ice-ufrag and ice-pwd from its SDP. Calling it again with
  // new values is an ICE restart: requests with the old USERNAME are then
  // rejected, and the selected path stays until the peer nominates again.
  void set_remote_credentials(std::string remote_ufrag, std::string remote_password);
  // Replaces the local credentials, which an ICE restart also changes.
  void set_local_credentials(std::string local_ufrag, std::string local_password);

  // Checks a Binding request that parse_stun accepted and writes the response
  // to send back to `from` (a UDP address or a TCP connection) into `response_out` (a success or an error
  // response). A valid request refreshes consent. A valid request with
  // USE-CANDIDATE makes `from` the selected path, so the peer can move the
  // call to a new network by nominating another address.
  BindingResult handle_binding_request(ByteView datagram, const StunMessage& message, const PacketPath& from,
                                       TimePoint now, MutableByteView response_out);

  // Refreshes consent: call for SRTP or DTLS from the selected path that
  // decrypted, since only authenticated traffic proves consent.
  void on_authenticated_traffic(TimePoint now);

  // Returns true once kConsentTimeoutMs passed without authenticated traffic,
  // and then moves the state to failed. Before the first valid request there
  // is no consent to expire, so it returns false.
  bool consent_expired(TimePoint now);
  // The time consent expires unless authenticated traffic comes first;
  // nullopt before the first valid request.
  std::optional<TimePoint> consent_deadline() const {
    if (!last_consent_) return std::nullopt;
    return *last_consent_ + milliseconds(kConsentTimeoutMs);
  }

  std::optional<PacketPath> selected_path() const { return selected_path_; }
  // Forgets the selected path when it is `path` (a TCP connection that
  // closed), so that nothing more is sent on it. Returns true if it was.
  bool forget_path(const PacketPath& path);
  IceState state() const { return state_; }
  const IceLiteCounters& counters() const { return counters_; }

 private:
  BindingResult reject(BindingRejectReason reason, const StunMessage& message, MutableByteView response_out,
                       bool authenticated);
  bool username_matches(std::string_view username) const;
  void select_path(const PacketPath& from, BindingResult& result);

  std::string local_ufrag_;
  std::string local_password_;
  std::string remote_ufrag_;
  std::string remote_password_;
  IceState state_ = IceState::new_;
  std::optional<PacketPath> selected_path_;
  std::optional<TimePoint> last_consent_;
  IceLiteCounters counters_;
};

}  // namespace sightline::ice

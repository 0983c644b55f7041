// Fuzz target for STUN: parse_stun, MESSAGE-INTEGRITY verification, and the
// ICE-lite agent's handling of whatever parses as a Binding request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "relay/ice/ice_lite_agent.h"
#include "relay/ice/stun_message.h"

namespace {

// The credentials of the RFC 5769 sample request, so that seeds built from
// it reach the code after authentication.
constexpr char kLocalUfrag[] = "evtj";
constexpr char kLocalPassword[] = "VOkJxbRl1RmTxUk/WvJxBt";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sightline;
  static ice::IceLiteAgent agent(kLocalUfrag, kLocalPassword);
  static const SocketAddress from = *SocketAddress::parse("127.0.0.1", 40000);
  static TimePoint now = TimePoint{};

  const ByteView datagram(data, size);
  ice::StunMessage message;
  if (ice::parse_stun(datagram, message) != ice::StunParseError::ok) return 0;

  // Both keys: the agent's, and one that must not match.
  ice::verify_message_integrity(datagram, message, kLocalPassword);
  ice::verify_message_integrity(datagram, message, "");

  uint8_t response[512];
  now += milliseconds(100);
  const ice::BindingResult result = agent.handle_binding_request(datagram, message, from, now, response);
  if (result.response_size > sizeof response) std::abort();
  if (result.response_size > 0) {
    // Every response the agent writes must parse.
    ice::StunMessage parsed;
    if (ice::parse_stun(ByteView(response, result.response_size), parsed) != ice::StunParseError::ok) std::abort();
  }
  agent.consent_expired(now);
  return 0;
}

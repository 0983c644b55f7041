// ICE-lite agent: authentication of Binding requests, role check, nomination
// and path switching, consent expiry with a fake clock.
#include "relay/ice/ice_lite_agent.h"

#include <gtest/gtest.h>

#include <cctype>
#include <vector>

#include "relay/ice/stun_builder.h"

namespace sightline::ice {
namespace {

constexpr std::string_view kRelayUfrag = "relayufr";
constexpr std::string_view kRelayPassword = "relay+password/0123456789";
constexpr std::string_view kPeerUfrag = "peerufra";
constexpr std::string_view kPeerPassword = "peer+password/0123456789";
constexpr StunTransactionId kTransactionId = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2};

SocketAddress address(const char* ip, uint16_t port) { return *SocketAddress::parse(ip, port); }

struct Request {
  std::string username = std::string(kRelayUfrag) + ":" + std::string(kPeerUfrag);
  std::string key = std::string(kRelayPassword);
  bool controlling = true;
  bool use_candidate = false;
};

std::vector<uint8_t> build(const Request& request) {
  std::vector<uint8_t> buffer(256);
  const size_t size = build_binding_request(buffer, kTransactionId, request.username, request.key, 0x6e7fff00,
                                            request.controlling, 0x1122334455667788u, request.use_candidate);
  buffer.resize(size);
  return buffer;
}

class IceLiteAgentTest : public ::testing::Test {
 protected:
  IceLiteAgentTest() : agent_(std::string(kRelayUfrag), std::string(kRelayPassword)) {
    agent_.set_remote_credentials(std::string(kPeerUfrag), std::string(kPeerPassword));
  }

  // Parses the request, hands it to the agent and parses the response.
  BindingResult handle(const Request& request, const SocketAddress& from, TimePoint now) {
    const auto bytes = build(request);
    StunMessage message;
    EXPECT_EQ(parse_stun(bytes, message), StunParseError::ok);
    const BindingResult result = agent_.handle_binding_request(bytes, message, from, now, response_buffer_);
    response_ = StunMessage{};
    if (result.response_size > 0) {
      EXPECT_EQ(parse_stun(response_bytes(result), response_), StunParseError::ok);
    }
    return result;
  }

  ByteView response_bytes(const BindingResult& result) const {
    return ByteView(response_buffer_, result.response_size);
  }

  IceLiteAgent agent_;
  uint8_t response_buffer_[256] = {};
  StunMessage response_;
  const TimePoint start_ = TimePoint{} + seconds(1000);
  const SocketAddress peer_ = address("192.0.2.10", 50000);
};

TEST_F(IceLiteAgentTest, ValidRequestAnswered) {
  const BindingResult result = handle(Request{}, peer_, start_);
  EXPECT_EQ(result.status, BindingStatus::ok);
  EXPECT_EQ(result.reason, BindingRejectReason::none);
  EXPECT_FALSE(result.nominated);
  EXPECT_FALSE(result.new_path);
  EXPECT_EQ(agent_.state(), IceState::checking);
  EXPECT_FALSE(agent_.selected_path().has_value());

  EXPECT_EQ(response_.message_class, StunClass::success_response);
  EXPECT_EQ(response_.transaction_id, kTransactionId);
  ASSERT_TRUE(response_.xor_mapped_address.has_value());
  EXPECT_EQ(*response_.xor_mapped_address, peer_);
  EXPECT_TRUE(response_.has_fingerprint);
  EXPECT_TRUE(verify_message_integrity(response_bytes(result), response_, kRelayPassword));
  EXPECT_EQ(agent_.counters().accepted, 1u);
}

TEST_F(IceLiteAgentTest, WrongUsernameRejected) {
  Request request;
  request.username = "otherufr:" + std::string(kPeerUfrag);
  BindingResult result = handle(request, peer_, start_);
  EXPECT_EQ(result.status, BindingStatus::rejected);
  EXPECT_EQ(result.reason, BindingRejectReason::unknown_username);
  EXPECT_EQ(response_.error_code, 401);
  EXPECT_FALSE(response_.integrity_offset.has_value());

  // Right local half, wrong remote half.
  request.username = std::string(kRelayUfrag) + ":someone";
  result = handle(request, peer_, start_);
  EXPECT_EQ(result.reason, BindingRejectReason::unknown_username);
  EXPECT_EQ(agent_.state(), IceState::new_);
  EXPECT_FALSE(agent_.consent_expired(start_ + seconds(60)));
  EXPECT_EQ(agent_.counters().rejected, 2u);
}

TEST_F(IceLiteAgentTest, WrongPasswordRejected) {
  Request request;
  request.key = "relay+password/0123456788";
  const BindingResult result = handle(request, peer_, start_);
  EXPECT_EQ(result.status, BindingStatus::rejected);
  EXPECT_EQ(result.reason, BindingRejectReason::integrity_mismatch);
  EXPECT_EQ(response_.error_code, 401);
  EXPECT_EQ(agent_.state(), IceState::new_);
}

TEST_F(IceLiteAgentTest, ControlledRoleGets487) {
  Request request;
  request.controlling = false;
  const BindingResult result = handle(request, peer_, start_);
  EXPECT_EQ(result.status, BindingStatus::rejected);
  EXPECT_EQ(result.reason, BindingRejectReason::role_conflict);
  EXPECT_EQ(response_.message_class, StunClass::error_response);
  EXPECT_EQ(response_.error_code, 487);
  EXPECT_EQ(response_.error_reason, "Role Conflict");
  EXPECT_TRUE(verify_message_integrity(response_bytes(result), response_, kRelayPassword));
  EXPECT_FALSE(agent_.selected_path().has_value());
}

TEST_F(IceLiteAgentTest, NominationSelectsPath) {
  Request request;
  request.use_candidate = true;
  const BindingResult result = handle(request, peer_, start_);
  EXPECT_EQ(result.status, BindingStatus::ok);
  EXPECT_TRUE(result.nominated);
  EXPECT_TRUE(result.new_path);
  EXPECT_EQ(agent_.state(), IceState::connected);
  ASSERT_TRUE(agent_.selected_path().has_value());
  EXPECT_EQ(*agent_.selected_path(), peer_);

  // A consent check on the same path changes nothing.
  const BindingResult again = handle(request, peer_, start_ + seconds(5));
  EXPECT_TRUE(again.nominated);
  EXPECT_FALSE(again.new_path);
  EXPECT_EQ(agent_.counters().path_switches, 0u);
}

TEST_F(IceLiteAgentTest, SecondNominationSwitchesPath) {
  Request request;
  request.use_candidate = true;
  handle(request, peer_, start_);

  const SocketAddress mobile = address("2001:db8::77", 40000);
  const BindingResult result = handle(request, mobile, start_ + seconds(2));
  EXPECT_EQ(result.status, BindingStatus::ok);
  EXPECT_TRUE(result.new_path);
  ASSERT_TRUE(agent_.selected_path().has_value());
  EXPECT_EQ(*agent_.selected_path(), mobile);
  EXPECT_EQ(*response_.xor_mapped_address, mobile);
  EXPECT_EQ(agent_.counters().path_switches, 1u);

  // A check without USE-CANDIDATE from the old address does not switch back.
  const BindingResult old_path = handle(Request{}, peer_, start_ + seconds(3));
  EXPECT_EQ(old_path.status, BindingStatus::ok);
  EXPECT_FALSE(old_path.new_path);
  EXPECT_EQ(*agent_.selected_path(), mobile);
}

TEST_F(IceLiteAgentTest, ConsentExpiresAt30Seconds) {
  Request request;
  request.use_candidate = true;
  handle(request, peer_, start_);

  EXPECT_FALSE(agent_.consent_expired(start_ + milliseconds(29900)));
  EXPECT_EQ(agent_.state(), IceState::connected);
  EXPECT_TRUE(agent_.consent_expired(start_ + milliseconds(30100)));
  EXPECT_EQ(agent_.state(), IceState::failed);
}

TEST_F(IceLiteAgentTest, AuthenticatedTrafficRefreshesConsent) {
  Request request;
  request.use_candidate = true;
  handle(request, peer_, start_);
  agent_.on_authenticated_traffic(start_ + seconds(20));

  EXPECT_FALSE(agent_.consent_expired(start_ + milliseconds(49900)));
  EXPECT_TRUE(agent_.consent_expired(start_ + milliseconds(50100)));
}

TEST_F(IceLiteAgentTest, ConsentDeadlineFollowsTraffic) {
  EXPECT_FALSE(agent_.consent_deadline().has_value());
  Request request;
  request.use_candidate = true;
  handle(request, peer_, start_);
  ASSERT_TRUE(agent_.consent_deadline().has_value());
  EXPECT_EQ(*agent_.consent_deadline(), start_ + seconds(30));

  agent_.on_authenticated_traffic(start_ + seconds(20));
  ASSERT_TRUE(agent_.consent_deadline().has_value());
  EXPECT_EQ(*agent_.consent_deadline(), start_ + seconds(50));
  EXPECT_FALSE(agent_.consent_expired(*agent_.consent_deadline() - milliseconds(1)));
  EXPECT_TRUE(agent_.consent_expired(*agent_.consent_deadline()));
}

TEST_F(IceLiteAgentTest, IceRestartRejectsOldUsername) {
  Request request;
  request.use_candidate = true;
  handle(request, peer_, start_);

  agent_.set_remote_credentials("newpeer1", "new+peer+password/012345");
  EXPECT_EQ(handle(request, peer_, start_ + seconds(1)).reason, BindingRejectReason::unknown_username);

  request.username = std::string(kRelayUfrag) + ":newpeer1";
  EXPECT_EQ(handle(request, peer_, start_ + seconds(1)).status, BindingStatus::ok);
}

TEST_F(IceLiteAgentTest, MissingRoleGets400) {
  // A request built by hand without ICE-CONTROLLING or ICE-CONTROLLED.
  const auto full = build(Request{});
  StunMessage message;
  ASSERT_EQ(parse_stun(full, message), StunParseError::ok);
  message.ice_controlling = false;
  const BindingResult result = agent_.handle_binding_request(full, message, peer_, start_, response_buffer_);
  EXPECT_EQ(result.reason, BindingRejectReason::missing_role);
  ASSERT_EQ(parse_stun(response_bytes(result), response_), StunParseError::ok);
  EXPECT_EQ(response_.error_code, 400);
}

TEST_F(IceLiteAgentTest, ResponseNotAnswered) {
  uint8_t buffer[128];
  const size_t size = build_binding_success(buffer, kTransactionId, peer_, kRelayPassword);
  StunMessage message;
  ASSERT_EQ(parse_stun(ByteView(buffer, size), message), StunParseError::ok);
  const BindingResult result =
      agent_.handle_binding_request(ByteView(buffer, size), message, peer_, start_, response_buffer_);
  EXPECT_EQ(result.reason, BindingRejectReason::not_binding_request);
  EXPECT_EQ(result.response_size, 0u);
}

TEST_F(IceLiteAgentTest, SmallResponseBufferRejected) {
  const auto bytes = build(Request{});
  StunMessage message;
  ASSERT_EQ(parse_stun(bytes, message), StunParseError::ok);
  uint8_t small[40];
  const BindingResult result = agent_.handle_binding_request(bytes, message, peer_, start_, small);
  EXPECT_EQ(result.reason, BindingRejectReason::response_buffer_too_small);
  EXPECT_EQ(result.response_size, 0u);
}

TEST(IceLiteCredentials, RandomIceString) {
  const std::string first = IceLiteAgent::random_ice_string(kIcePasswordLength);
  const std::string second = IceLiteAgent::random_ice_string(kIcePasswordLength);
  EXPECT_EQ(first.size(), kIcePasswordLength);
  EXPECT_NE(first, second);
  for (const char c : first + second) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/') << c;
  }
  EXPECT_EQ(IceLiteAgent::random_ice_string(100).size(), 100u);

  const IceLiteAgent agent;
  EXPECT_EQ(agent.local_ufrag().size(), kIceUfragLength);
  EXPECT_GE(agent.local_ufrag().size(), 4u);
  EXPECT_GE(agent.local_password().size(), 22u);
}

TEST(IceLiteCredentials, LocalUfragOf) {
  EXPECT_EQ(IceLiteAgent::local_ufrag_of("relayufr:peerufra"), "relayufr");
  EXPECT_EQ(IceLiteAgent::local_ufrag_of("a:b:c"), "a");
  EXPECT_EQ(IceLiteAgent::local_ufrag_of(":peer"), "");
  EXPECT_EQ(IceLiteAgent::local_ufrag_of("nocolon"), "");
}

TEST(IceLiteCredentials, LocalHalfOnlyBeforeRemoteKnown) {
  IceLiteAgent agent{std::string(kRelayUfrag), std::string(kRelayPassword)};
  Request request;
  request.username = std::string(kRelayUfrag) + ":anything";
  const auto bytes = build(request);
  StunMessage message;
  ASSERT_EQ(parse_stun(bytes, message), StunParseError::ok);
  uint8_t response[256];
  const BindingResult result =
      agent.handle_binding_request(bytes, message, address("127.0.0.1", 9), TimePoint{}, response);
  EXPECT_EQ(result.status, BindingStatus::ok);
}

}  // namespace
}  // namespace sightline::ice

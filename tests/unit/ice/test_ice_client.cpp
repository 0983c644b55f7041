// ICE client against the ICE-lite agent without sockets: checks, nomination,
// pacing, consent, and responses that must be ignored.
#include "relay/ice/ice_client.h"

#include <gtest/gtest.h>

#include "relay/ice/ice_lite_agent.h"
#include "relay/ice/stun_builder.h"

namespace sightline::ice {
namespace {

constexpr std::string_view kRelayUfrag = "relayufr";
constexpr std::string_view kRelayPassword = "relay+password/0123456789";
constexpr std::string_view kPeerUfrag = "peerufra";
constexpr std::string_view kPeerPassword = "peer+password/0123456789";

class IceClientTest : public ::testing::Test {
 protected:
  IceClientTest()
      : agent_(std::string(kRelayUfrag), std::string(kRelayPassword)),
        client_(kPeerUfrag, kRelayUfrag, std::string(kRelayPassword)) {
    agent_.set_remote_credentials(std::string(kPeerUfrag), std::string(kPeerPassword));
  }

  // Sends one check from the client through the agent and returns the size
  // of the agent's response in response_.
  size_t exchange(TimePoint now, bool nominate) {
    uint8_t request[256];
    const size_t request_size = client_.make_binding_request(now, request, nominate);
    EXPECT_GT(request_size, 0u);
    StunMessage message;
    EXPECT_EQ(parse_stun(ByteView(request, request_size), message), StunParseError::ok);
    last_result_ = agent_.handle_binding_request(ByteView(request, request_size), message, peer_, now, response_);
    return last_result_.response_size;
  }

  ResponseResult deliver(size_t size, TimePoint now) {
    StunMessage message;
    EXPECT_EQ(parse_stun(ByteView(response_, size), message), StunParseError::ok);
    return client_.handle_response(ByteView(response_, size), message, now);
  }

  IceLiteAgent agent_;
  IceClient client_;
  uint8_t response_[256] = {};
  BindingResult last_result_;
  const SocketAddress peer_ = *SocketAddress::parse("198.51.100.20", 61234);
  const TimePoint start_ = TimePoint{} + seconds(500);
};

TEST_F(IceClientTest, RoundTripNominates) {
  EXPECT_FALSE(client_.connected());
  const size_t size = exchange(start_, true);
  ASSERT_GT(size, 0u);
  EXPECT_EQ(last_result_.status, BindingStatus::ok);
  EXPECT_TRUE(last_result_.nominated);

  EXPECT_EQ(deliver(size, start_ + milliseconds(10)), ResponseResult::accepted);
  EXPECT_TRUE(client_.connected());
  EXPECT_TRUE(client_.nominated());
  ASSERT_TRUE(client_.mapped_address().has_value());
  EXPECT_EQ(*client_.mapped_address(), peer_);
  EXPECT_EQ(agent_.state(), IceState::connected);
  EXPECT_EQ(*agent_.selected_path(), peer_);
}

TEST_F(IceClientTest, CheckWithoutNomination) {
  const size_t size = exchange(start_, false);
  EXPECT_EQ(deliver(size, start_), ResponseResult::accepted);
  EXPECT_TRUE(client_.connected());
  EXPECT_FALSE(client_.nominated());
  EXPECT_FALSE(agent_.selected_path().has_value());
  // Checks stay on the 50 ms pace until nomination succeeds.
  EXPECT_EQ(client_.next_send_time(), start_ + milliseconds(kCheckIntervalMs));
}

TEST_F(IceClientTest, PacingThenConsentInterval) {
  EXPECT_EQ(client_.next_send_time(), TimePoint{});

  exchange(start_, true);  // lost: the response is never delivered
  EXPECT_EQ(client_.next_send_time(), start_ + milliseconds(50));

  const TimePoint retry = start_ + milliseconds(50);
  const size_t size = exchange(retry, true);
  EXPECT_EQ(deliver(size, retry + milliseconds(5)), ResponseResult::accepted);
  const auto wait = client_.next_send_time() - retry;
  EXPECT_GE(wait, milliseconds(4000));
  EXPECT_LE(wait, milliseconds(6000));
}

TEST_F(IceClientTest, ReplayedResponseIgnored) {
  const size_t size = exchange(start_, true);
  EXPECT_EQ(deliver(size, start_), ResponseResult::accepted);
  EXPECT_EQ(deliver(size, start_), ResponseResult::unknown_transaction);
}

TEST_F(IceClientTest, LateResponseToEarlierRequestAccepted) {
  const size_t first_size = exchange(start_, true);
  uint8_t first_response[256];
  std::copy(response_, response_ + first_size, first_response);
  exchange(start_ + milliseconds(50), true);  // a retransmission, still unanswered

  std::copy(first_response, first_response + first_size, response_);
  EXPECT_EQ(deliver(first_size, start_ + milliseconds(60)), ResponseResult::accepted);
}

TEST_F(IceClientTest, WrongPasswordResponseRejected) {
  IceClient client(kPeerUfrag, kRelayUfrag, "not+the+relay+password+1");
  uint8_t request[256];
  const size_t request_size = client.make_binding_request(start_, request, true);
  StunMessage message;
  ASSERT_EQ(parse_stun(ByteView(request, request_size), message), StunParseError::ok);

  // The relay signs its response with its real password, which this client does not have.
  const size_t size = build_binding_success(response_, message.transaction_id, peer_, kRelayPassword);
  StunMessage response;
  ASSERT_EQ(parse_stun(ByteView(response_, size), response), StunParseError::ok);
  EXPECT_EQ(client.handle_response(ByteView(response_, size), response, start_), ResponseResult::integrity_mismatch);
  EXPECT_FALSE(client.connected());
}

TEST_F(IceClientTest, RelayWithOtherPasswordGets401) {
  IceLiteAgent other(std::string(kRelayUfrag), "other+relay+password/012");
  uint8_t request[256];
  const size_t request_size = client_.make_binding_request(start_, request, true);
  StunMessage message;
  ASSERT_EQ(parse_stun(ByteView(request, request_size), message), StunParseError::ok);
  const BindingResult result =
      other.handle_binding_request(ByteView(request, request_size), message, peer_, start_, response_);
  EXPECT_EQ(result.reason, BindingRejectReason::integrity_mismatch);

  EXPECT_EQ(deliver(result.response_size, start_), ResponseResult::error_response);
  EXPECT_EQ(client_.last_error_code(), 401);
  EXPECT_FALSE(client_.connected());
}

TEST_F(IceClientTest, ConsentExpiry) {
  EXPECT_FALSE(client_.consent_expired(start_));
  const size_t size = exchange(start_, true);
  EXPECT_EQ(deliver(size, start_), ResponseResult::accepted);
  EXPECT_FALSE(client_.consent_expired(start_ + milliseconds(29900)));
  EXPECT_TRUE(client_.consent_expired(start_ + milliseconds(30100)));
}

TEST_F(IceClientTest, RequestNotAResponse) {
  uint8_t request[256];
  const size_t size = client_.make_binding_request(start_, request, false);
  StunMessage message;
  ASSERT_EQ(parse_stun(ByteView(request, size), message), StunParseError::ok);
  EXPECT_EQ(client_.handle_response(ByteView(request, size), message, start_), ResponseResult::not_response);
}

}  // namespace
}  // namespace sightline::ice

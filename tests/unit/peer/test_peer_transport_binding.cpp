// PeerTransport answering the server's ICE Binding requests: a request with
// the right USERNAME and MESSAGE-INTEGRITY gets a success response, others none.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <thread>

#include "relay/crypto/dtls_certificate.h"
#include "relay/ice/stun_builder.h"
#include "relay/ice/stun_message.h"
#include "tools/peer/peer_transport.h"

namespace sightline::peer {
namespace {

class NullListener final : public PeerTransportListener {
 public:
  void on_transport_connected() override {}
  void on_transport_failed(std::string_view) override {}
  void on_rtp(rtp::RtpPacket&, TimePoint) override {}
  void on_rtcp(ByteView, TimePoint) override {}
};

class PeerTransportBindingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(peer_socket_.bind(*SocketAddress::parse("127.0.0.1", 0), &error)) << error;
    ASSERT_TRUE(server_socket_.bind(*SocketAddress::parse("127.0.0.1", 0), &error)) << error;
    PeerTransportParams params;
    params.relay_address = server_socket_.local_address();
    params.local_ufrag = "peerufrag";
    params.local_password = "peer-password-0123456789";
    params.remote_ufrag = "serverufrag";
    params.remote_password = "server-password-0123456789";
    params.certificate = crypto::DtlsCertificate::generate_ecdsa();
    params.remote_fingerprint_algorithm = "sha-256";
    params.remote_fingerprint = params.certificate->fingerprint_sha256();
    transport_ = std::make_unique<PeerTransport>(peer_socket_, params, listener_);
  }

  // Delivers a Binding request from the server to the transport and returns
  // the datagrams the peer's socket sent back.
  int deliver_request(std::string_view username, std::string_view key) {
    std::array<uint8_t, 256> request{};
    ice::StunTransactionId transaction_id{};
    transaction_id[0] = 7;
    const size_t size = ice::build_binding_request(MutableByteView(request), transaction_id, username, key,
                                                   1000, false, 42, false);
    EXPECT_GT(size, 0u);
    transport_->on_datagram(server_socket_.local_address(), MutableByteView(request.data(), size), sightline::now());
    peer_socket_.flush();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const int count = server_socket_.receive_batch();
    if (count > 0) last_response_.assign(server_socket_.received(0).data.begin(), server_socket_.received(0).data.end());
    return count < 0 ? 0 : count;
  }

  NullListener listener_;
  net::UdpSocket peer_socket_;
  net::UdpSocket server_socket_;
  std::unique_ptr<PeerTransport> transport_;
  std::vector<uint8_t> last_response_;
};

TEST_F(PeerTransportBindingTest, AnswersValidRequest) {
  ASSERT_EQ(deliver_request("peerufrag:serverufrag", "peer-password-0123456789"), 1);
  ice::StunMessage response;
  ASSERT_EQ(ice::parse_stun(last_response_, response), ice::StunParseError::ok);
  EXPECT_EQ(response.message_class, ice::StunClass::success_response);
  EXPECT_TRUE(ice::verify_message_integrity(last_response_, response, "peer-password-0123456789"));
  ASSERT_TRUE(response.xor_mapped_address.has_value());
  EXPECT_EQ(*response.xor_mapped_address, server_socket_.local_address());
  EXPECT_EQ(transport_->counters().binding_requests_answered, 1u);
}

TEST_F(PeerTransportBindingTest, IgnoresWrongPassword) {
  EXPECT_EQ(deliver_request("peerufrag:serverufrag", "not-the-password-000000"), 0);
  EXPECT_EQ(transport_->counters().binding_requests_rejected, 1u);
}

TEST_F(PeerTransportBindingTest, IgnoresWrongUsername) {
  EXPECT_EQ(deliver_request("otherufrag:serverufrag", "peer-password-0123456789"), 0);
  EXPECT_EQ(transport_->counters().binding_requests_rejected, 1u);
}

}  // namespace
}  // namespace sightline::peer

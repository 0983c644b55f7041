// ICE-TCP at the relay's transport level: the answer's passive TCP
// candidate, binding requests answered over RFC 4571 frames on the same
// connection, and connections that misbehave or idle being closed and
// counted. The full media path over TCP is covered with real Chromium in
// tests/browser/call_tcp.test.mjs.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "relay/control/signalling_client.h"
#include "relay/crypto/dtls_certificate.h"
#include "relay/ice/ice_client.h"
#include "relay/ice/ice_lite_agent.h"
#include "relay/ice/stun_builder.h"
#include "relay/ice/stun_message.h"
#include "relay/net/rfc4571_framing.h"
#include "relay/net/udp_socket.h"
#include "relay/sdp/sdp_offer.h"
#include "tests/integration/relay_fixture.h"

namespace sightline::testing {
namespace {

using namespace std::chrono_literals;
using call::RejectReason;

struct Negotiated {
  std::string answer;
  std::string local_ufrag;   // the test's, in its offer
  std::string relay_ufrag;   // from the answer
  std::string relay_password;
};

std::string sdp_value(const std::string& sdp, const std::string& attribute) {
  const std::regex pattern("a=" + attribute + ":([^\\r\\n]+)");
  std::smatch match;
  return std::regex_search(sdp, match, pattern) ? match[1].str() : std::string();
}

std::vector<std::string> candidate_lines(const std::string& sdp) {
  std::vector<std::string> lines;
  std::istringstream stream(sdp);
  std::string line;
  while (std::getline(stream, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("a=candidate:", 0) == 0) lines.push_back(line);
  }
  return lines;
}

class IceTcp : public ::testing::Test {
 protected:
  void start(control::RelayConfig config) {
    relay_ = std::make_unique<call::Relay>(std::move(config));
    ASSERT_EQ(relay_->start(), std::nullopt);
  }

  void TearDown() override {
    for (const int fd : clients_) ::close(fd);
    for (auto& client : signalling_) client->close();
    if (relay_) relay_->stop();
  }

  static std::optional<nlohmann::json> wait_for(control::SignallingClient& client, const std::string& type) {
    for (int i = 0; i < 20; ++i) {
      std::optional<nlohmann::json> message = client.receive(500ms);
      if (message && message->value("type", "") == type) return message;
    }
    return std::nullopt;
  }

  // Joins a call and sends an offer; returns the answer and the credentials.
  Negotiated negotiate(const std::string& participant, const std::string& role) {
    auto client = std::make_unique<control::SignallingClient>();
    control::SignallingClient& signalling = *client;
    signalling_.push_back(std::move(client));
    EXPECT_EQ(signalling.connect("127.0.0.1", relay_->control_port()), std::nullopt);
    EXPECT_EQ(signalling.send({{"type", "join"}, {"call", "call-tcp"}, {"participant", participant}, {"role", role}}),
              std::nullopt);
    EXPECT_TRUE(wait_for(signalling, "joined").has_value());

    Negotiated result;
    result.local_ufrag = ice::IceLiteAgent::random_ice_string(ice::kIceUfragLength);
    sdp::OfferParams offer;
    offer.ice_ufrag = result.local_ufrag;
    offer.ice_pwd = ice::IceLiteAgent::random_ice_string(ice::kIcePasswordLength);
    offer.fingerprint = sdp::Fingerprint{"sha-256", certificate_->fingerprint_sha256()};
    offer.cname = "tcp-test";
    offer.audio_ssrc = 1111;
    offer.video_ssrc = 2222;
    offer.video_rtx_ssrc = 3333;
    EXPECT_EQ(signalling.send({{"type", "offer"}, {"sdp", sdp::build_offer(offer)}}), std::nullopt);
    const std::optional<nlohmann::json> answer = wait_for(signalling, "answer");
    EXPECT_TRUE(answer.has_value());
    if (!answer) return result;
    result.answer = answer->value("sdp", "");
    result.relay_ufrag = sdp_value(result.answer, "ice-ufrag");
    result.relay_password = sdp_value(result.answer, "ice-pwd");
    return result;
  }

  int connect_tcp() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const SocketAddress address = *SocketAddress::parse("127.0.0.1", relay_->tcp_media_port(0));
    EXPECT_EQ(::connect(fd, address.sockaddr_ptr(), address.length()), 0) << std::strerror(errno);
    clients_.push_back(fd);
    return fd;
  }

  static void send_bytes(int fd, const std::vector<uint8_t>& bytes) {
    ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }

  static std::vector<uint8_t> frame(ByteView payload) {
    std::vector<uint8_t> out(net::kFrameHeaderBytes + payload.size());
    net::write_frame_header(out.data(), payload.size());
    std::memcpy(out.data() + net::kFrameHeaderBytes, payload.data(), payload.size());
    return out;
  }

  // Reads exactly count bytes, or fewer when the connection ends or the
  // timeout passes.
  static std::vector<uint8_t> read_bytes(int fd, size_t count, std::chrono::milliseconds timeout = 2s) {
    std::vector<uint8_t> out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 20) <= 0) continue;
      std::array<uint8_t, 4096> buffer{};
      const ssize_t got = ::recv(fd, buffer.data(), std::min(buffer.size(), count - out.size()), 0);
      if (got <= 0) break;
      out.insert(out.end(), buffer.begin(), buffer.begin() + got);
    }
    return out;
  }

  // Reads one RFC 4571 frame; empty when none arrived.
  static std::vector<uint8_t> read_frame(int fd) {
    const std::vector<uint8_t> header = read_bytes(fd, 2);
    if (header.size() != 2) return {};
    return read_bytes(fd, (static_cast<size_t>(header[0]) << 8) | header[1]);
  }

  // True when the relay closes the connection within the timeout.
  static bool closed_by_relay(int fd, std::chrono::milliseconds timeout = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 20) <= 0) continue;
      uint8_t byte = 0;
      const ssize_t got = ::recv(fd, &byte, 1, 0);
      if (got == 0 || (got < 0 && errno == ECONNRESET)) return true;
    }
    return false;
  }

  // Sends a binding request over fd, cut inside its prefix to exercise
  // partial reads, and checks the framed success response.
  static void expect_binding_over_tcp(int fd, ice::IceClient& client, bool nominate) {
    std::array<uint8_t, 512> request{};
    const size_t size = client.make_binding_request(sightline::now(), MutableByteView(request), nominate);
    ASSERT_GT(size, 0u);
    const std::vector<uint8_t> bytes = frame(ByteView(request.data(), size));
    send_bytes(fd, std::vector<uint8_t>(bytes.begin(), bytes.begin() + 1));
    std::this_thread::sleep_for(20ms);
    send_bytes(fd, std::vector<uint8_t>(bytes.begin() + 1, bytes.end()));

    std::vector<uint8_t> response = read_frame(fd);
    ASSERT_FALSE(response.empty()) << "no framed response on the TCP connection";
    ice::StunMessage message;
    ASSERT_EQ(ice::parse_stun(response, message), ice::StunParseError::ok);
    EXPECT_EQ(client.handle_response(response, message, sightline::now()), ice::ResponseResult::accepted);
  }

  // The body of GET /metrics from the control server (plain HTTP here).
  std::string scrape_metrics() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const SocketAddress address = *SocketAddress::parse("127.0.0.1", relay_->control_port());
    EXPECT_EQ(::connect(fd, address.sockaddr_ptr(), address.length()), 0) << std::strerror(errno);
    const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    send_bytes(fd, std::vector<uint8_t>(request.begin(), request.end()));
    const std::vector<uint8_t> response = read_bytes(fd, 1 << 20, 2s);
    ::close(fd);
    return std::string(response.begin(), response.end());
  }

  uint64_t rejected(RejectReason reason) const {
    return relay_->totals().rejected_by_reason[static_cast<size_t>(reason)];
  }

  std::shared_ptr<crypto::DtlsCertificate> certificate_ = crypto::DtlsCertificate::generate_ecdsa();
  std::unique_ptr<call::Relay> relay_;
  std::vector<std::unique_ptr<control::SignallingClient>> signalling_;
  std::vector<int> clients_;
};

TEST_F(IceTcp, AnswerOffersAPassiveTcpCandidateBelowUdp) {
  start(loopback_relay_config());
  ASSERT_NE(relay_->tcp_media_port(0), 0);
  const Negotiated negotiated = negotiate("caller", "caller");
  const std::vector<std::string> candidates = candidate_lines(negotiated.answer);
  ASSERT_GE(candidates.size(), 2u) << negotiated.answer;

  const std::regex udp(R"(a=candidate:(\S+) 1 udp (\d+) 127\.0\.0\.1 (\d+) typ host)");
  const std::regex tcp(R"(a=candidate:(\S+) 1 tcp (\d+) 127\.0\.0\.1 (\d+) typ host tcptype passive)");
  std::smatch udp_match;
  std::smatch tcp_match;
  const auto udp_line = std::find_if(candidates.begin(), candidates.end(),
                                     [&](const std::string& line) { return std::regex_match(line, udp_match, udp); });
  const auto tcp_line = std::find_if(candidates.begin(), candidates.end(),
                                     [&](const std::string& line) { return std::regex_match(line, tcp_match, tcp); });
  ASSERT_NE(udp_line, candidates.end()) << negotiated.answer;
  ASSERT_NE(tcp_line, candidates.end()) << negotiated.answer;
  EXPECT_EQ(std::stoi(tcp_match[3].str()), relay_->tcp_media_port(0));
  EXPECT_EQ(std::stoi(udp_match[3].str()), relay_->media_port(0));
  EXPECT_NE(udp_match[1].str(), tcp_match[1].str()) << "TCP and UDP candidates need different foundations";
  // RFC 6544 section 4.2: type preference 90, direction preference 4
  // (passive), other preference 8191, component 1.
  const uint64_t expected_priority = (90ull << 24) | (((4ull << 13) | 8191ull) << 8) | 255ull;
  EXPECT_EQ(std::stoull(tcp_match[2].str()), expected_priority);
  EXPECT_LT(std::stoull(tcp_match[2].str()), std::stoull(udp_match[2].str()));
}

TEST_F(IceTcp, TcpOffHasNoCandidateAndNoListener) {
  control::RelayConfig config = loopback_relay_config();
  config.media_tcp = false;
  start(config);
  EXPECT_EQ(relay_->tcp_media_port(0), 0);
  const Negotiated negotiated = negotiate("caller", "caller");
  for (const std::string& line : candidate_lines(negotiated.answer)) {
    EXPECT_EQ(line.find(" tcp "), std::string::npos) << line;
  }
}

TEST_F(IceTcp, BindingRequestsAreAnsweredOnTheSameConnection) {
  start(loopback_relay_config());
  const Negotiated negotiated = negotiate("caller", "caller");
  ASSERT_FALSE(negotiated.relay_ufrag.empty());
  const int fd = connect_tcp();
  ice::IceClient client(negotiated.local_ufrag, negotiated.relay_ufrag, negotiated.relay_password);
  expect_binding_over_tcp(fd, client, false);
  ASSERT_TRUE(client.mapped_address().has_value());
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length), 0);
  EXPECT_EQ(*client.mapped_address(), SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&local)))
      << "XOR-MAPPED-ADDRESS must be the connection's source address";

  // A zero-length frame between requests is skipped; the nominating request
  // after it is answered on the same connection.
  send_bytes(fd, {0x00, 0x00});
  expect_binding_over_tcp(fd, client, true);
  EXPECT_TRUE(client.nominated());
  // Past the handshake timeout the authenticated connection stays open.
  EXPECT_FALSE(closed_by_relay(fd, 300ms));
}

TEST_F(IceTcp, GarbageFirstFrameClosesTheConnection) {
  start(loopback_relay_config());
  const uint64_t before = rejected(RejectReason::tcp_before_binding);
  const int fd = connect_tcp();
  const std::string text = "GET / HTTP/1.1";  // 'G' 'E' as a length: 18245 bytes, oversize
  send_bytes(fd, std::vector<uint8_t>(text.begin(), text.end()));
  EXPECT_TRUE(closed_by_relay(fd));

  // A well-framed first frame that is neither STUN nor known: closed and counted.
  const int second = connect_tcp();
  const std::vector<uint8_t> payload = {0x80, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 1, 0xAA};
  send_bytes(second, frame(payload));
  EXPECT_TRUE(closed_by_relay(second));
  EXPECT_EQ(rejected(RejectReason::tcp_before_binding), before + 1);
}

TEST_F(IceTcp, ConnectionThatNeverAuthenticatesIsClosed) {
  control::RelayConfig config = loopback_relay_config();
  config.tcp_handshake_timeout = 300ms;
  start(config);
  const int silent = connect_tcp();
  EXPECT_FALSE(closed_by_relay(silent, 100ms));
  EXPECT_TRUE(closed_by_relay(silent, 2s));

  // A binding request with a wrong password is refused (401) but the
  // connection is left for the timeout, as a retry may still succeed.
  const Negotiated negotiated = negotiate("caller", "caller");
  const int fd = connect_tcp();
  ice::IceClient client(negotiated.local_ufrag, negotiated.relay_ufrag, "wrong-password-wrong-password");
  std::array<uint8_t, 512> request{};
  const size_t size = client.make_binding_request(sightline::now(), MutableByteView(request), true);
  send_bytes(fd, frame(ByteView(request.data(), size)));
  const std::vector<uint8_t> response = read_frame(fd);
  ice::StunMessage message;
  ASSERT_EQ(ice::parse_stun(response, message), ice::StunParseError::ok);
  EXPECT_EQ(message.error_code, ice::kStunErrorUnauthorized);
  EXPECT_TRUE(closed_by_relay(fd, 2s));
}

TEST_F(IceTcp, ConnectionsBeyondTheCapAreRefused) {
  control::RelayConfig config = loopback_relay_config();
  config.tcp_max_connections = 2;
  start(config);
  const int first = connect_tcp();
  const int second = connect_tcp();
  std::this_thread::sleep_for(100ms);
  const int third = connect_tcp();
  EXPECT_TRUE(closed_by_relay(third));
  EXPECT_FALSE(closed_by_relay(first, 50ms));
  EXPECT_FALSE(closed_by_relay(second, 50ms));

  const std::string metrics = scrape_metrics();
  EXPECT_NE(metrics.find("sightline_tcp_connections_refused_total{worker=\"0\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("sightline_tcp_connections_accepted_total{worker=\"0\"} 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("sightline_tcp_connections{worker=\"0\"} 2\n"), std::string::npos) << metrics;
}

TEST_F(IceTcp, MetricsCountClosesAndSkippedFrames) {
  start(loopback_relay_config());
  const int garbage = connect_tcp();
  const std::vector<uint8_t> payload = {0x80, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 1, 0xAA};
  send_bytes(garbage, frame(payload));
  EXPECT_TRUE(closed_by_relay(garbage));
  const int oversize = connect_tcp();
  send_bytes(oversize, {0xFF, 0xFF});
  EXPECT_TRUE(closed_by_relay(oversize));

  const std::string metrics = scrape_metrics();
  EXPECT_NE(metrics.find("sightline_tcp_connections_closed_total{worker=\"0\",reason=\"unauthenticated\"} 2\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sightline_tcp_frames_skipped_total{worker=\"0\",reason=\"oversize\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sightline_packets_rejected_total{worker=\"0\",reason=\"tcp_before_binding\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sightline_tcp_connections{worker=\"0\"} 0\n"), std::string::npos) << metrics;
}

TEST_F(IceTcp, LeavingClosesTheParticipantsConnection) {
  start(loopback_relay_config());
  const Negotiated negotiated = negotiate("caller", "caller");
  const int fd = connect_tcp();
  ice::IceClient client(negotiated.local_ufrag, negotiated.relay_ufrag, negotiated.relay_password);
  expect_binding_over_tcp(fd, client, true);
  ASSERT_EQ(signalling_.front()->send({{"type", "leave"}}), std::nullopt);
  EXPECT_TRUE(closed_by_relay(fd));
}

TEST_F(IceTcp, ClosedConnectionFailsATransportWithNoOtherPath) {
  start(loopback_relay_config());
  const Negotiated negotiated = negotiate("caller", "caller");
  const int fd = connect_tcp();
  ice::IceClient client(negotiated.local_ufrag, negotiated.relay_ufrag, negotiated.relay_password);
  expect_binding_over_tcp(fd, client, true);
  ::close(fd);
  clients_.clear();
  // The relay sends transport-failed, as it does when ICE consent expires.
  const std::optional<nlohmann::json> error = wait_for(*signalling_.front(), "error");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->value("code", ""), "transport-failed") << error->dump();
}

TEST_F(IceTcp, ClosedConnectionFallsBackToAValidatedUdpPath) {
  start(loopback_relay_config());
  const Negotiated negotiated = negotiate("caller", "caller");
  ice::IceClient client(negotiated.local_ufrag, negotiated.relay_ufrag, negotiated.relay_password);

  // A check over UDP validates that path first, without nominating it.
  net::UdpSocket udp;
  std::string error_text;
  ASSERT_TRUE(udp.bind(*SocketAddress::parse("127.0.0.1", 0), &error_text)) << error_text;
  std::array<uint8_t, 512> request{};
  const size_t size = client.make_binding_request(sightline::now(), MutableByteView(request), false);
  const SocketAddress relay_udp = *SocketAddress::parse("127.0.0.1", relay_->media_port(0));
  udp.queue_send(relay_udp, ByteView(request.data(), size));
  udp.flush();
  ASSERT_TRUE(wait_until([&] { return udp.receive_batch() > 0; }, 2s));

  const int fd = connect_tcp();
  expect_binding_over_tcp(fd, client, true);
  ::close(fd);
  clients_.clear();
  // No transport failure: media moves to the UDP path.
  std::optional<nlohmann::json> message = signalling_.front()->receive(1s);
  while (message && message->value("type", "") != "error") message = signalling_.front()->receive(200ms);
  EXPECT_FALSE(message.has_value()) << message->dump();
}

}  // namespace
}  // namespace sightline::testing

// ControlServer on 127.0.0.1 with a fake handler, driven by SignallingClient
// and a small Beast HTTP client.
#include "relay/control/control_server.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "relay/control/metrics_registry.h"
#include "relay/control/signalling_client.h"
#include "relay/control/signalling_messages.h"

namespace sightline::control {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr milliseconds kReceiveTimeout{2000};

// Replies to join with joined and records every callback.
class FakeHandler : public ControlHandler {
 public:
  void on_ws_open(SessionId session, const HttpRequestInfo& request) override {
    std::lock_guard lock(mutex_);
    opened_.insert(session);
    last_open_ = request;
  }

  void on_ws_message(SessionId session, const json& message) override {
    // Queued from the control thread in one go, so no write completes in between.
    if (message.value("type", "") == "flood") {
      for (int i = 0; i < 50; ++i) server_->send(session, make_answer(std::string(1000, 'x')));
      return;
    }
    const ParsedClientMessage parsed = parse_client_message(message);
    if (!parsed) {
      server_->send(session, make_error(error_code::kInvalidMessage, parsed.error));
      return;
    }
    if (const auto* join = std::get_if<JoinMessage>(&*parsed.message)) {
      server_->send(session, make_joined(join->call, join->participant, {join->participant}));
    }
  }

  void on_ws_close(SessionId session) override {
    std::lock_guard lock(mutex_);
    closed_.insert(session);
  }

  HttpResponse on_http(const HttpRequestInfo& request) override {
    if (request.path == "/echo") return HttpResponse::json(200, json{{"q", request.query}});
    return ControlHandler::on_http(request);
  }

  std::set<SessionId> opened() {
    std::lock_guard lock(mutex_);
    return opened_;
  }
  std::set<SessionId> closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  HttpRequestInfo last_open() {
    std::lock_guard lock(mutex_);
    return last_open_;
  }

  ControlServer* server_ = nullptr;

 private:
  std::mutex mutex_;
  std::set<SessionId> opened_;
  std::set<SessionId> closed_;
  HttpRequestInfo last_open_;
};

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
};

HttpResult http_request(uint16_t port, http::verb method, const std::string& target) {
  boost::asio::io_context io_context;
  beast::tcp_stream stream(io_context);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> request(method, target, 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  beast::error_code ignored;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  return {static_cast<int>(response.result_int()), std::string(response[http::field::content_type]),
          response.body()};
}

// Polls until the condition is true or two seconds pass.
template <typename Condition>
bool wait_for(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

class ControlServerTest : public testing::Test {
 protected:
  void SetUp() override { start(ControlServerConfig{}); }

  void start(ControlServerConfig config) {
    config.port = 0;
    server_ = std::make_unique<ControlServer>(config, handler_, &metrics_);
    handler_.server_ = server_.get();
    const auto error = server_->start();
    ASSERT_FALSE(error.has_value()) << *error;
    ASSERT_NE(server_->port(), 0);
  }

  void connect(SignallingClient& client) {
    const auto error = client.connect("127.0.0.1", server_->port());
    ASSERT_FALSE(error.has_value()) << *error;
  }

  FakeHandler handler_;
  MetricsRegistry metrics_;
  std::unique_ptr<ControlServer> server_;
};

TEST_F(ControlServerTest, HealthReturnsOk) {
  const HttpResult result = http_request(server_->port(), http::verb::get, "/health");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.content_type, "application/json");
  EXPECT_EQ(result.body, R"({"status":"ok"})");
}

TEST_F(ControlServerTest, ReadyFollowsCheck) {
  server_->stop();
  server_ = std::make_unique<ControlServer>(ControlServerConfig{"127.0.0.1", 0}, handler_, &metrics_);
  std::atomic<bool> ready{false};
  server_->set_readiness_check([&] { return ready.load(); });
  ASSERT_FALSE(server_->start().has_value());

  EXPECT_EQ(http_request(server_->port(), http::verb::get, "/ready").status, 503);
  ready = true;
  EXPECT_EQ(http_request(server_->port(), http::verb::get, "/ready").status, 200);
}

TEST_F(ControlServerTest, MetricsTextFromCollectors) {
  metrics_.add_collector([](MetricsWriter& writer) { writer.gauge("test_calls", "Calls.", 3); });
  metrics_.add_collector([](MetricsWriter& writer) {
    writer.counter("test_packets_total", "Packets.", 7, {{"worker", "0"}});
  });
  const HttpResult result = http_request(server_->port(), http::verb::get, "/metrics");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const std::string expected =
      "# HELP test_calls Calls.\n# TYPE test_calls gauge\ntest_calls 3\n"
      "# HELP test_packets_total Packets.\n# TYPE test_packets_total counter\ntest_packets_total{worker=\"0\"} 7\n";
  EXPECT_NE(result.body.find(expected), std::string::npos) << result.body;
  EXPECT_NE(result.body.find("sightline_control_websocket_sessions 0\n"), std::string::npos) << result.body;
}

TEST_F(ControlServerTest, UnknownPathAndWrongMethod) {
  const HttpResult missing = http_request(server_->port(), http::verb::get, "/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"error":"no route for /nothing"})");

  const HttpResult wrong_method = http_request(server_->port(), http::verb::post, "/health");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.body, R"({"error":"use GET for /health"})");

  const HttpResult plain_ws = http_request(server_->port(), http::verb::get, "/ws");
  EXPECT_EQ(plain_ws.status, 426);
}

TEST_F(ControlServerTest, HandlerRouteGetsDecodedQuery) {
  const HttpResult result = http_request(server_->port(), http::verb::get, "/echo?name=a%20b&x=1+2");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, R"({"q":{"name":"a b","x":"1 2"}})");
  EXPECT_EQ(http_request(server_->port(), http::verb::get, "/echo?bad=%zz").status, 400);
}

TEST_F(ControlServerTest, JoinRoundTrip) {
  SignallingClient client;
  connect(client);
  ASSERT_FALSE(client.send(json{{"type", "join"}, {"call", "c1"}, {"participant", "p1"}, {"role", "caller"}}));
  const auto reply = client.receive(kReceiveTimeout);
  ASSERT_TRUE(reply.has_value()) << client.error();
  EXPECT_EQ(*reply, make_joined("c1", "p1", {"p1"}));
  EXPECT_EQ(handler_.last_open().path, "/ws");
  EXPECT_EQ(handler_.last_open().remote_address.rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(server_->session_count(), 1u);
}

TEST_F(ControlServerTest, InvalidJsonKeepsSession) {
  SignallingClient client;
  connect(client);
  ASSERT_FALSE(client.send_text("{not json"));
  const auto error = client.receive(kReceiveTimeout);
  ASSERT_TRUE(error.has_value()) << client.error();
  EXPECT_EQ(*error, make_error(error_code::kInvalidMessage, "message is not valid JSON"));

  ASSERT_FALSE(client.send(json{{"type", "join"}, {"call", "c1"}, {"participant", "p1"}, {"role", "caller"}}));
  const auto reply = client.receive(kReceiveTimeout);
  ASSERT_TRUE(reply.has_value()) << client.error();
  EXPECT_EQ((*reply)["type"], "joined");
}

TEST_F(ControlServerTest, TooLargeMessageClosesWithReason) {
  SignallingClient client;
  connect(client);
  ASSERT_FALSE(client.send_text(std::string(70'000, 'x')));
  EXPECT_FALSE(client.receive(kReceiveTimeout).has_value());
  const auto closed = client.closed();
  ASSERT_TRUE(closed.has_value()) << client.error();
  EXPECT_EQ(closed->code, 1009);
  EXPECT_EQ(closed->reason, "message too large: the limit is 65536 bytes");
  EXPECT_TRUE(wait_for([&] { return handler_.closed().size() == 1; }));

  SignallingClient other;
  connect(other);
  ASSERT_FALSE(other.send(json{{"type", "join"}, {"call", "c"}, {"participant", "p"}, {"role", "caller"}}));
  EXPECT_TRUE(other.receive(kReceiveTimeout).has_value()) << other.error();
}

TEST_F(ControlServerTest, SendFromAnotherThread) {
  SignallingClient client;
  connect(client);
  ASSERT_TRUE(wait_for([&] { return handler_.opened().size() == 1; }));
  const SessionId session = *handler_.opened().begin();

  std::thread sender([&] { server_->send(session, make_call_ended("slot over")); });
  sender.join();
  const auto message = client.receive(kReceiveTimeout);
  ASSERT_TRUE(message.has_value()) << client.error();
  EXPECT_EQ(*message, make_call_ended("slot over"));
}

TEST_F(ControlServerTest, CloseFromServerCarriesReason) {
  SignallingClient client;
  connect(client);
  ASSERT_TRUE(wait_for([&] { return handler_.opened().size() == 1; }));
  const SessionId session = *handler_.opened().begin();
  server_->send(session, make_call_ended("terminated by officer"));
  server_->close(session, "call ended");

  const auto message = client.receive(kReceiveTimeout);
  ASSERT_TRUE(message.has_value()) << client.error();
  EXPECT_EQ((*message)["type"], "call-ended");
  EXPECT_FALSE(client.receive(kReceiveTimeout).has_value());
  ASSERT_TRUE(client.closed().has_value()) << client.error();
  EXPECT_EQ(client.closed()->code, 1000);
  EXPECT_EQ(client.closed()->reason, "call ended");
}

TEST_F(ControlServerTest, ManyClientsLeaveNoSessions) {
  constexpr int kClients = 200;
  std::vector<std::unique_ptr<SignallingClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<SignallingClient>());
    connect(*clients.back());
  }
  ASSERT_TRUE(wait_for([&] { return server_->session_count() == kClients; })) << server_->session_count();
  for (auto& client : clients) client->close();

  ASSERT_TRUE(wait_for([&] { return handler_.closed().size() == kClients; })) << handler_.closed().size();
  EXPECT_EQ(handler_.opened(), handler_.closed());
  EXPECT_EQ(server_->session_count(), 0u);
}

TEST_F(ControlServerTest, SessionLimitRejectsUpgrade) {
  server_->stop();
  ControlServerConfig config;
  config.max_sessions = 1;
  start(config);

  SignallingClient first;
  connect(first);
  SignallingClient second;
  const auto error = second.connect("127.0.0.1", server_->port());
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("failed"), std::string::npos) << *error;
}

TEST_F(ControlServerTest, FullSendQueueClosesSession) {
  server_->stop();
  ControlServerConfig config;
  config.max_queued_messages = 4;
  start(config);

  SignallingClient client;
  connect(client);
  ASSERT_FALSE(client.send(json{{"type", "flood"}}));

  int received = 0;
  while (client.receive(kReceiveTimeout).has_value()) ++received;
  EXPECT_LT(received, 50);
  ASSERT_TRUE(client.closed().has_value()) << client.error();
  EXPECT_EQ(client.closed()->code, 1008);
  EXPECT_EQ(client.closed()->reason, "send queue full: the client is not reading messages");
  EXPECT_TRUE(wait_for([&] { return handler_.closed().size() == 1; }));
}

TEST_F(ControlServerTest, StopWithClientsIsPrompt) {
  std::vector<std::unique_ptr<SignallingClient>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<SignallingClient>());
    connect(*clients.back());
  }
  ASSERT_TRUE(wait_for([&] { return handler_.opened().size() == 5; }));

  const auto before = std::chrono::steady_clock::now();
  server_->stop();
  const auto elapsed = std::chrono::steady_clock::now() - before;
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
  EXPECT_EQ(handler_.closed().size(), 5u);
  EXPECT_EQ(server_->session_count(), 0u);
}

TEST(ControlServer, BindErrorNamesAddress) {
  FakeHandler handler;
  ControlServer first(ControlServerConfig{"127.0.0.1", 0}, handler);
  ASSERT_FALSE(first.start().has_value());
  ControlServer second(ControlServerConfig{"127.0.0.1", first.port()}, handler);
  const auto error = second.start();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "bind 127.0.0.1:" + std::to_string(first.port()) + " failed: Address already in use");
}

TEST(SignallingClient, ConnectRefusedNamesAddress) {
  // Find a port that is free by binding and releasing it.
  boost::asio::io_context io_context;
  boost::asio::ip::tcp::acceptor acceptor(
      io_context, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const uint16_t port = acceptor.local_endpoint().port();
  acceptor.close();

  SignallingClient client;
  const auto error = client.connect("127.0.0.1", port);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "connect to 127.0.0.1:" + std::to_string(port) + " failed: Connection refused");
}

}  // namespace
}  // namespace sightline::control

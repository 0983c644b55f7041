// TcpServer on a libuv loop driven by the test: accepting, RFC 4571 frames
// in and out, bounded send queues, timeouts and the connection cap.
#include "relay/net/tcp_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "relay/net/udp_socket.h"

namespace sightline::net {
namespace {

using namespace std::chrono_literals;

struct Recorder final : DatagramHandler {
  std::vector<std::pair<PacketPath, std::string>> frames;
  std::vector<PacketPath> closed;
  std::function<void(const PacketPath&, MutableByteView)> on_frame;

  void on_datagram(const PacketPath& from, MutableByteView data, TimePoint) override {
    frames.emplace_back(from, std::string(data.begin(), data.end()));
    if (on_frame) on_frame(from, data);
  }
  void on_connection_closed(const PacketPath& path) override { closed.push_back(path); }
  void on_tick(TimePoint) override {}
};

std::vector<uint8_t> framed(const std::string& payload) {
  std::vector<uint8_t> out(kFrameHeaderBytes + payload.size());
  write_frame_header(out.data(), payload.size());
  std::memcpy(out.data() + kFrameHeaderBytes, payload.data(), payload.size());
  return out;
}

class TcpServerTest : public ::testing::Test {
 protected:
  void start(TcpOptions options) {
    options.enabled = true;
    server_ = std::make_unique<TcpServer>(options);
    uv_loop_init(&loop_);
    std::string error;
    ASSERT_TRUE(server_->listen(&loop_, *SocketAddress::parse("127.0.0.1", 0), &handler_, nullptr, &error)) << error;
    ASSERT_NE(server_->local_address().port(), 0);
  }

  void TearDown() override {
    for (const int fd : clients_) ::close(fd);
    if (server_) {
      server_->close_all();
      uv_run(&loop_, UV_RUN_DEFAULT);
      uv_loop_close(&loop_);
    }
  }

  // Runs the loop until condition is true or the timeout passes.
  bool pump_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 2s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      uv_run(&loop_, UV_RUN_NOWAIT);
      server_->flush();
      if (condition()) return true;
      std::this_thread::sleep_for(1ms);
    }
    return condition();
  }

  int connect_client() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const SocketAddress address = server_->local_address();
    EXPECT_EQ(::connect(fd, address.sockaddr_ptr(), address.length()), 0) << std::strerror(errno);
    clients_.push_back(fd);
    return fd;
  }

  static void send_all(int fd, const std::vector<uint8_t>& bytes) {
    ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }

  // True when the server closed the client's connection (recv returns 0
  // or a reset) while the loop runs.
  bool closed_by_server(int fd) {
    return pump_until([&] {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 0) <= 0) return false;
      uint8_t byte = 0;
      const ssize_t count = ::recv(fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
      return count == 0 || (count < 0 && errno == ECONNRESET);
    });
  }

  uint64_t closed_count(TcpCloseReason reason) const {
    return server_->counters().closed[static_cast<size_t>(reason)].load();
  }

  uv_loop_t loop_{};
  Recorder handler_;
  std::unique_ptr<TcpServer> server_;
  std::vector<int> clients_;
};

TEST_F(TcpServerTest, FramesArriveWithTheConnectionsPath) {
  start({});
  const int fd = connect_client();
  std::vector<uint8_t> bytes = framed("first");
  const std::vector<uint8_t> second = framed("second");
  bytes.insert(bytes.end(), second.begin(), second.end());
  // The second frame's prefix is cut in two by separate writes.
  const std::vector<uint8_t> head(bytes.begin(), bytes.begin() + 8);
  const std::vector<uint8_t> tail(bytes.begin() + 8, bytes.end());
  send_all(fd, head);
  ASSERT_TRUE(pump_until([&] { return handler_.frames.size() == 1; }));
  send_all(fd, tail);
  ASSERT_TRUE(pump_until([&] { return handler_.frames.size() == 2; }));
  EXPECT_EQ(handler_.frames[0].second, "first");
  EXPECT_EQ(handler_.frames[1].second, "second");
  const PacketPath& path = handler_.frames[0].first;
  EXPECT_TRUE(path.is_tcp());
  EXPECT_EQ(path, handler_.frames[1].first);
  EXPECT_EQ(server_->counters().frames_received.load(), 2u);
  EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(TcpServerTest, SentPacketsAreFramed) {
  start({});
  const int fd = connect_client();
  handler_.on_frame = [&](const PacketPath& from, MutableByteView) {
    const std::string reply = "response";
    EXPECT_TRUE(server_->queue_send(from.connection, ByteView(reinterpret_cast<const uint8_t*>(reply.data()), reply.size())));
    // The zero-copy form: build in the slot, then commit.
    MutableByteView slot = server_->begin_send(from.connection);
    ASSERT_EQ(slot.size(), kMaxDatagramBytes);
    std::memcpy(slot.data(), "media", 5);
    server_->commit_send(from.connection, 5);
  };
  send_all(fd, framed("request"));
  ASSERT_TRUE(pump_until([&] { return handler_.frames.size() == 1; }));
  std::vector<uint8_t> expected = framed("response");
  const std::vector<uint8_t> media = framed("media");
  expected.insert(expected.end(), media.begin(), media.end());
  std::vector<uint8_t> received(expected.size());
  size_t got = 0;
  ASSERT_TRUE(pump_until([&] {
    const ssize_t count = ::recv(fd, received.data() + got, received.size() - got, MSG_DONTWAIT);
    if (count > 0) got += static_cast<size_t>(count);
    return got == expected.size();
  }));
  EXPECT_EQ(received, expected);
}

TEST_F(TcpServerTest, FullSendQueueDropsAndCountsWithoutBlocking) {
  TcpOptions options;
  options.send_queue_bytes = 8 * 1024;
  start(options);
  const int fd = connect_client();
  // The client never reads: once its kernel buffers fill, the queue fills.
  const int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  send_all(fd, framed("hello"));
  ASSERT_TRUE(pump_until([&] { return handler_.frames.size() == 1; }));
  const uint32_t id = handler_.frames[0].first.connection;
  const std::vector<uint8_t> packet(1200, 0xAB);
  int accepted = 0;
  for (int i = 0; i < 20'000 && server_->counters().send_queue_full.load() == 0; ++i) {
    if (server_->queue_send(id, packet)) ++accepted;
    if (i % 16 == 0) server_->flush();
  }
  EXPECT_GT(server_->counters().send_queue_full.load(), 0u);
  EXPECT_GT(accepted, 0);
  // The connection stays usable: it is not closed for being slow.
  EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(TcpServerTest, PeerClosingIsReported) {
  start({});
  const int fd = connect_client();
  send_all(fd, framed("hello"));
  ASSERT_TRUE(pump_until([&] { return handler_.frames.size() == 1; }));
  ::shutdown(fd, SHUT_WR);
  ASSERT_TRUE(pump_until([&] { return handler_.closed.size() == 1; }));
  EXPECT_EQ(handler_.closed[0], handler_.frames[0].first);
  EXPECT_EQ(closed_count(TcpCloseReason::peer_closed), 1u);
  EXPECT_EQ(server_->open_connections(), 0u);
  // A closed connection takes no more packets.
  EXPECT_TRUE(server_->begin_send(handler_.closed[0].connection).empty());
}

TEST_F(TcpServerTest, SilentPeerIsClosedAfterTheHandshakeTimeout) {
  TcpOptions options;
  options.handshake_timeout = 50ms;
  start(options);
  const int fd = connect_client();
  ASSERT_TRUE(pump_until([&] { return server_->open_connections() == 1; }));
  server_->tick(sightline::now());
  EXPECT_EQ(closed_count(TcpCloseReason::handshake_timeout), 0u);
  std::this_thread::sleep_for(60ms);
  server_->tick(sightline::now());
  EXPECT_TRUE(closed_by_server(fd));
  EXPECT_EQ(closed_count(TcpCloseReason::handshake_timeout), 1u);
}

TEST_F(TcpServerTest, AuthenticatedSurvivesHandshakeTimeoutNotSilence) {
  TcpOptions options;
  options.handshake_timeout = 20ms;
  options.silence_timeout = 200ms;
  start(options);
  const int fd = connect_client();
  send_all(fd, framed("binding"));
  ASSERT_TRUE(pump_until([&] { return handler_.frames.size() == 1; }));
  server_->mark_authenticated(handler_.frames[0].first.connection);
  std::this_thread::sleep_for(50ms);
  server_->tick(sightline::now());
  pump_until([] { return false; }, 20ms);
  EXPECT_EQ(server_->open_connections(), 1u);
  std::this_thread::sleep_for(200ms);
  server_->tick(sightline::now());
  EXPECT_TRUE(closed_by_server(fd));
  EXPECT_EQ(closed_count(TcpCloseReason::silent), 1u);
}

TEST_F(TcpServerTest, OversizeFrameBeforeAuthenticationCloses) {
  start({});
  const int fd = connect_client();
  std::vector<uint8_t> header(2);
  write_frame_header(header.data(), 60'000);
  send_all(fd, header);
  EXPECT_TRUE(closed_by_server(fd));
  EXPECT_EQ(server_->counters().oversize_frames.load(), 1u);
  EXPECT_EQ(closed_count(TcpCloseReason::unauthenticated), 1u);
  EXPECT_TRUE(handler_.frames.empty());
}

TEST_F(TcpServerTest, EmptyAndOversizeFramesAfterAuthenticationAreSkipped) {
  start({});
  const int fd = connect_client();
  send_all(fd, framed("binding"));
  ASSERT_TRUE(pump_until([&] { return handler_.frames.size() == 1; }));
  server_->mark_authenticated(handler_.frames[0].first.connection);
  std::vector<uint8_t> bytes(2);
  write_frame_header(bytes.data(), 0);
  const std::vector<uint8_t> oversize = framed(std::string(5000, 'x'));
  bytes.insert(bytes.end(), oversize.begin(), oversize.end());
  const std::vector<uint8_t> after = framed("after");
  bytes.insert(bytes.end(), after.begin(), after.end());
  send_all(fd, bytes);
  ASSERT_TRUE(pump_until([&] { return handler_.frames.size() == 2; }));
  EXPECT_EQ(handler_.frames[1].second, "after");
  EXPECT_EQ(server_->counters().empty_frames.load(), 1u);
  EXPECT_EQ(server_->counters().oversize_frames.load(), 1u);
  EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(TcpServerTest, ConnectionsBeyondTheCapAreRefused) {
  TcpOptions options;
  options.max_connections = 2;
  start(options);
  connect_client();
  connect_client();
  ASSERT_TRUE(pump_until([&] { return server_->open_connections() == 2; }));
  const int third = connect_client();
  EXPECT_TRUE(closed_by_server(third));
  EXPECT_EQ(server_->counters().refused_at_limit.load(), 1u);
  EXPECT_EQ(server_->open_connections(), 2u);
}

TEST_F(TcpServerTest, HandlerClosesDuringItsFrames) {
  start({});
  const int fd = connect_client();
  handler_.on_frame = [&](const PacketPath& from, MutableByteView) {
    server_->close(from.connection, TcpCloseReason::unauthenticated);
  };
  // Two frames in one write: the second is not handed over once the first closed it.
  std::vector<uint8_t> bytes = framed("garbage");
  const std::vector<uint8_t> more = framed("more");
  bytes.insert(bytes.end(), more.begin(), more.end());
  send_all(fd, bytes);
  EXPECT_TRUE(closed_by_server(fd));
  EXPECT_EQ(handler_.frames.size(), 1u);
  ASSERT_EQ(handler_.closed.size(), 1u);
  EXPECT_EQ(closed_count(TcpCloseReason::unauthenticated), 1u);
}

TEST_F(TcpServerTest, SlotReuseGivesANewId) {
  TcpOptions options;
  options.max_connections = 1;
  start(options);
  int fd = connect_client();
  send_all(fd, framed("one"));
  ASSERT_TRUE(pump_until([&] { return handler_.frames.size() == 1; }));
  const uint32_t first_id = handler_.frames[0].first.connection;
  ::close(fd);
  clients_.pop_back();
  ASSERT_TRUE(pump_until([&] { return handler_.closed.size() == 1; }));
  // The slot frees once libuv has closed the handle.
  uv_run(&loop_, UV_RUN_NOWAIT);
  fd = connect_client();
  send_all(fd, framed("two"));
  ASSERT_TRUE(pump_until([&] { return handler_.frames.size() == 2; }));
  const uint32_t second_id = handler_.frames[1].first.connection;
  EXPECT_NE(first_id, second_id);
  // A packet for the old connection must not reach the new one.
  EXPECT_TRUE(server_->begin_send(first_id).empty());
  EXPECT_FALSE(server_->begin_send(second_id).empty());
}

}  // namespace
}  // namespace sightline::net

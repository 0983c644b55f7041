// The passive ICE-TCP side of a media worker (RFC 6544): a listening socket
// and the connections browsers open to it when UDP is blocked, read and
// written as RFC 4571 frames on the worker's libuv loop.
//
// Memory is bounded: at most max_connections connections, each with one
// receive buffer and one send queue allocated when its slot is first used
// and reused after. Nothing is allocated per packet.
#pragma once

#include <uv.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "relay/base/clock.h"
#include "relay/base/packet_path.h"
#include "relay/net/packet_io.h"
#include "relay/net/rfc4571_framing.h"

namespace sightline::net {

struct TcpOptions {
  bool enabled = false;
  // 0: the same port number as the worker's UDP port.
  uint16_t port = 0;
  // Open connections per worker; a connection beyond it is closed at once.
  size_t max_connections = 128;
  // A connection must send an authenticated binding request within this time.
  milliseconds handshake_timeout{10'000};
  // An authenticated connection that receives nothing for this long is
  // closed (RFC 7675 consent lasts 30 s).
  milliseconds silence_timeout{30'000};
  // Bytes of frames waiting for the kernel per connection; a packet that
  // does not fit is dropped and counted.
  size_t send_queue_bytes = 256 * 1024;
};

// Read from other threads for metrics (relaxed).
struct TcpCounters {
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused_at_limit{0};
  std::atomic<uint64_t> accept_errors{0};
  std::atomic<uint64_t> frames_received{0};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> empty_frames{0};
  std::atomic<uint64_t> oversize_frames{0};
  std::atomic<uint64_t> frames_sent{0};
  std::atomic<uint64_t> send_queue_full{0};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(TcpCloseReason::count_)> closed{};
  std::atomic<int64_t> open{0};
};

class TcpServer {
 public:
  explicit TcpServer(TcpOptions options);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  // Binds and listens on address, and starts accepting on loop. Frames and
  // closed connections go to handler. after_events runs after each batch of
  // connection events, to flush what the handler queued on other paths.
  bool listen(uv_loop_t* loop, const SocketAddress& address, DatagramHandler* handler,
              std::function<void()> after_events, std::string* error);
  // Closes every connection and the listening socket; on the loop thread.
  void close_all();
  bool listening() const { return listen_fd_ >= 0; }
  SocketAddress local_address() const { return local_address_; }

  // The per-packet send path, as PacketSender describes it.
  MutableByteView begin_send(uint32_t connection);
  void commit_send(uint32_t connection, size_t length);
  bool queue_send(uint32_t connection, ByteView data);

  void mark_authenticated(uint32_t connection);
  // Closes the connection at the next flush(), so that a handler may ask
  // for it while the connection's own frames are being handled.
  void close(uint32_t connection, TcpCloseReason reason);
  // Writes queued frames and completes the closes asked for.
  void flush();
  // Closes connections past their handshake or silence timeout.
  void tick(TimePoint now);

  size_t open_connections() const { return static_cast<size_t>(counters_.open.load(std::memory_order_relaxed)); }
  const TcpCounters& counters() const { return counters_; }
  const TcpOptions& options() const { return options_; }

 private:
  struct Connection;

  static void on_listen_event(uv_poll_t* handle, int status, int events);
  static void on_connection_event(uv_poll_t* handle, int status, int events);
  void accept_pending();
  void read(Connection& connection);
  void write(Connection& connection);
  void finish_close(Connection& connection);
  Connection* find(uint32_t id);

  const TcpOptions options_;
  uv_loop_t* loop_ = nullptr;
  DatagramHandler* handler_ = nullptr;
  std::function<void()> after_events_;
  int listen_fd_ = -1;
  uv_poll_t listen_poll_{};
  bool listen_poll_active_ = false;
  SocketAddress local_address_;
  std::vector<std::unique_ptr<Connection>> slots_;
  // Frames were queued or closes asked for since the last flush().
  bool dirty_ = false;
  TcpCounters counters_;
};

}  // namespace sightline::net

// TcpServer: passive ICE-TCP connections of one media worker.
#include "relay/net/tcp_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "relay/base/log.h"
#include "relay/net/udp_socket.h"

namespace sightline::net {

namespace {
// Connections accepted, or reads made on one connection, per loop wakeup:
// bounds what one busy peer adds to the latency of the rest.
constexpr int kMaxAcceptsPerEvent = 32;
constexpr int kMaxReadsPerEvent = 8;
// Receive buffer per connection: several full-size frames per recv().
constexpr size_t kReceiveBufferBytes = 16 * 1024;
constexpr int kListenBacklog = 128;
// Ids carry the slot in their low 16 bits, so slots are capped at that.
constexpr size_t kMaxSlots = 0xFFFF;
// A frame is the length prefix and one packet of at most kMaxDatagramBytes.
constexpr size_t kMaxFrameBytes = kFrameHeaderBytes + kMaxDatagramBytes;

void add(std::atomic<uint64_t>& counter, uint64_t amount = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
}
}  // namespace

const char* to_string(TcpCloseReason reason) {
  switch (reason) {
    case TcpCloseReason::peer_closed: return "peer_closed";
    case TcpCloseReason::read_error: return "read_error";
    case TcpCloseReason::write_error: return "write_error";
    case TcpCloseReason::unauthenticated: return "unauthenticated";
    case TcpCloseReason::handshake_timeout: return "handshake_timeout";
    case TcpCloseReason::silent: return "silent";
    case TcpCloseReason::released: return "released";
    case TcpCloseReason::stopped: return "stopped";
    case TcpCloseReason::count_: break;
  }
  return "unknown";
}

struct TcpServer::Connection {
  enum class State { free, open, closing };

  Connection(TcpServer& owner, size_t index, size_t queue_bytes)
      : server(owner),
        slot(index),
        reader(kMaxDatagramBytes, kReceiveBufferBytes),
        send_buffer(std::make_unique<uint8_t[]>(queue_bytes)),
        send_capacity(queue_bytes) {}

  TcpServer& server;
  const size_t slot;
  uint16_t generation = 0;
  uint32_t id = 0;
  State state = State::free;
  int fd = -1;
  uv_poll_t poll{};
  SocketAddress remote;
  FrameReader reader;
  // Frames waiting for the kernel: bytes [head, tail) of send_buffer.
  std::unique_ptr<uint8_t[]> send_buffer;
  const size_t send_capacity;
  size_t head = 0;
  size_t tail = 0;
  bool waiting_writable = false;
  bool authenticated = false;
  bool close_pending = false;
  TcpCloseReason close_reason = TcpCloseReason::peer_closed;
  TimePoint opened{};
  TimePoint last_receive{};
};

TcpServer::TcpServer(TcpOptions options) : options_(options) {}

TcpServer::~TcpServer() {
  // close_all() runs on the loop before it stops; whatever is still open
  // here (a loop that never ran) only needs its descriptors released.
  for (auto& connection : slots_) {
    if (connection && connection->fd >= 0) ::close(connection->fd);
  }
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

bool TcpServer::listen(uv_loop_t* loop, const SocketAddress& address, DatagramHandler* handler,
                       std::function<void()> after_events, std::string* error) {
  loop_ = loop;
  handler_ = handler;
  after_events_ = std::move(after_events);
  listen_fd_ = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (listen_fd_ < 0) {
    if (error) *error = std::string("TCP socket() failed: ") + std::strerror(errno);
    return false;
  }
  // A restarted relay gets its port back while old connections linger in TIME_WAIT.
  const int on = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(listen_fd_, address.sockaddr_ptr(), address.length()) != 0 || ::listen(listen_fd_, kListenBacklog) != 0) {
    if (error) *error = "TCP listen on " + address.to_string() + " failed: " + std::strerror(errno);
    ::close(listen_fd_);
    listen_fd_ = -1;
    return false;
  }
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&storage), &length) == 0) {
    local_address_ = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&storage));
  }
  slots_.resize(std::min(std::max<size_t>(options_.max_connections, 1), kMaxSlots));
  uv_poll_init(loop_, &listen_poll_, listen_fd_);
  listen_poll_.data = this;
  uv_poll_start(&listen_poll_, UV_READABLE, &TcpServer::on_listen_event);
  listen_poll_active_ = true;
  return true;
}

void TcpServer::close_all() {
  for (auto& connection : slots_) {
    if (connection && connection->state == Connection::State::open) {
      close(connection->id, TcpCloseReason::stopped);
    }
  }
  flush();
  if (listen_poll_active_) {
    uv_poll_stop(&listen_poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(&listen_poll_), [](uv_handle_t* handle) {
      auto* self = static_cast<TcpServer*>(handle->data);
      ::close(self->listen_fd_);
      self->listen_fd_ = -1;
    });
    listen_poll_active_ = false;
  }
}

void TcpServer::on_listen_event(uv_poll_t* handle, int status, int) {
  auto* self = static_cast<TcpServer*>(handle->data);
  if (status < 0) {
    add(self->counters_.accept_errors);
    return;
  }
  self->accept_pending();
}

void TcpServer::accept_pending() {
  const TimePoint now = sightline::now();
  for (int round = 0; round < kMaxAcceptsPerEvent; ++round) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&storage), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // EMFILE and the like: leave the rest in the backlog for the next wakeup.
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        add(counters_.accept_errors);
        const uint64_t errors = counters_.accept_errors.load(std::memory_order_relaxed);
        // Logged at the 1st, 2nd, 4th, 8th... failure, so a lasting fault cannot flood the log.
        if ((errors & (errors - 1)) == 0) {
          log::warn("media", "tcp accept failed", {{"error", std::strerror(errno)}, {"failures", errors}});
        }
      }
      return;
    }

    size_t slot = slots_.size();
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (!slots_[i] || slots_[i]->state == Connection::State::free) {
        slot = i;
        break;
      }
    }
    if (slot == slots_.size()) {
      ::close(fd);
      add(counters_.refused_at_limit);
      continue;
    }
    if (!slots_[slot]) {
      slots_[slot] = std::make_unique<Connection>(*this, slot,
                                                  std::max(options_.send_queue_bytes, kMaxFrameBytes));
    }
    Connection& connection = *slots_[slot];
    // Media is real-time: Nagle's algorithm would hold small packets back.
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (uv_poll_init(loop_, &connection.poll, fd) != 0) {
      ::close(fd);
      add(counters_.accept_errors);
      continue;
    }
    connection.poll.data = &connection;
    connection.fd = fd;
    connection.generation = static_cast<uint16_t>(connection.generation + 1);
    connection.id = (static_cast<uint32_t>(connection.generation) << 16) | static_cast<uint32_t>(slot + 1);
    connection.state = Connection::State::open;
    connection.remote = SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage));
    connection.reader.reset();
    connection.head = 0;
    connection.tail = 0;
    connection.waiting_writable = false;
    connection.authenticated = false;
    connection.close_pending = false;
    connection.opened = now;
    connection.last_receive = now;
    uv_poll_start(&connection.poll, UV_READABLE, &TcpServer::on_connection_event);
    add(counters_.accepted);
    counters_.open.store(counters_.open.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
}

void TcpServer::on_connection_event(uv_poll_t* handle, int status, int events) {
  auto* connection = static_cast<Connection*>(handle->data);
  TcpServer& self = connection->server;
  if (connection->state != Connection::State::open) return;
  if (status < 0) {
    self.close(connection->id, TcpCloseReason::read_error);
  } else {
    if ((events & UV_WRITABLE) != 0) self.write(*connection);
    if ((events & UV_READABLE) != 0 && !connection->close_pending) self.read(*connection);
  }
  if (self.after_events_) {
    self.after_events_();
  } else {
    self.flush();
  }
}

void TcpServer::read(Connection& connection) {
  const TimePoint now = sightline::now();
  const PacketPath path(connection.remote, connection.id);
  for (int round = 0; round < kMaxReadsPerEvent && !connection.close_pending; ++round) {
    const MutableByteView space = connection.reader.receive_space();
    const ssize_t count = ::recv(connection.fd, space.data(), space.size(), MSG_DONTWAIT);
    if (count == 0) {
      close(connection.id, TcpCloseReason::peer_closed);
      return;
    }
    if (count < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      close(connection.id, errno == ECONNRESET ? TcpCloseReason::peer_closed : TcpCloseReason::read_error);
      return;
    }
    connection.reader.received(static_cast<size_t>(count));
    connection.last_receive = now;
    add(counters_.bytes_received, static_cast<uint64_t>(count));

    MutableByteView frame;
    while (!connection.close_pending) {
      const FrameReader::Result result = connection.reader.next(&frame);
      if (result == FrameReader::Result::need_more) break;
      if (result == FrameReader::Result::skipped_empty) {
        add(counters_.empty_frames);
        continue;
      }
      if (result == FrameReader::Result::skipped_oversize) {
        add(counters_.oversize_frames);
        // No ICE agent sends a packet this large; before authentication it
        // marks a peer that is not speaking ICE-TCP at all.
        if (!connection.authenticated) close(connection.id, TcpCloseReason::unauthenticated);
        continue;
      }
      add(counters_.frames_received);
      handler_->on_datagram(path, frame, now);
    }
    if (static_cast<size_t>(count) < space.size()) return;
  }
}

void TcpServer::write(Connection& connection) {
  while (connection.head < connection.tail) {
    const ssize_t sent = ::send(connection.fd, connection.send_buffer.get() + connection.head,
                                connection.tail - connection.head, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!connection.waiting_writable) {
          uv_poll_start(&connection.poll, UV_READABLE | UV_WRITABLE, &TcpServer::on_connection_event);
          connection.waiting_writable = true;
        }
        return;
      }
      close(connection.id, errno == EPIPE || errno == ECONNRESET ? TcpCloseReason::peer_closed
                                                                 : TcpCloseReason::write_error);
      return;
    }
    connection.head += static_cast<size_t>(sent);
  }
  connection.head = 0;
  connection.tail = 0;
  if (connection.waiting_writable) {
    uv_poll_start(&connection.poll, UV_READABLE, &TcpServer::on_connection_event);
    connection.waiting_writable = false;
  }
}

TcpServer::Connection* TcpServer::find(uint32_t id) {
  const size_t slot = (id & 0xFFFFu) - 1;
  if ((id & 0xFFFFu) == 0 || slot >= slots_.size() || !slots_[slot]) return nullptr;
  Connection* connection = slots_[slot].get();
  if (connection->state != Connection::State::open || connection->id != id) return nullptr;
  return connection;
}

MutableByteView TcpServer::begin_send(uint32_t id) {
  Connection* connection = find(id);
  if (connection == nullptr || connection->close_pending) return {};
  if (connection->send_capacity - connection->tail < kMaxFrameBytes && connection->head > 0) {
    const size_t queued = connection->tail - connection->head;
    std::memmove(connection->send_buffer.get(), connection->send_buffer.get() + connection->head, queued);
    connection->head = 0;
    connection->tail = queued;
  }
  if (connection->send_capacity - connection->tail < kMaxFrameBytes) {
    // The peer reads slower than media arrives: a late packet is worthless,
    // and blocking would stall every call on this worker.
    add(counters_.send_queue_full);
    return {};
  }
  return MutableByteView(connection->send_buffer.get() + connection->tail + kFrameHeaderBytes, kMaxDatagramBytes);
}

void TcpServer::commit_send(uint32_t id, size_t length) {
  Connection* connection = find(id);
  if (connection == nullptr || length == 0 || length > kMaxDatagramBytes) return;
  if (connection->send_capacity - connection->tail < kFrameHeaderBytes + length) return;
  write_frame_header(connection->send_buffer.get() + connection->tail, length);
  connection->tail += kFrameHeaderBytes + length;
  add(counters_.frames_sent);
  dirty_ = true;
}

bool TcpServer::queue_send(uint32_t id, ByteView data) {
  if (data.empty() || data.size() > kMaxDatagramBytes) return false;
  const MutableByteView slot = begin_send(id);
  if (slot.size() < data.size()) return false;
  std::memcpy(slot.data(), data.data(), data.size());
  commit_send(id, data.size());
  return true;
}

void TcpServer::mark_authenticated(uint32_t id) {
  if (Connection* connection = find(id)) connection->authenticated = true;
}

void TcpServer::close(uint32_t id, TcpCloseReason reason) {
  Connection* connection = find(id);
  if (connection == nullptr || connection->close_pending) return;
  connection->close_pending = true;
  connection->close_reason = reason;
  dirty_ = true;
}

void TcpServer::flush() {
  // Closing notifies the handler, which may queue frames or ask for more
  // closes. A few rounds settle that, and anything left waits for the next flush.
  for (int round = 0; round < 4 && dirty_; ++round) {
    dirty_ = false;
    for (auto& slot : slots_) {
      if (!slot || slot->state != Connection::State::open) continue;
      Connection& connection = *slot;
      if (!connection.close_pending && connection.tail > connection.head && !connection.waiting_writable) {
        write(connection);
      }
      if (connection.close_pending) finish_close(connection);
    }
  }
}

void TcpServer::finish_close(Connection& connection) {
  const PacketPath path(connection.remote, connection.id);
  const TcpCloseReason reason = connection.close_reason;
  connection.state = Connection::State::closing;
  add(counters_.closed[static_cast<size_t>(reason)]);
  counters_.open.store(counters_.open.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  // Addresses stay out of the log because they are personal data.
  log::info("media", "tcp connection closed",
            {{"reason", to_string(reason)}, {"connection", connection.id}, {"authenticated", connection.authenticated}});
  // The descriptor is closed after libuv has let go of it, so that a new
  // connection reusing the number cannot meet the old watcher.
  uv_poll_stop(&connection.poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&connection.poll), [](uv_handle_t* handle) {
    auto* closed = static_cast<Connection*>(handle->data);
    ::close(closed->fd);
    closed->fd = -1;
    closed->state = Connection::State::free;
  });
  if (handler_) handler_->on_connection_closed(path);
}

void TcpServer::tick(TimePoint now) {
  for (auto& slot : slots_) {
    if (!slot || slot->state != Connection::State::open || slot->close_pending) continue;
    const Connection& connection = *slot;
    if (!connection.authenticated && now - connection.opened >= options_.handshake_timeout) {
      close(connection.id, TcpCloseReason::handshake_timeout);
    } else if (connection.authenticated && now - connection.last_receive >= options_.silence_timeout) {
      close(connection.id, TcpCloseReason::silent);
    }
  }
}

}  // namespace sightline::net

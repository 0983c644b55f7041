// One media worker: a thread running its own libuv loop that owns one UDP
// port and, when ICE-TCP is on, one listening TCP port. Calls live on exactly one worker and share nothing with other
// workers; the control thread talks to a worker only by posting tasks.
#pragma once

#include <uv.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "relay/base/clock.h"
#include "relay/net/packet_io.h"
#include "relay/net/tcp_server.h"
#include "relay/net/udp_socket.h"

namespace sightline::net {

class MediaWorker final : public PacketSender {
 public:
  // Interval of the worker's tick timer: the resolution of every media timer.
  static constexpr milliseconds kDefaultTick{10};

  MediaWorker(int index, SocketAddress bind_address, TcpOptions tcp = {}, UdpOptions udp = {},
              milliseconds tick = kDefaultTick);
  ~MediaWorker() override;
  MediaWorker(const MediaWorker&) = delete;
  MediaWorker& operator=(const MediaWorker&) = delete;

  // Binds the port (and the TCP port when TCP is enabled) and starts the
  // thread. handler must outlive the worker's run.
  bool start(DatagramHandler* handler, std::string* error);
  // Stops the loop, closes the socket and joins the thread. Idempotent.
  void stop();

  // Runs task on the worker thread, from any thread. Tasks run in order.
  void post(std::function<void()> task);
  // Runs task on the worker thread and waits for it to finish. Must not be
  // called from the worker thread itself.
  void run_sync(const std::function<void()>& task);

  bool running() const { return started_; }
  int index() const { return index_; }
  SocketAddress local_address() const { return local_address_; }
  bool on_worker_thread() const { return std::this_thread::get_id() == thread_id_.load(); }
  // The worker's TCP listening address; empty when ICE-TCP is off.
  SocketAddress tcp_local_address() const { return tcp_local_address_; }
  // The worker's socket; use only on the worker thread.
  UdpSocket& socket() { return socket_; }
  // The worker's ICE-TCP connections; use only on the worker thread, except
  // counters(), which is for metrics.
  TcpServer& tcp() { return tcp_; }
  const TcpServer& tcp() const { return tcp_; }

  // PacketSender, on the worker thread.
  MutableByteView begin_send(const PacketPath& to) override;
  void commit_send(const PacketPath& to, size_t length) override;
  bool queue_send(const PacketPath& to, ByteView data) override;
  void close_connection(const PacketPath& path, TcpCloseReason reason) override;
  void connection_authenticated(const PacketPath& path) override;

  // Counters read from other threads (relaxed, for metrics).
  uint64_t datagrams_received() const { return datagrams_received_.load(std::memory_order_relaxed); }
  uint64_t bytes_received() const { return bytes_received_.load(std::memory_order_relaxed); }
  uint64_t truncated_dropped() const { return truncated_dropped_.load(std::memory_order_relaxed); }
  uint64_t receive_errors() const { return receive_errors_.load(std::memory_order_relaxed); }
  const UdpSendCounters& udp_send_counters() const { return socket_.send_counters(); }
  bool udp_gso_active() const { return socket_.gso_active(); }
  bool udp_gro_active() const { return socket_.gro_active(); }
  uint64_t udp_coalesced_receives() const { return socket_.coalesced_receives(); }
  uint64_t udp_segments_dropped() const { return socket_.segments_dropped(); }

 private:
  static void on_readable(uv_poll_t* handle, int status, int events);
  static void on_tick_timer(uv_timer_t* handle);
  static void on_async(uv_async_t* handle);
  void run();
  void drain_socket();
  void run_posted_tasks();
  // Sends what was queued on UDP and TCP.
  void flush_all();

  const int index_;
  const SocketAddress bind_address_;
  const milliseconds tick_;
  SocketAddress local_address_;
  SocketAddress tcp_local_address_;
  DatagramHandler* handler_ = nullptr;
  UdpSocket socket_;
  TcpServer tcp_;

  uv_loop_t loop_{};
  uv_poll_t poll_{};
  uv_timer_t timer_{};
  uv_async_t async_{};
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
  bool started_ = false;
  bool stopping_ = false;  // touched on the worker thread only

  std::mutex tasks_mutex_;
  std::vector<std::function<void()>> tasks_;

  std::atomic<uint64_t> datagrams_received_{0};
  std::atomic<uint64_t> bytes_received_{0};
  std::atomic<uint64_t> truncated_dropped_{0};
  std::atomic<uint64_t> receive_errors_{0};
};

}  // namespace sightline::net

// MediaWorker: the libuv loop of one media thread.
#include "relay/net/media_worker.h"

#include <future>

#include "relay/base/log.h"

namespace sightline::net {

namespace {
// Batches drained per readable event before the loop gets to run timers and
// posted tasks: bounds the latency a flood on one port adds to the rest.
constexpr int kMaxBatchesPerWakeup = 16;
}  // namespace

MediaWorker::MediaWorker(int index, SocketAddress bind_address, TcpOptions tcp, UdpOptions udp, milliseconds tick)
    : index_(index), bind_address_(bind_address), tick_(tick), socket_(udp), tcp_(tcp) {}

MediaWorker::~MediaWorker() { stop(); }

bool MediaWorker::start(DatagramHandler* handler, std::string* error) {
  if (started_) return true;
  handler_ = handler;
  if (!socket_.bind(bind_address_, error)) return false;
  local_address_ = socket_.local_address();

  uv_loop_init(&loop_);
  loop_.data = this;
  if (tcp_.options().enabled) {
    // The TCP port number defaults to the UDP one. When the UDP port was
    // picked by the system, that number may be taken on TCP: then the
    // system picks the TCP port too.
    SocketAddress tcp_address = bind_address_;
    tcp_address.set_port(tcp_.options().port != 0 ? tcp_.options().port : local_address_.port());
    std::string tcp_error;
    bool listening = tcp_.listen(&loop_, tcp_address, handler, [this] { flush_all(); }, &tcp_error);
    if (!listening && tcp_.options().port == 0 && bind_address_.port() == 0) {
      tcp_address.set_port(0);
      listening = tcp_.listen(&loop_, tcp_address, handler, [this] { flush_all(); }, &tcp_error);
    }
    if (!listening) {
      if (error) *error = tcp_error;
      uv_loop_close(&loop_);
      socket_.close();
      return false;
    }
    tcp_local_address_ = tcp_.local_address();
  }
  uv_poll_init(&loop_, &poll_, socket_.fd());
  poll_.data = this;
  uv_timer_init(&loop_, &timer_);
  timer_.data = this;
  uv_async_init(&loop_, &async_, &MediaWorker::on_async);
  async_.data = this;
  uv_poll_start(&poll_, UV_READABLE, &MediaWorker::on_readable);
  const auto tick_ms = static_cast<uint64_t>(tick_.count());
  uv_timer_start(&timer_, &MediaWorker::on_tick_timer, tick_ms, tick_ms);

  started_ = true;
  thread_ = std::thread([this] { run(); });
  log::info("media", "worker started",
            {{"worker", index_},
             {"address", local_address_.to_string()},
             {"udp_gso", socket_.gso_active()},
             {"udp_gro", socket_.gro_active()},
             {"tcp_address", tcp_local_address_.empty() ? std::string() : tcp_local_address_.to_string()}});
  return true;
}

void MediaWorker::stop() {
  if (!started_) return;
  post([this] {
    stopping_ = true;
    tcp_.close_all();
    uv_poll_stop(&poll_);
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&poll_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  });
  if (thread_.joinable()) thread_.join();
  uv_loop_close(&loop_);
  socket_.close();
  started_ = false;
  log::info("media", "worker stopped", {{"worker", index_}});
}

void MediaWorker::post(std::function<void()> task) {
  {
    std::lock_guard lock(tasks_mutex_);
    tasks_.push_back(std::move(task));
  }
  uv_async_send(&async_);
}

void MediaWorker::run_sync(const std::function<void()>& task) {
  std::promise<void> done;
  post([&task, &done] {
    task();
    done.set_value();
  });
  done.get_future().wait();
}

void MediaWorker::run() {
  thread_id_.store(std::this_thread::get_id());
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Tasks posted after the loop closed (a racing teardown) still run, so
  // that no waiter in run_sync() hangs.
  run_posted_tasks();
  thread_id_.store(std::thread::id());
}

void MediaWorker::on_readable(uv_poll_t* handle, int status, int) {
  auto* self = static_cast<MediaWorker*>(handle->data);
  if (status < 0) {
    self->receive_errors_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  self->drain_socket();
}

void MediaWorker::drain_socket() {
  const TimePoint now = sightline::now();
  for (int round = 0; round < kMaxBatchesPerWakeup; ++round) {
    const int count = socket_.receive_batch();
    if (count < 0) {
      receive_errors_.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    uint64_t bytes = 0;
    for (int i = 0; i < count; ++i) {
      const ReceivedDatagram& datagram = socket_.received(i);
      if (datagram.truncated) {
        truncated_dropped_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      bytes += datagram.data.size();
      handler_->on_datagram(datagram.from, datagram.data, now);
    }
    datagrams_received_.fetch_add(static_cast<uint64_t>(count), std::memory_order_relaxed);
    bytes_received_.fetch_add(bytes, std::memory_order_relaxed);
    if (!socket_.receive_filled()) break;
  }
  flush_all();
}

void MediaWorker::on_tick_timer(uv_timer_t* handle) {
  auto* self = static_cast<MediaWorker*>(handle->data);
  const TimePoint now = sightline::now();
  self->tcp_.tick(now);
  self->handler_->on_tick(now);
  self->flush_all();
}

void MediaWorker::on_async(uv_async_t* handle) {
  auto* self = static_cast<MediaWorker*>(handle->data);
  self->run_posted_tasks();
  if (!self->stopping_) self->flush_all();
}

void MediaWorker::run_posted_tasks() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(tasks_mutex_);
    tasks.swap(tasks_);
  }
  for (auto& task : tasks) task();
}

void MediaWorker::flush_all() {
  socket_.flush();
  tcp_.flush();
}

MutableByteView MediaWorker::begin_send(const PacketPath& to) {
  return to.is_tcp() ? tcp_.begin_send(to.connection) : socket_.begin_send();
}

void MediaWorker::commit_send(const PacketPath& to, size_t length) {
  if (to.is_tcp()) {
    tcp_.commit_send(to.connection, length);
  } else {
    socket_.commit_send(to.address, length);
  }
}

bool MediaWorker::queue_send(const PacketPath& to, ByteView data) {
  if (to.is_tcp()) return tcp_.queue_send(to.connection, data);
  if (data.size() > kMaxDatagramBytes) {
    socket_.queue_send(to.address, data);  // counts it as oversized
    return false;
  }
  socket_.queue_send(to.address, data);
  return true;
}

void MediaWorker::close_connection(const PacketPath& path, TcpCloseReason reason) {
  if (path.is_tcp()) tcp_.close(path.connection, reason);
}

void MediaWorker::connection_authenticated(const PacketPath& path) {
  if (path.is_tcp()) tcp_.mark_authenticated(path.connection);
}

}  // namespace sightline::net

// One libuv loop thread driving many load participants: a poll handle per
// participant's UDP socket and one 5 ms timer that paces every participant's
// media. The generator runs about one loop per core instead of one thread
// per participant.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tools/load/load_metrics.h"
#include "tools/load/load_participant.h"

namespace sightline::load {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void start();
  // Stops the thread and closes the handles; participants stay owned by the caller.
  void stop();
  // Hands a joined participant to the loop; safe from any thread. The
  // participant must outlive stop().
  void add(LoadParticipant* participant);

  LoadMetrics& metrics() { return metrics_; }
  // Kernel thread id of the loop thread, for its CPU time in /proc; 0 before it runs.
  pid_t thread_id() const { return thread_id_.load(); }

 private:
  struct Entry {
    LoadParticipant* participant = nullptr;
    uv_poll_t poll{};
  };

  void on_timer();
  void on_tasks();
  void close_handles();

  LoadMetrics metrics_;
  uv_loop_t loop_{};
  uv_timer_t timer_{};
  uv_async_t tasks_async_{};
  uv_async_t stop_async_{};
  std::mutex tasks_mutex_;
  std::vector<LoadParticipant*> pending_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::thread thread_;
  std::atomic<pid_t> thread_id_{0};
  bool started_ = false;
  bool running_ = false;
  uint64_t max_tick_lag_us_ = 0;
  TimePoint next_tick_{};
  TimePoint next_metrics_{};
};

}  // namespace sightline::load

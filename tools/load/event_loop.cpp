// EventLoop: the libuv loop, its timer and the hand-over of new participants.
#include "tools/load/event_loop.h"

#include <unistd.h>

#include <algorithm>

namespace sightline::load {

namespace {
constexpr milliseconds kTickInterval{5};
constexpr milliseconds kMetricsInterval{1000};
}  // namespace

EventLoop::EventLoop() {
  uv_loop_init(&loop_);
  uv_timer_init(&loop_, &timer_);
  timer_.data = this;
  uv_async_init(&loop_, &tasks_async_, [](uv_async_t* handle) { static_cast<EventLoop*>(handle->data)->on_tasks(); });
  tasks_async_.data = this;
  uv_async_init(&loop_, &stop_async_, [](uv_async_t* handle) { static_cast<EventLoop*>(handle->data)->close_handles(); });
  stop_async_.data = this;
}

EventLoop::~EventLoop() {
  stop();
  if (!started_) {
    // Never started: the handles still need closing before the loop can close.
    close_handles();
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  uv_loop_close(&loop_);
}

void EventLoop::start() {
  if (started_) return;
  started_ = true;
  running_ = true;
  next_tick_ = sightline::now();
  next_metrics_ = next_tick_ + kMetricsInterval;
  const auto tick_ms = static_cast<uint64_t>(kTickInterval.count());
  uv_timer_start(&timer_, [](uv_timer_t* handle) { static_cast<EventLoop*>(handle->data)->on_timer(); }, 0, tick_ms);
  thread_ = std::thread([this] {
    thread_id_.store(static_cast<pid_t>(gettid()));
    uv_run(&loop_, UV_RUN_DEFAULT);
  });
}

void EventLoop::stop() {
  if (!running_) return;
  uv_async_send(&stop_async_);
  if (thread_.joinable()) thread_.join();
  running_ = false;
}

void EventLoop::add(LoadParticipant* participant) {
  {
    std::lock_guard lock(tasks_mutex_);
    pending_.push_back(participant);
  }
  uv_async_send(&tasks_async_);
}

void EventLoop::on_tasks() {
  std::vector<LoadParticipant*> added;
  {
    std::lock_guard lock(tasks_mutex_);
    added.swap(pending_);
  }
  for (LoadParticipant* participant : added) {
    auto entry = std::make_unique<Entry>();
    entry->participant = participant;
    uv_poll_init(&loop_, &entry->poll, participant->fd());
    entry->poll.data = entry.get();
    uv_poll_start(&entry->poll, UV_READABLE, [](uv_poll_t* handle, int status, int) {
      if (status < 0) return;
      static_cast<Entry*>(handle->data)->participant->on_readable(sightline::now());
    });
    // The first tick starts ICE at once instead of waiting for the timer.
    participant->tick(sightline::now());
    entries_.push_back(std::move(entry));
  }
}

void EventLoop::on_timer() {
  const TimePoint now = sightline::now();
  // How late this tick runs measures whether the loop keeps up with its participants.
  const int64_t lag_us = std::max<int64_t>(0, to_us(now - next_tick_));
  max_tick_lag_us_ = std::max(max_tick_lag_us_, static_cast<uint64_t>(lag_us));
  next_tick_ = now + kTickInterval;

  for (const std::unique_ptr<Entry>& entry : entries_) entry->participant->tick(now);

  if (now >= next_metrics_) {
    uint64_t jitter_sum_us = 0;
    uint64_t jitter_streams = 0;
    for (const std::unique_ptr<Entry>& entry : entries_) entry->participant->update_metrics(jitter_sum_us, jitter_streams);
    metrics_.jitter_sum_us.store(jitter_sum_us, std::memory_order_relaxed);
    metrics_.jitter_streams.store(jitter_streams, std::memory_order_relaxed);
    metrics_.max_tick_lag_us.store(max_tick_lag_us_, std::memory_order_relaxed);
    max_tick_lag_us_ = 0;
    next_metrics_ = now + kMetricsInterval;
  }
}

void EventLoop::close_handles() {
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&tasks_async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&stop_async_), nullptr);
  for (const std::unique_ptr<Entry>& entry : entries_) {
    uv_poll_stop(&entry->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&entry->poll), nullptr);
  }
}

}  // namespace sightline::load

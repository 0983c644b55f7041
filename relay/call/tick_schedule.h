// Due times of one media worker's participant timers (ICE consent, DTLS
// retransmission, RTCP reports, transport feedback, layer choice), in one
// array. The worker's tick reads this array instead of visiting every call
// and participant, so a participant's state is read only when one of its
// timers is due. Visiting hundreds of participants every 10 ms cost at
// least one cache miss each.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "relay/base/clock.h"

namespace sightline::call {

// Interface of the objects in the schedule, implemented by Participant.
class Scheduled {
 public:
  virtual ~Scheduled() = default;
  // Runs the timers that are due and returns when the next one is.
  virtual TimePoint tick(TimePoint now) = 0;
  // Sends the keyframe request that analysis made, if there is one.
  virtual void poll_tap_keyframe_request(TimePoint now) = 0;
};

// Not thread safe, except tap_requests(): one worker owns it.
class TickSchedule {
 public:
  TickSchedule();

  // An added participant is due at once.
  void add(Scheduled& scheduled);
  void remove(const Scheduled& scheduled);
  size_t size() const { return entries_.size(); }

  // Ticks every participant whose timer is due. When analysis requested a
  // keyframe since the last run, first polls every participant for it.
  void run(TimePoint now);

  // Flag that analysis threads set, with the participant's own flag, when
  // they request a keyframe. Shared, because a requester may outlive the worker.
  const std::shared_ptr<std::atomic<bool>>& tap_requests() const { return tap_requests_; }

  // Count of participant ticks run so far, for tests and benchmarks.
  uint64_t ticks_run() const { return ticks_run_; }

 private:
  struct Entry {
    TimePoint due;
    Scheduled* scheduled;
  };

  std::vector<Entry> entries_;
  std::shared_ptr<std::atomic<bool>> tap_requests_;
  uint64_t ticks_run_ = 0;
};

}  // namespace sightline::call

// TickSchedule: the participants' due times, in one array per worker.
#include "relay/call/tick_schedule.h"

#include <algorithm>

namespace sightline::call {

TickSchedule::TickSchedule() : tap_requests_(std::make_shared<std::atomic<bool>>(false)) {}

void TickSchedule::add(Scheduled& scheduled) { entries_.push_back(Entry{TimePoint{}, &scheduled}); }

void TickSchedule::remove(const Scheduled& scheduled) {
  const auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& entry) { return entry.scheduled == &scheduled; });
  if (it == entries_.end()) return;
  *it = entries_.back();
  entries_.pop_back();
}

void TickSchedule::run(TimePoint now) {
  if (tap_requests_->exchange(false, std::memory_order_acquire)) {
    for (const Entry& entry : entries_) entry.scheduled->poll_tap_keyframe_request(now);
  }
  for (Entry& entry : entries_) {
    if (now < entry.due) continue;
    entry.due = entry.scheduled->tick(now);
    ++ticks_run_;
  }
}

}  // namespace sightline::call

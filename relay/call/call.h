// A call on one media worker: its participants and the routing of media
// between them. Media flows between the parties only while the call is live.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "relay/call/participant.h"

namespace sightline::call {

// Notifications from a worker to the control thread. Called on the worker
// thread; implementations post to their own thread.
class CallEvents {
 public:
  virtual ~CallEvents() = default;
  virtual void on_participant_connected(const std::string& call_id, const std::string& participant_id,
                                        uint64_t session) = 0;
  virtual void on_participant_failed(const std::string& call_id, const std::string& participant_id,
                                     uint64_t session, std::string_view reason) = 0;
};

class Call {
 public:
  // `schedule` is the worker's: each participant joins it while in the call.
  Call(std::string id, CallPhase phase, RelayCounters& counters, CallEvents& events, TickSchedule& schedule);
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  const std::string& id() const { return id_; }
  // Decides what flows between whom (media_gate.h). A supervised call
  // starts in id_check; calls without supervision start live.
  CallPhase phase() const { return phase_; }
  void set_phase(CallPhase phase, TimePoint now);

  Participant& add(net::PacketSender& sender, ParticipantSetup setup);
  // Returns the removed participant so that the worker can unregister its
  // transport before it is destroyed; null when there is no such participant.
  std::unique_ptr<Participant> remove(std::string_view participant_id);
  Participant* find(std::string_view participant_id);
  const std::vector<std::unique_ptr<Participant>>& participants() const { return participants_; }
  bool empty() const { return participants_.empty(); }

  // Sends a publisher's packet to every other participant.
  void route(Participant& from, MediaType type, const rtp::RtpPacket& packet, const VideoPacketInfo* video,
             TimePoint now);
  // A subscriber asked for a video keyframe: ask the publishers feeding it.
  void request_keyframe(Participant& subscriber, TimePoint now);
  // Asks the publisher that feeds `subscriber` for a key frame on one
  // simulcast layer, for a layer switch. Returns true when a request was sent.
  bool request_layer_keyframe(const Participant& subscriber, size_t layer, TimePoint now);
  TickSchedule& schedule() { return schedule_; }

  void on_connected(Participant& participant);
  void on_failed(Participant& participant, std::string_view reason);

 private:
  std::string id_;
  RelayCounters& counters_;
  CallEvents& events_;
  TickSchedule& schedule_;
  CallPhase phase_ = CallPhase::live;
  std::vector<std::unique_ptr<Participant>> participants_;
};

}  // namespace sightline::call

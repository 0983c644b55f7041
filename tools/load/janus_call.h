// One two-party load call through the Janus WebRTC Server's VideoRoom
// plugin: a room per call, each participant publishes its audio and video
// and subscribes to the other's, over Janus's HTTP API. The participants'
// transports are set up here; the event loops then drive their media.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "relay/base/clock.h"
#include "tools/load/janus_session.h"
#include "tools/load/load_participant.h"

namespace sightline::load {

struct JanusCallParams {
  std::string host = "127.0.0.1";
  uint16_t port = 8088;  // Janus's HTTP transport
  std::string call_id;
  int timeout_ms = 10000;
};

class JanusCall {
 public:
  JanusCall() = default;
  ~JanusCall();
  JanusCall(const JanusCall&) = delete;
  JanusCall& operator=(const JanusCall&) = delete;

  // Creates the room, publishes both participants and subscribes each to
  // the other, blocking. Returns an error message naming the step that failed.
  std::optional<std::string> connect(const JanusCallParams& params, LoadParticipant& terminal,
                                     LoadParticipant& caller);
  // Sends the sessions' keepalives when due; on the thread that called connect().
  std::optional<std::string> keep_alive(TimePoint now);
  // Destroys the room and both sessions.
  void close();

 private:
  struct Side {
    JanusSession session;
    uint64_t publisher_handle = 0;
    uint64_t subscriber_handle = 0;
    uint64_t publisher_id = 0;
  };

  std::optional<std::string> publish(Side& side, LoadParticipant& participant, const std::string& display);
  std::optional<std::string> subscribe(Side& side, LoadParticipant& participant, uint64_t feed);
  // Runs both participants' sockets and timers on this thread until both
  // send legs are connected, because Janus offers a feed to subscribers only
  // once its publisher's transport is up.
  std::optional<std::string> connect_send_legs(LoadParticipant& terminal, LoadParticipant& caller);

  JanusCallParams params_;
  Side terminal_;
  Side caller_;
  uint64_t room_ = 0;
  std::optional<TimePoint> next_keepalive_;
};

}  // namespace sightline::load

// The relay: N media workers (one UDP port each) and the control server,
// wired to the signalling that places calls on workers and negotiates each
// participant's transport. `sightline serve` runs one of these.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relay/call/media_gate.h"
#include "relay/call/media_tap.h"
#include "relay/call/relay_counters.h"
#include "relay/control/config.h"
#include "relay/control/control_server.h"
#include "relay/control/signalling_messages.h"

namespace sightline::call {


// Totals over every worker, for tests and the demo.
struct RelayTotals {
  uint64_t rtp_packets_in = 0;
  uint64_t rtp_packets_out = 0;
  uint64_t rtp_bytes_in = 0;
  uint64_t rtp_bytes_out = 0;
  uint64_t retransmissions_sent = 0;
  uint64_t nacks_received = 0;
  uint64_t keyframe_requests_forwarded = 0;
  // Dropped datagrams and packets, without skipped RTCP (a valid packet the
  // relay has no use for, such as Chromium's extended reports).
  uint64_t rejected = 0;
  uint64_t rejected_by_reason[static_cast<size_t>(RejectReason::count_)] = {};
  int64_t calls = 0;
  int64_t participants = 0;
  // UDP datagrams sent, the messages that carried them, and those of the
  // messages that carried several datagrams with GSO.
  uint64_t udp_datagrams_sent = 0;
  uint64_t udp_messages_sent = 0;
  uint64_t udp_gso_messages_sent = 0;
};

// The decision on a join request.
struct JoinDecision {
  // The message shown to a rejected participant; set it to reject the join.
  // It must not reveal the reason, which the hook logs itself.
  std::optional<std::string> refusal;
  // A call created by this join starts in the ID-check phase: no media
  // between the parties until set_call_phase(live).
  bool hold_for_id_check = false;
  // A code for the refusal that pages translate, such as "outside_slot".
  std::string refusal_reason = "refused";
  // Sent back in the joined message as "rejoin", for a later rejoin of the
  // same participant (JoinMessage::rejoin); empty sends none.
  std::string rejoin_ticket;
};

// A call as the control thread records it, for the staff console.
struct CallSnapshot {
  struct Member {
    std::string participant_id;
    control::ParticipantRole role = control::ParticipantRole::caller;
  };
  std::string call_id;
  CallPhase phase = CallPhase::live;
  std::vector<Member> participants;  // in participant id order
  std::chrono::system_clock::time_point created;
  // When the second party joined; unset until both parties were present.
  std::optional<std::chrono::system_clock::time_point> parties_met;
};

// The staff console's WebSocket endpoint. The relay only routes its
// sessions: their messages never reach call signalling. These run on the
// control thread with no relay lock held, so they may call into the Relay.
struct StaffChannel {
  std::string path = "/console/ws";
  std::function<void(control::SessionId, const control::HttpRequestInfo&)> open;
  std::function<void(control::SessionId, const nlohmann::json&)> message;
  std::function<void(control::SessionId)> close;
};

// Callbacks from the relay to the rest of the service. They run on the
// control thread, must not block it for long and must not call back into the Relay.
struct RelayHooks {
  std::function<JoinDecision(const control::JoinMessage&, const control::HttpRequestInfo&)> admit;
  // Serves HTTP routes the relay does not own (pages, the staff API); nullopt
  // falls through to 404.
  std::function<std::optional<control::HttpResponse>(const control::HttpRequestInfo&)> http;
  // Called once when a call in which both parties (two participants other
  // than an officer) were present ends: `started` is when the second party
  // joined. For the call log.
  std::function<void(const std::string& call_id, std::chrono::system_clock::time_point started,
                     std::chrono::system_clock::time_point ended)>
      call_ended;
  // Analysis of the parties' video (never the officer's); it must outlive the relay.
  MediaTap* media_tap = nullptr;
  // After every join, leave and phase change of a call, and once when it is gone.
  std::function<void(const CallSnapshot&)> call_changed;
  std::function<void(const std::string& call_id)> call_removed;
  // Set to serve a staff console WebSocket at staff.path.
  std::optional<StaffChannel> staff;
};

class Relay {
 public:
  explicit Relay(control::RelayConfig config);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Installs the hooks; call before start().
  void set_hooks(RelayHooks hooks);
  // Starts the workers and the control server; returns an error message on failure.
  std::optional<std::string> start();
  // Ends every call and stops all threads. Idempotent.
  void stop();

  // Moves a call between the ID check and live (media_gate.h) and sends the
  // new state to its participants. Returns false when there is no such call.
  bool set_call_phase(const std::string& call_id, CallPhase phase);
  // Ends a call for everyone at once: each participant receives the reason,
  // then is removed. Returns false when there is no such call.
  bool end_call(const std::string& call_id, const std::string& reason);
  // The phase of a call, or nullopt when there is no such call.
  std::optional<CallPhase> call_phase(const std::string& call_id) const;
  // Sends every participant of a call a warning with a reason code, which
  // the call page shows in the participant's language, and the officer's
  // text if any. Returns false when there is no such call.
  bool warn_call(const std::string& call_id, const std::string& reason, const std::string& text = {});
  // Every call, in call id order.
  std::vector<CallSnapshot> calls() const;
  // Sends a message to, or closes, a staff console session. Callable from any thread.
  void send_staff(control::SessionId session, const nlohmann::json& message);
  void close_staff(control::SessionId session, std::string reason);

  uint16_t control_port() const;
  // UDP port of media worker index, 0 when there is no such worker.
  uint16_t media_port(int index) const;
  // ICE-TCP port of media worker index, 0 when there is no such worker or
  // media.tcp is off.
  uint16_t tcp_media_port(int index) const;
  RelayTotals totals() const;
  // Open signalling sessions and calls known to the control thread.
  size_t session_count() const;
  size_t call_count() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sightline::call

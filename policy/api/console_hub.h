// The officer's console: a WebSocket per signed-in officer that carries the
// centre's calls and live alerts, and takes the officer's decisions
// (acknowledge or dismiss an alert, warn, end a call with a reason, confirm
// or refuse the ID check, ask for a welfare check). The hub checks the
// session, the role and the centre of the call on every message, writes
// every decision and every refusal to the staff audit log, and files the
// incident reports. The protocol is in docs/console.md.
//
// Threads: open, message and close run on the control thread with no relay
// lock held. call_changed, call_removed and admit_officer run on the control
// thread inside the relay's signalling, so the hub never calls the relay
// from them. alert may come from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "policy/api/staff_api.h"
#include "policy/store.h"
#include "policy/utc_time.h"
#include "relay/control/control_server.h"

namespace sightline::policy::api {

// The relay operations the hub uses. serve implements them over call::Relay.
class CallControl {
 public:
  virtual ~CallControl() = default;
  // Each returns false when the call does not exist (any more).
  virtual bool make_live(const std::string& call_id) = 0;
  virtual bool end_call(const std::string& call_id, const std::string& reason) = 0;
  // `text` is the officer's own words, shown as written; empty sends none.
  virtual bool warn_call(const std::string& call_id, const std::string& reason, const std::string& text) = 0;
  virtual void send(control::SessionId session, const nlohmann::json& message) = 0;
  virtual void close(control::SessionId session, const std::string& reason) = 0;
};

// A call in the relay's terms.
struct ConsoleCall {
  struct Member {
    std::string participant_id;
    std::string role;  // "terminal", "caller", "legal-adviser", "interpreter", "officer"
  };
  std::string call_id;
  bool id_check = false;  // the relay keeps the parties apart
  std::vector<Member> participants;
  bool parties_met = false;
};

// An alert event from analysis: raised once, cleared once, with one id.
struct ConsoleAlertEvent {
  uint64_t id = 0;
  bool raised = true;
  std::string call_id;
  std::string participant_id;
  std::string role;
  std::string kind;  // "recording_device", "inappropriate_dress"
  double score = 0;
  // The detection's box as fractions of the frame (x, y, width, height).
  float box[4] = {0, 0, 0, 0};
  UtcTime time{};
};

class ConsoleHub {
 public:
  // All references must outlive the hub. The hub takes `store_mutex` around
  // every use of the store.
  ConsoleHub(StaffApi& api, Store& store, std::mutex& store_mutex, CallControl& control, const Clock& clock);
  ~ConsoleHub();
  ConsoleHub(const ConsoleHub&) = delete;
  ConsoleHub& operator=(const ConsoleHub&) = delete;

  // The staff WebSocket.
  void open(control::SessionId session, const control::HttpRequestInfo& request);
  void message(control::SessionId session, const nlohmann::json& message);
  void close(control::SessionId session);

  // The relay's view of calls.
  void call_changed(const ConsoleCall& call);
  void call_removed(const std::string& call_id);

  // Analysis.
  void alert(const ConsoleAlertEvent& event);

  // Decides an officer's join of a call through the signalling (the ID check
  // conversation, or opening a live call's video): nullopt admits, else the
  // message to show. Checks the session, role and centre; audits both ways.
  std::optional<std::string> admit_officer(const std::string& cookie_header, const std::string& call_id,
                                           const std::string& participant_id);

  // How long an ended call stays in the list, for a welfare check request.
  static constexpr std::chrono::minutes kEndedCallKept{15};

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sightline::policy::api

// A client of one session of the Janus WebRTC Server's HTTP API (REST
// requests and long poll for events), used by the load generator to drive
// Janus's VideoRoom plugin. Synchronous and not thread safe: one thread uses
// a session at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sightline::load {

class JanusSession {
 public:
  JanusSession();
  ~JanusSession();
  JanusSession(const JanusSession&) = delete;
  JanusSession& operator=(const JanusSession&) = delete;

  // Connects to Janus's HTTP transport (base path /janus) and creates a
  // session. Returns an error message, or nullopt.
  std::optional<std::string> create(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);
  // Attaches a handle to a plugin, such as "janus.plugin.videoroom".
  // Returns the handle id, or nullopt with error set.
  std::optional<uint64_t> attach(const std::string& plugin, std::string& error);
  // Sends a plugin message with an optional JSEP offer or answer. Returns
  // Janus's immediate reply: "success" with plugindata for synchronous
  // requests, "ack" for asynchronous ones. An "error" reply, or a plugin
  // reply that carries an error_code, is returned as nullopt with error set.
  std::optional<nlohmann::json> send_message(uint64_t handle, const nlohmann::json& body,
                                             const nlohmann::json& jsep, std::string& error);
  // Waits, by long poll, for an event of this handle that match accepts.
  // Other events of this handle (webrtcup, media) are dropped, and events of
  // other handles are kept for later calls. A plugin event that carries an
  // error_code ends the wait with error set.
  std::optional<nlohmann::json> wait_for_event(uint64_t handle,
                                               const std::function<bool(const nlohmann::json&)>& match,
                                               std::chrono::milliseconds timeout, std::string& error);
  // Sends a keepalive, which restarts Janus's session timeout.
  std::optional<std::string> keep_alive();
  // Destroys the session on Janus (and with it every handle), best effort.
  void destroy();

  uint64_t id() const { return session_id_; }
  bool created() const { return session_id_ != 0; }

 private:
  class Connection;

  // Sends one HTTP request with a JSON body (POST) or none (GET) and parses
  // the JSON reply. Returns nullopt with error set on a transport failure.
  std::optional<nlohmann::json> exchange(bool post, const std::string& target, const nlohmann::json& body,
                                         std::chrono::milliseconds timeout, std::string& error);
  std::optional<nlohmann::json> post_to_session(const std::string& target_suffix, nlohmann::json body,
                                                std::string& error);
  std::string next_transaction();

  std::unique_ptr<Connection> connection_;
  std::string host_;
  uint16_t port_ = 0;
  std::chrono::milliseconds timeout_{10000};
  uint64_t session_id_ = 0;
  uint64_t transaction_counter_ = 0;
  std::vector<nlohmann::json> pending_events_;
};

// Returns the error text of a Janus reply or VideoRoom event, or nullopt when
// it reports none: {"janus":"error","error":{...}} or plugindata with error_code.
std::optional<std::string> janus_error(const nlohmann::json& reply);

}  // namespace sightline::load

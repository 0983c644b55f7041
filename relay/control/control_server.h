// The control thread's HTTP(S) and WebSocket server: /health, /ready, /metrics,
// the /ws signalling endpoint, the browser pages, and a handler for every
// other route. Boost.Beast stays inside control_server.cpp so that including
// this header is cheap.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sightline::control {

class MetricsRegistry;

// Identifies one WebSocket session for the life of the server; never reused.
using SessionId = uint64_t;

struct ControlServerConfig {
  std::string bind_address = "127.0.0.1";
  // 0 picks a free port; port() returns the one bound.
  uint16_t port = 8443;
  // Largest WebSocket message and HTTP request body accepted.
  size_t max_message_bytes = 65536;
  // A WebSocket session with no traffic for this long is closed. The server
  // sends a ping at half this time, so a live client always replies in time.
  std::chrono::seconds idle_timeout{60};
  // Time allowed for the HTTP request, the WebSocket upgrade, and the closing handshake.
  std::chrono::seconds handshake_timeout{10};
  // Upgrades beyond this many open WebSocket sessions get HTTP 503.
  size_t max_sessions = 10000;
  // A session whose unsent messages exceed this count is closed, so that one
  // slow client cannot hold an unbounded queue.
  size_t max_queued_messages = 256;
  // HTTPS and WSS (TLS 1.2 or later) when true, plain HTTP and WS when false.
  bool tls = false;
  // PEM certificate (chain) and private key files. When tls is on and both are
  // empty, a self-signed certificate kept in self_signed_directory is used,
  // created on the first run.
  std::string certificate_file;
  std::string private_key_file;
  std::string self_signed_directory = "./data/tls";
  // Names the self-signed certificate covers besides localhost, 127.0.0.1 and ::1.
  std::vector<std::string> self_signed_hosts;
  // Directory of the browser pages, served at / for GET and HEAD; empty serves none.
  std::string web_root;
  // Paths that accept WebSocket upgrades; HttpRequestInfo::path tells the
  // handler which one a session came in on.
  std::vector<std::string> websocket_paths{"/ws"};
};

struct HttpRequestInfo {
  std::string method;
  // The request target without the query string, percent-decoded.
  std::string path;
  // Decoded query parameters; the last value wins for a repeated name.
  std::map<std::string, std::string> query;
  // The query string as received, without the "?".
  std::string query_string;
  // The Host header, empty when absent.
  std::string host;
  std::string cookie;
  std::string user_agent;
  // The Content-Type and Origin headers, empty when absent.
  std::string content_type;
  std::string origin;
  // The request body (at most max_message_bytes).
  std::string body;
  // "127.0.0.1:50000" or "[::1]:50000".
  std::string remote_address;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra response headers such as Set-Cookie, Location or Cache-Control.
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse json(int status, const nlohmann::json& body);
  // {"error": message} with the given status.
  static HttpResponse error(int status, std::string_view message);
};

// Implemented by the call logic. Every callback runs on the control thread and
// must not block it. An exception thrown by a callback is caught and logged:
// on_ws_message then sends an internal-error message, on_http returns 500.
class ControlHandler {
 public:
  virtual ~ControlHandler() = default;

  // Called once a WebSocket upgrade at one of websocket_paths has succeeded.
  virtual void on_ws_open(SessionId session, const HttpRequestInfo& request);
  // Called for each text message that is valid JSON. Invalid JSON, binary
  // messages and messages over max_message_bytes get a reply or a close from the server.
  virtual void on_ws_message(SessionId session, const nlohmann::json& message);
  // Called exactly once for every session that on_ws_open saw, however it ended.
  virtual void on_ws_close(SessionId session);
  // Serves routes the server does not own. The default returns 404.
  virtual HttpResponse on_http(const HttpRequestInfo& request);
};

class ControlServer {
 public:
  // The handler and the registry must outlive the server; metrics may be null.
  ControlServer(ControlServerConfig config, ControlHandler& handler, MetricsRegistry* metrics = nullptr);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Decides GET /ready: 200 when it returns true, else 503. Without one,
  // /ready returns 200. Call before start(); it runs on the control thread.
  void set_readiness_check(std::function<bool()> check);

  // Loads or creates the TLS certificate when tls is on, opens the web root,
  // binds, listens and starts the control thread. Returns an error message
  // (for example "bind 127.0.0.1:8443 failed: Address already in use", or
  // one naming a certificate file that cannot be read), or nullopt once the
  // server accepts connections.
  std::optional<std::string> start();
  // The bound port; 0 before start().
  uint16_t port() const;
  // SHA-256 fingerprint of the HTTPS certificate ("AB:CD:..."), empty without TLS
  // or before start().
  std::string certificate_fingerprint() const;
  // Closes every session (calling on_ws_close for each) and joins the
  // control thread. Returns within about a second even when clients do not
  // answer the close. Safe to call twice; the destructor calls it.
  void stop();

  // Queues a message for a session. Callable from any thread; a message for a
  // session that has ended is dropped.
  void send(SessionId session, const nlohmann::json& message);
  // Closes a session with code 1000 and the reason (at most 123 bytes are
  // sent). Callable from any thread.
  void close(SessionId session, std::string reason);
  // Open WebSocket sessions. Callable from any thread.
  size_t session_count() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sightline::control

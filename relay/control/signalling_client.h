// A WebSocket client for the signalling protocol, used by the peer tool and
// the tests. Synchronous: every call blocks the calling thread, up to its timeout.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sightline::control {

// The close frame the server sent: code (RFC 6455 section 7.4.1) and reason.
struct WebSocketClose {
  uint16_t code = 0;
  std::string reason;
};

// Not thread safe: use one client from one thread at a time.
class SignallingClient {
 public:
  SignallingClient();
  ~SignallingClient();
  SignallingClient(const SignallingClient&) = delete;
  SignallingClient& operator=(const SignallingClient&) = delete;

  // Connects and performs the WebSocket upgrade. Returns an error message such
  // as "connect to 127.0.0.1:8443 failed: Connection refused", or nullopt.
  std::optional<std::string> connect(const std::string& host, uint16_t port, const std::string& path = "/ws",
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends one JSON text message. Returns an error message, or nullopt.
  std::optional<std::string> send(const nlohmann::json& message);
  // Sends raw text, even text that is not JSON. Returns an error message, or nullopt.
  std::optional<std::string> send_text(std::string_view text);
  // Waits up to timeout for the next message. Returns nullopt on timeout,
  // when the connection has ended (see closed() and error()), or when the
  // message is not JSON.
  std::optional<nlohmann::json> receive(std::chrono::milliseconds timeout);
  // Performs the closing handshake with code 1000, waiting at most a second.
  void close();

  bool is_open() const;
  // The server's close frame, once the server has closed the connection.
  std::optional<WebSocketClose> closed() const;
  // The last error, or an empty string.
  std::string error() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sightline::control

// JanusSession: HTTP/1.1 over one kept-alive TCP connection (Boost.Beast),
// with a deadline on every exchange, and the long poll for events.
#include "tools/load/janus_session.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sightline::load {

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

constexpr const char* kBasePath = "/janus";
// Events Janus returns per long poll at most (its maxev query parameter).
constexpr int kMaxEventsPerPoll = 16;
}  // namespace

// One TCP connection to Janus. It is reopened after any failure or timeout,
// because a request cut short leaves the stream in an unknown state.
class JanusSession::Connection {
 public:
  std::optional<std::string> open(const std::string& host, uint16_t port, milliseconds timeout) {
    close();
    boost::system::error_code code;
    tcp::resolver resolver(io_);
    const auto endpoints = resolver.resolve(host, std::to_string(port), code);
    if (code) return "resolving " + host + " failed: " + code.message();
    stream_ = std::make_unique<beast::tcp_stream>(io_);
    stream_->expires_after(timeout);
    bool done = false;
    stream_->async_connect(endpoints, [&](boost::system::error_code error, const tcp::endpoint&) {
      code = error;
      done = true;
    });
    run_until_done(done, timeout);
    if (!done || code) {
      const std::string reason = done ? code.message() : "timed out";
      close();
      return "connecting to Janus at " + host + ":" + std::to_string(port) + " failed: " + reason;
    }
    return std::nullopt;
  }

  bool is_open() const { return stream_ != nullptr; }

  // Writes the request and reads the response. Returns the failure, or nullopt.
  std::optional<std::string> round_trip(http::request<http::string_body>& request,
                                        http::response<http::string_body>& response, milliseconds timeout) {
    stream_->expires_after(timeout);
    boost::system::error_code code;
    bool done = false;
    http::async_write(*stream_, request, [&](boost::system::error_code error, size_t) {
      code = error;
      if (code) {
        done = true;
        return;
      }
      http::async_read(*stream_, buffer_, response, [&](boost::system::error_code read_error, size_t) {
        code = read_error;
        done = true;
      });
    });
    run_until_done(done, timeout);
    if (!done || code) {
      const std::string reason = done ? code.message() : "timed out";
      close();
      return reason;
    }
    if (!response.keep_alive()) close();
    return std::nullopt;
  }

  void close() {
    if (stream_) {
      boost::system::error_code ignored;
      stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_->close();
      // Completes the cancelled operations so their handlers do not outlive this call.
      io_.restart();
      io_.poll();
    }
    stream_.reset();
    buffer_.clear();
  }

 private:
  // The stream's own expiry ends the operation. The extra second only
  // guards against a handler that never runs.
  void run_until_done(const bool& done, milliseconds timeout) {
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(1);
    while (!done && std::chrono::steady_clock::now() < deadline) {
      if (io_.run_one_until(deadline) == 0) break;
    }
  }

  asio::io_context io_;
  std::unique_ptr<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

JanusSession::JanusSession() : connection_(std::make_unique<Connection>()) {}

JanusSession::~JanusSession() { destroy(); }

std::optional<std::string> janus_error(const nlohmann::json& reply) {
  if (reply.value("janus", "") == "error") {
    const nlohmann::json error = reply.value("error", nlohmann::json::object());
    return "Janus error " + std::to_string(error.value("code", 0)) + ": " + error.value("reason", "(no reason)");
  }
  const nlohmann::json* data = nullptr;
  if (reply.contains("plugindata") && reply["plugindata"].contains("data")) data = &reply["plugindata"]["data"];
  if (data && data->contains("error_code")) {
    return "VideoRoom error " + std::to_string(data->value("error_code", 0)) + ": " + data->value("error", "");
  }
  return std::nullopt;
}

std::string JanusSession::next_transaction() { return "sightline-" + std::to_string(++transaction_counter_); }

std::optional<nlohmann::json> JanusSession::exchange(bool post, const std::string& target,
                                                     const nlohmann::json& body, milliseconds timeout,
                                                     std::string& error) {
  if (!connection_->is_open()) {
    if (auto open_error = connection_->open(host_, port_, timeout_)) {
      error = *open_error;
      return std::nullopt;
    }
  }
  http::request<http::string_body> request(post ? http::verb::post : http::verb::get, target, 11);
  request.set(http::field::host, host_ + ":" + std::to_string(port_));
  request.keep_alive(true);
  if (post) {
    request.set(http::field::content_type, "application/json");
    request.body() = body.dump();
  }
  request.prepare_payload();
  http::response<http::string_body> response;
  if (auto failure = connection_->round_trip(request, response, timeout)) {
    error = std::string(post ? "POST " : "GET ") + target + " to Janus failed: " + *failure;
    return std::nullopt;
  }
  if (response.result() != http::status::ok) {
    error = std::string(post ? "POST " : "GET ") + target + " returned HTTP " +
            std::to_string(response.result_int()) + ": " + response.body();
    return std::nullopt;
  }
  nlohmann::json reply = nlohmann::json::parse(response.body(), nullptr, false);
  if (reply.is_discarded()) {
    error = "Janus returned a reply that is not JSON for " + target;
    return std::nullopt;
  }
  return reply;
}

std::optional<std::string> JanusSession::create(const std::string& host, uint16_t port, milliseconds timeout) {
  host_ = host;
  port_ = port;
  timeout_ = timeout;
  std::string error;
  const nlohmann::json body = {{"janus", "create"}, {"transaction", next_transaction()}};
  const std::optional<nlohmann::json> reply = exchange(true, kBasePath, body, timeout_, error);
  if (!reply) return error;
  if (auto janus_failure = janus_error(*reply)) return "creating a Janus session failed: " + *janus_failure;
  session_id_ = reply->value("data", nlohmann::json::object()).value("id", uint64_t{0});
  if (session_id_ == 0) return "Janus's reply to create has no session id: " + reply->dump();
  return std::nullopt;
}

std::optional<nlohmann::json> JanusSession::post_to_session(const std::string& target_suffix, nlohmann::json body,
                                                            std::string& error) {
  body["transaction"] = next_transaction();
  const std::string target = std::string(kBasePath) + "/" + std::to_string(session_id_) + target_suffix;
  std::optional<nlohmann::json> reply = exchange(true, target, body, timeout_, error);
  if (!reply) return std::nullopt;
  if (auto janus_failure = janus_error(*reply)) {
    error = *janus_failure;
    return std::nullopt;
  }
  return reply;
}

std::optional<uint64_t> JanusSession::attach(const std::string& plugin, std::string& error) {
  const std::optional<nlohmann::json> reply = post_to_session("", {{"janus", "attach"}, {"plugin", plugin}}, error);
  if (!reply) {
    error = "attaching " + plugin + " failed: " + error;
    return std::nullopt;
  }
  const uint64_t handle = reply->value("data", nlohmann::json::object()).value("id", uint64_t{0});
  if (handle == 0) {
    error = "Janus's reply to attach has no handle id: " + reply->dump();
    return std::nullopt;
  }
  return handle;
}

std::optional<nlohmann::json> JanusSession::send_message(uint64_t handle, const nlohmann::json& body,
                                                         const nlohmann::json& jsep, std::string& error) {
  nlohmann::json message = {{"janus", "message"}, {"body", body}};
  if (!jsep.is_null()) message["jsep"] = jsep;
  return post_to_session("/" + std::to_string(handle), std::move(message), error);
}

std::optional<nlohmann::json> JanusSession::wait_for_event(uint64_t handle,
                                                           const std::function<bool(const nlohmann::json&)>& match,
                                                           milliseconds timeout, std::string& error) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    // Events of this handle that do not match (webrtcup, media, ...) are dropped.
    for (size_t i = 0; i < pending_events_.size();) {
      if (pending_events_[i].value("sender", uint64_t{0}) != handle) {
        ++i;
        continue;
      }
      nlohmann::json event = std::move(pending_events_[i]);
      pending_events_.erase(pending_events_.begin() + static_cast<std::ptrdiff_t>(i));
      if (auto failure = janus_error(event)) {
        error = *failure;
        return std::nullopt;
      }
      if (match(event)) return event;
    }
    const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) {
      error = "timed out after " + std::to_string(timeout.count()) + " ms waiting for a Janus event";
      return std::nullopt;
    }
    // Janus keeps the long poll open until an event arrives or its own
    // limit passes, so the deadline is enforced by cutting the connection.
    const std::string target = std::string(kBasePath) + "/" + std::to_string(session_id_) +
                               "?maxev=" + std::to_string(kMaxEventsPerPoll);
    std::optional<nlohmann::json> reply = exchange(false, target, nullptr, remaining, error);
    if (!reply) {
      if (std::chrono::steady_clock::now() >= deadline) {
        error = "timed out after " + std::to_string(timeout.count()) + " ms waiting for a Janus event";
      }
      return std::nullopt;
    }
    if (reply->is_array()) {
      for (nlohmann::json& event : *reply) pending_events_.push_back(std::move(event));
    } else if (reply->value("janus", "") != "keepalive") {
      pending_events_.push_back(std::move(*reply));
    }
  }
}

std::optional<std::string> JanusSession::keep_alive() {
  if (!created()) return "no Janus session";
  std::string error;
  if (!post_to_session("", {{"janus", "keepalive"}}, error)) return "keepalive failed: " + error;
  return std::nullopt;
}

void JanusSession::destroy() {
  if (!created()) return;
  std::string ignored;
  post_to_session("", {{"janus", "destroy"}}, ignored);
  session_id_ = 0;
  pending_events_.clear();
  connection_->close();
}

}  // namespace sightline::load

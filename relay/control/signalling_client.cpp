// SignallingClient on Boost.Beast. Operations are asynchronous on a private
// io_context that each call runs until its deadline, because Beast's
// synchronous calls have no timeout. One read stays outstanding across
// receive() calls, as cancelling a WebSocket read would end the stream.
#include "relay/control/signalling_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>

namespace sightline::control {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

namespace {
// How long send() waits for the kernel to take a message.
constexpr std::chrono::seconds kSendTimeout{5};
constexpr std::chrono::seconds kCloseTimeout{1};
}  // namespace

class SignallingClient::Impl {
 public:
  std::optional<std::string> connect(const std::string& host, uint16_t port, const std::string& path,
                                     std::chrono::milliseconds timeout);
  std::optional<std::string> send_text(std::string_view text);
  std::optional<json> receive(std::chrono::milliseconds timeout);
  void close();

  bool open_ = false;
  std::optional<WebSocketClose> closed_;
  std::string error_;

 private:
  // Runs the io_context until done() returns true or the deadline passes; returns done().
  template <typename Done>
  bool run_until(std::chrono::steady_clock::time_point deadline, Done done) {
    while (!done()) {
      if (io_context_.stopped()) io_context_.restart();
      if (io_context_.run_one_until(deadline) == 0 && std::chrono::steady_clock::now() >= deadline) {
        // run_one_until runs nothing once the deadline has passed, so a zero
        // timeout would never see a message that has already arrived: poll
        // for ready handlers without waiting.
        if (io_context_.stopped()) io_context_.restart();
        while (!done() && io_context_.poll_one() != 0) {
        }
        break;
      }
    }
    return done();
  }

  // Tears down the connection after a timed-out step and waits for its
  // handler, whose captures live on the caller's stack.
  template <typename Done>
  void abort_step(Done done) {
    beast::error_code ignored;
    beast::get_lowest_layer(*ws_).socket().close(ignored);
    run_until(std::chrono::steady_clock::now() + kCloseTimeout, done);
  }

  void start_read();
  void reset();

  net::io_context io_context_{1};
  std::unique_ptr<websocket::stream<beast::tcp_stream>> ws_;
  beast::flat_buffer read_buffer_;
  bool reading_ = false;
  std::deque<std::string> received_;
  std::string where_;
};

void SignallingClient::Impl::reset() {
  ws_.reset();
  open_ = false;
  reading_ = false;
  received_.clear();
  closed_.reset();
  error_.clear();
  read_buffer_.consume(read_buffer_.size());
  io_context_.restart();
}

std::optional<std::string> SignallingClient::Impl::connect(const std::string& host, uint16_t port,
                                                           const std::string& path,
                                                           std::chrono::milliseconds timeout) {
  reset();
  where_ = host + ":" + std::to_string(port);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string timeout_text = std::to_string(timeout.count()) + " ms";

  beast::error_code error;
  tcp::resolver resolver(io_context_);
  const auto endpoints = resolver.resolve(host, std::to_string(port), error);
  if (error) {
    error_ = "resolve " + host + " failed: " + error.message();
    return error_;
  }

  ws_ = std::make_unique<websocket::stream<beast::tcp_stream>>(io_context_);
  auto& tcp_stream = beast::get_lowest_layer(*ws_);
  tcp_stream.expires_at(deadline);
  std::optional<beast::error_code> connect_result;
  tcp_stream.async_connect(endpoints, [&](beast::error_code result, const tcp::endpoint&) { connect_result = result; });
  const bool connect_finished = run_until(deadline, [&] { return connect_result.has_value(); });
  if (!connect_finished) abort_step([&] { return connect_result.has_value(); });
  if (!connect_finished || *connect_result) {
    const std::string reason = connect_finished ? connect_result->message() : "timed out after " + timeout_text;
    error_ = "connect to " + where_ + " failed: " + reason;
    ws_.reset();
    return error_;
  }

  std::optional<beast::error_code> handshake_result;
  ws_->async_handshake(host + ":" + std::to_string(port), path,
                       [&](beast::error_code result) { handshake_result = result; });
  const bool handshake_finished = run_until(deadline, [&] { return handshake_result.has_value(); });
  if (!handshake_finished) abort_step([&] { return handshake_result.has_value(); });
  if (!handshake_finished || *handshake_result) {
    const std::string reason = handshake_finished ? handshake_result->message() : "timed out after " + timeout_text;
    error_ = "WebSocket upgrade at " + where_ + path + " failed: " + reason;
    ws_.reset();
    return error_;
  }

  // From here the WebSocket timeouts apply instead of the connect deadline.
  tcp_stream.expires_never();
  ws_->set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  open_ = true;
  start_read();
  return std::nullopt;
}

void SignallingClient::Impl::start_read() {
  if (reading_ || !open_) return;
  reading_ = true;
  ws_->async_read(read_buffer_, [this](beast::error_code result, size_t) {
    reading_ = false;
    if (result) {
      open_ = false;
      if (result == websocket::error::closed) {
        closed_ = WebSocketClose{static_cast<uint16_t>(ws_->reason().code), std::string(ws_->reason().reason.c_str())};
        error_ = "the server closed the connection with code " + std::to_string(closed_->code) +
                 (closed_->reason.empty() ? std::string() : ": " + closed_->reason);
      } else {
        error_ = "connection to " + where_ + " ended: " + result.message();
      }
      return;
    }
    received_.push_back(beast::buffers_to_string(read_buffer_.data()));
    read_buffer_.consume(read_buffer_.size());
    start_read();
  });
}

std::optional<std::string> SignallingClient::Impl::send_text(std::string_view text) {
  if (!open_) {
    error_ = error_.empty() ? "not connected" : error_;
    return "send failed: " + error_;
  }
  std::optional<beast::error_code> result;
  ws_->text(true);
  ws_->async_write(net::buffer(text.data(), text.size()), [&](beast::error_code code, size_t) { result = code; });
  // The write must finish before text goes out of scope, so on timeout the
  // connection is torn down and the handler is drained.
  if (!run_until(std::chrono::steady_clock::now() + kSendTimeout, [&] { return result.has_value(); })) {
    abort_step([&] { return result.has_value(); });
    open_ = false;
    error_ = "send to " + where_ + " timed out";
    return error_;
  }
  if (*result) {
    error_ = "send to " + where_ + " failed: " + result->message();
    return error_;
  }
  return std::nullopt;
}

std::optional<json> SignallingClient::Impl::receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (received_.empty() && ws_ != nullptr) run_until(deadline, [&] { return !received_.empty() || !reading_; });
  if (received_.empty()) return std::nullopt;

  const std::string text = std::move(received_.front());
  received_.pop_front();
  json message = json::parse(text, nullptr, false);
  if (message.is_discarded()) {
    error_ = "the server sent a message that is not JSON";
    return std::nullopt;
  }
  return message;
}

void SignallingClient::Impl::close() {
  if (ws_ == nullptr) return;
  if (open_) {
    std::optional<beast::error_code> result;
    ws_->async_close(websocket::close_code::normal, [&](beast::error_code code) { result = code; });
    const auto deadline = std::chrono::steady_clock::now() + kCloseTimeout;
    run_until(deadline, [&] { return result.has_value() && !reading_; });
  }
  beast::error_code ignored;
  beast::get_lowest_layer(*ws_).socket().close(ignored);
  // Let the aborted operations finish before the stream they refer to goes away.
  run_until(std::chrono::steady_clock::now() + kCloseTimeout, [&] { return !reading_; });
  open_ = false;
  ws_.reset();
  io_context_.restart();
}

SignallingClient::SignallingClient() : impl_(std::make_unique<Impl>()) {}

SignallingClient::~SignallingClient() { impl_->close(); }

std::optional<std::string> SignallingClient::connect(const std::string& host, uint16_t port, const std::string& path,
                                                     std::chrono::milliseconds timeout) {
  return impl_->connect(host, port, path, timeout);
}

std::optional<std::string> SignallingClient::send(const nlohmann::json& message) {
  return impl_->send_text(message.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::optional<std::string> SignallingClient::send_text(std::string_view text) { return impl_->send_text(text); }

std::optional<nlohmann::json> SignallingClient::receive(std::chrono::milliseconds timeout) {
  return impl_->receive(timeout);
}

void SignallingClient::close() { impl_->close(); }

bool SignallingClient::is_open() const { return impl_->open_; }

std::optional<WebSocketClose> SignallingClient::closed() const { return impl_->closed_; }

std::string SignallingClient::error() const { return impl_->error_; }

}  // namespace sightline::control

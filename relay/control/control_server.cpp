// ControlServer on Boost.Beast: one io_context run by the control thread, an
// HTTP session per TCP connection (over TLS when configured), upgraded to a
// WebSocket session at /ws. The session classes are templates over the stream
// type so that plain and TLS connections share one implementation.
#include "relay/control/control_server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <future>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "relay/base/log.h"
#include "relay/control/http_target.h"
#include "relay/control/metrics_registry.h"
#include "relay/control/signalling_messages.h"
#include "relay/control/static_files.h"
#include "relay/control/tls_certificate.h"

namespace sightline::control {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using nlohmann::json;

namespace {

constexpr std::string_view kComponent = "control";
constexpr std::string_view kServerName = "sightline";
constexpr size_t kMaxHeaderBytes = 16 * 1024;
// Beast writes HTTP versions as major * 10 + minor.
constexpr unsigned kHttpVersion11 = 11;
// A close frame carries at most 125 payload bytes, 2 of them the code (RFC 6455 section 5.5).
constexpr size_t kMaxCloseReasonBytes = 123;
// How long stop() waits for clients to complete the closing handshake.
constexpr std::chrono::milliseconds kShutdownGrace{1000};
// Pause before accepting again after an accept error such as too many open files.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

// Cuts text to max_bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text;
}

// Serialises a message; invalid UTF-8 from the network is replaced, not thrown on.
std::string dump_json(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string endpoint_to_string(const tcp::endpoint& endpoint) {
  const std::string ip = endpoint.address().to_string();
  const std::string port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + ip + "]:" + port : ip + ":" + port;
}

// Fills method, path, query and the headers the handler needs. Returns false
// when the target has an invalid percent escape.
bool describe_request(const http::request<http::string_body>& request, const std::string& remote,
                      HttpRequestInfo& info) {
  info.method = std::string(request.method_string());
  info.remote_address = remote;
  info.cookie = std::string(request[http::field::cookie]);
  info.user_agent = std::string(request[http::field::user_agent]);
  info.content_type = std::string(request[http::field::content_type]);
  info.origin = std::string(request[http::field::origin]);
  info.host = std::string(request[http::field::host]);
  info.body = request.body();

  auto target = parse_request_target(std::string_view(request.target().data(), request.target().size()));
  if (!target) return false;
  info.path = std::move(target->path);
  info.query = std::move(target->query);
  info.query_string = std::move(target->query_string);
  return true;
}

// True for a Host header that can go into a Content-Security-Policy source
// unquoted: a host name or IP literal and an optional port, nothing else.
bool is_plain_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (const char c : host) {
    const bool allowed = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
                         c == '[' || c == ']';
    if (!allowed) return false;
  }
  return true;
}

}  // namespace

HttpResponse HttpResponse::json(int status, const nlohmann::json& body) {
  return HttpResponse{status, "application/json", dump_json(body)};
}

HttpResponse HttpResponse::error(int status, std::string_view message) {
  return json(status, nlohmann::json{{"error", message}});
}

void ControlHandler::on_ws_open(SessionId, const HttpRequestInfo&) {}
void ControlHandler::on_ws_message(SessionId, const nlohmann::json&) {}
void ControlHandler::on_ws_close(SessionId) {}
HttpResponse ControlHandler::on_http(const HttpRequestInfo& request) {
  return HttpResponse::error(404, "no route for " + request.path);
}

namespace {

// What the server needs from a WebSocket session, whatever its stream type.
class WebSocketSessionBase {
 public:
  virtual ~WebSocketSessionBase() = default;
  virtual SessionId id() const = 0;
  virtual bool opened() const = 0;
  virtual void enqueue(std::string text) = 0;
  virtual void abort() = 0;
  virtual void request_close(websocket::close_code code, std::string reason) = 0;
};

// What the server needs from an HTTP connection, whatever its stream type.
class HttpSessionBase {
 public:
  virtual ~HttpSessionBase() = default;
  virtual void shut_down() = 0;
};

// The server's state on the control thread, shared by the session classes.
// ControlServer::Impl derives from it, so the sessions need no access to the
// private nested type.
class ServerCore {
 public:
  ServerCore(ControlServerConfig config, ControlHandler& handler, MetricsRegistry* metrics)
      : config_(std::move(config)), handler_(handler), metrics_(metrics) {}

  std::optional<std::string> start();
  void stop();
  void send(SessionId session, std::string text);
  void close(SessionId session, std::string reason);

  // Called by sessions, on the control thread.
  HttpResponse route(const HttpRequestInfo& info);
  void admit_websocket(const std::shared_ptr<WebSocketSessionBase>& session);
  void on_websocket_open(SessionId session, const HttpRequestInfo& info);
  void on_websocket_message(SessionId session, const json& message);
  void on_websocket_end(SessionId session, bool opened);
  void on_http_end(uint64_t connection);
  bool is_websocket_path(const std::string& path) const {
    return std::find(config_.websocket_paths.begin(), config_.websocket_paths.end(), path) !=
           config_.websocket_paths.end();
  }

  const ControlServerConfig config_;
  ControlHandler& handler_;
  MetricsRegistry* const metrics_;
  std::function<bool()> readiness_check_;

  net::io_context io_context_{1};
  tcp::acceptor acceptor_{io_context_};
  net::steady_timer accept_retry_timer_{io_context_};
  std::thread thread_;
  std::future<void> thread_done_;
  std::atomic<uint16_t> port_{0};
  bool started_ = false;
  bool stopped_ = false;
  int metrics_collector_id_ = -1;

  // Control thread only, except after the thread has been joined in stop().
  bool stopping_ = false;
  SessionId next_session_id_ = 1;
  uint64_t next_connection_id_ = 1;
  std::unordered_map<SessionId, std::shared_ptr<WebSocketSessionBase>> sessions_;
  std::unordered_map<uint64_t, std::weak_ptr<HttpSessionBase>> connections_;
  // Set in start() when tls is on.
  std::optional<ssl::context> tls_context_;
  std::string certificate_fingerprint_;
  std::optional<StaticFiles> static_files_;

  std::atomic<size_t> session_count_{0};
  std::atomic<uint64_t> http_requests_{0};
  std::atomic<uint64_t> messages_received_{0};
  std::atomic<uint64_t> rejected_invalid_json_{0};
  std::atomic<uint64_t> rejected_binary_{0};
  std::atomic<uint64_t> rejected_too_large_{0};
  std::atomic<uint64_t> sessions_over_limit_{0};
  std::atomic<uint64_t> slow_client_closes_{0};

 private:
  std::optional<std::string> set_up_tls();
  std::optional<std::string> set_up_web_root();
  // The connect-src sources for the page's signalling WebSocket at host.
  std::string connect_sources(const std::string& host) const;
  void accept_next();
  void shut_down_sessions();
  void collect_metrics(MetricsWriter& writer) const;
};

// One WebSocket connection: a read loop, and a write queue so that writes
// never overlap. A close waits until the queued messages are written.
template <typename Stream>
class WebSocketSession final : public WebSocketSessionBase,
                               public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  WebSocketSession(ServerCore& server, SessionId id, Stream&& stream,
                   http::request<http::string_body> request, HttpRequestInfo info)
      : server_(server), id_(id), ws_(std::move(stream)), request_(std::move(request)), info_(std::move(info)) {}

  SessionId id() const override { return id_; }
  bool opened() const override { return opened_; }

  void run() {
    // The WebSocket timeouts replace the TCP stream's timer from here on.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = server_.config_.handshake_timeout;
    timeouts.idle_timeout = server_.config_.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, std::string(kServerName)); }));
    // The size limit is enforced in on_read so that the close carries a reason.
    ws_.read_message_max(0);
    ws_.async_accept(request_, beast::bind_front_handler(&WebSocketSession::on_accept, this->shared_from_this()));
  }

  // Queues one serialised message; closes the session when the queue is full.
  void enqueue(std::string text) override {
    if (close_requested_ || ended_) return;
    if (queue_.size() >= server_.config_.max_queued_messages) {
      ++server_.slow_client_closes_;
      log::warn(kComponent, "websocket_queue_full",
                {{"session", id_}, {"queued", queue_.size()}, {"remote", info_.remote_address}});
      queue_.clear();
      request_close(websocket::close_code::policy_error, "send queue full: the client is not reading messages");
      return;
    }
    queue_.push_back(std::move(text));
    if (!writing_ && opened_) write_next();
  }

  // Closes the TCP socket without a closing handshake. Used only after the
  // control thread has stopped, for clients that did not reply to the close in time.
  void abort() override {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void request_close(websocket::close_code code, std::string reason) override {
    if (close_requested_ || ended_) return;
    close_requested_ = true;
    close_reason_ = websocket::close_reason(code, truncate_utf8(std::move(reason), kMaxCloseReasonBytes));
    // Before the upgrade completes there is nothing to close gracefully.
    if (!opened_) {
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
      return;
    }
    if (!writing_) write_next();
  }

 private:
  void on_accept(beast::error_code error) {
    if (error) {
      log::info(kComponent, "websocket_upgrade_failed",
                {{"session", id_}, {"remote", info_.remote_address}, {"error", error.message()}});
      end();
      return;
    }
    opened_ = true;
    server_.on_websocket_open(id_, info_);
    if (close_requested_ || !queue_.empty()) write_next();
    read();
  }

  void read() {
    // Read at most one byte past the limit, which is enough to tell a message is too large.
    const size_t limit = server_.config_.max_message_bytes + 1 - std::min(buffer_.size(), server_.config_.max_message_bytes);
    ws_.async_read_some(buffer_, limit,
                        beast::bind_front_handler(&WebSocketSession::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code error, size_t) {
    if (error) {
      end();
      return;
    }
    if (close_requested_) {
      // Only the peer's close frame matters now; discard anything before it.
      buffer_.consume(buffer_.size());
      read();
      return;
    }
    if (buffer_.size() > server_.config_.max_message_bytes) {
      ++server_.rejected_too_large_;
      buffer_.consume(buffer_.size());
      request_close(websocket::close_code::too_big,
                    "message too large: the limit is " + std::to_string(server_.config_.max_message_bytes) + " bytes");
      read();
      return;
    }
    if (!ws_.is_message_done()) {
      read();
      return;
    }

    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handle_message(text);
    read();
  }

  void handle_message(const std::string& text) {
    if (!ws_.got_text()) {
      ++server_.rejected_binary_;
      enqueue(dump_json(make_error(error_code::kInvalidMessage, "binary messages are not accepted; send JSON text")));
      return;
    }
    const json message = json::parse(text, nullptr, false);
    if (message.is_discarded()) {
      ++server_.rejected_invalid_json_;
      enqueue(dump_json(make_error(error_code::kInvalidMessage, "message is not valid JSON")));
      return;
    }
    ++server_.messages_received_;
    server_.on_websocket_message(id_, message);
  }

  void write_next() {
    if (writing_ || ended_) return;
    if (!queue_.empty()) {
      writing_ = true;
      ws_.text(true);
      ws_.async_write(net::buffer(queue_.front()),
                      beast::bind_front_handler(&WebSocketSession::on_write, this->shared_from_this()));
      return;
    }
    if (close_requested_ && !close_sent_) {
      close_sent_ = true;
      writing_ = true;
      ws_.async_close(close_reason_,
                      beast::bind_front_handler(&WebSocketSession::on_close, this->shared_from_this()));
    }
  }

  void on_write(beast::error_code error, size_t) {
    writing_ = false;
    if (error) {
      // A failed write leaves the stream unusable; closing the socket ends the read loop too.
      queue_.clear();
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
      return;
    }
    if (!queue_.empty()) queue_.pop_front();
    write_next();
  }

  void on_close(beast::error_code) {
    writing_ = false;
    // The pending read completes once the peer's close frame arrives or the
    // handshake timeout expires; closing the socket here would lose that frame.
  }

  void end() {
    if (ended_) return;
    ended_ = true;
    queue_.clear();
    server_.on_websocket_end(id_, opened_);
  }

  ServerCore& server_;
  const SessionId id_;
  websocket::stream<Stream> ws_;
  http::request<http::string_body> request_;
  const HttpRequestInfo info_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  websocket::close_reason close_reason_;
  bool opened_ = false;
  bool writing_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
  bool ended_ = false;
};

// One TCP connection speaking HTTP/1.1 with keep-alive, until it upgrades.
// Over TLS the handshake comes first.
template <typename Stream>
class HttpSession final : public HttpSessionBase, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  static constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

  HttpSession(ServerCore& server, uint64_t id, Stream&& stream)
      : server_(server), id_(id), stream_(std::move(stream)) {
    beast::error_code error;
    const tcp::endpoint remote = socket().remote_endpoint(error);
    remote_ = error ? std::string("unknown") : endpoint_to_string(remote);
  }

  void run() {
    if constexpr (kIsTls) {
      beast::get_lowest_layer(stream_).expires_after(server_.config_.handshake_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&HttpSession::on_handshake, this->shared_from_this()));
    } else {
      read();
    }
  }

  void shut_down() override {
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

 private:
  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }

  void on_handshake(beast::error_code error) {
    if (error) {
      // Browsers open and drop connections while the user decides on an
      // untrusted certificate, so a failed handshake is routine.
      log::debug(kComponent, "tls_handshake_failed", {{"remote", remote_}, {"error", error.message()}});
      shut_down();
      server_.on_http_end(id_);
      return;
    }
    read();
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(server_.config_.max_message_bytes);
    beast::get_lowest_layer(stream_).expires_after(server_.config_.handshake_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code error, size_t) {
    if (error == http::error::body_limit || error == http::error::header_limit) {
      respond(HttpResponse::error(413, "request larger than " + std::to_string(server_.config_.max_message_bytes) +
                                           " bytes"),
              false, kHttpVersion11, false);
      return;
    }
    if (error) {
      // After end of stream, a timeout, a reset or a malformed request there is no useful response.
      if (error != http::error::end_of_stream && error != beast::error::timeout) {
        log::debug(kComponent, "http_read_failed", {{"remote", remote_}, {"error", error.message()}});
      }
      shut_down();
      server_.on_http_end(id_);
      return;
    }

    http::request<http::string_body> request = parser_->release();
    ++server_.http_requests_;
    HttpRequestInfo info;
    if (!describe_request(request, remote_, info)) {
      respond(HttpResponse::error(400, "invalid percent escape in the request target"), false, request.version(),
              false);
      return;
    }

    if (websocket::is_upgrade(request)) {
      upgrade(std::move(request), std::move(info));
      return;
    }
    const bool head = request.method() == http::verb::head;
    respond(server_.route(info), request.keep_alive(), request.version(), head);
  }

  void upgrade(http::request<http::string_body> request, HttpRequestInfo info) {
    if (!server_.is_websocket_path(info.path)) {
      respond(HttpResponse::error(404, "no WebSocket endpoint at " + info.path), false, request.version(), false);
      return;
    }
    if (server_.stopping_ || server_.sessions_.size() >= server_.config_.max_sessions) {
      ++server_.sessions_over_limit_;
      log::warn(kComponent, "websocket_rejected", {{"remote", remote_}, {"reason", "session limit"},
                                                   {"max_sessions", server_.config_.max_sessions}});
      respond(HttpResponse::error(503, "server is at its limit of " + std::to_string(server_.config_.max_sessions) +
                                           " sessions; try again later"),
              false, request.version(), false);
      return;
    }
    auto session = std::make_shared<WebSocketSession<Stream>>(server_, server_.next_session_id_++, std::move(stream_),
                                                              std::move(request), std::move(info));
    server_.on_http_end(id_);
    server_.admit_websocket(session);
    session->run();
  }

  // A response to HEAD carries the headers of the GET response, Content-Length included, and no body.
  void respond(const HttpResponse& response, bool keep_alive, unsigned version, bool head) {
    auto message = std::make_shared<http::response<http::string_body>>();
    message->version(version);
    message->result(static_cast<http::status>(response.status));
    message->set(http::field::server, std::string(kServerName));
    message->set(http::field::content_type, response.content_type);
    message->set("X-Content-Type-Options", "nosniff");
    if (response.status == 405) message->set(http::field::allow, "GET");
    for (const auto& [name, value] : response.headers) message->set(name, value);
    message->keep_alive(keep_alive);
    if (head) {
      message->content_length(response.body.size());
    } else {
      message->body() = response.body;
      message->prepare_payload();
    }

    beast::get_lowest_layer(stream_).expires_after(server_.config_.handshake_timeout);
    http::async_write(stream_, *message,
                      [self = this->shared_from_this(), message](beast::error_code error, size_t) {
                        self->on_write(error, message->keep_alive());
                      });
  }

  void on_write(beast::error_code error, bool keep_alive) {
    if (error || !keep_alive || server_.stopping_) {
      shut_down();
      server_.on_http_end(id_);
      return;
    }
    read();
  }

  ServerCore& server_;
  const uint64_t id_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
};

HttpResponse ServerCore::route(const HttpRequestInfo& info) {
  const bool is_get = info.method == "GET";
  if (info.path == "/health") {
    if (!is_get) return HttpResponse::error(405, "use GET for /health");
    return HttpResponse::json(200, json{{"status", "ok"}});
  }
  if (info.path == "/ready") {
    if (!is_get) return HttpResponse::error(405, "use GET for /ready");
    bool ready = true;
    if (readiness_check_) {
      try {
        ready = readiness_check_();
      } catch (const std::exception& error) {
        log::error(kComponent, "readiness_check_failed", {{"error", error.what()}});
        ready = false;
      }
    }
    return ready ? HttpResponse::json(200, json{{"status", "ready"}})
                 : HttpResponse::json(503, json{{"status", "not ready"}});
  }
  if (info.path == "/metrics") {
    if (!is_get) return HttpResponse::error(405, "use GET for /metrics");
    const std::string text = metrics_ != nullptr ? metrics_->render() : std::string();
    return HttpResponse{200, std::string(kPrometheusContentType), text};
  }
  if (is_websocket_path(info.path)) {
    if (!is_get) return HttpResponse::error(405, "use GET with a WebSocket upgrade for " + info.path);
    return HttpResponse::error(426, info.path + " accepts only WebSocket upgrades");
  }
  if (static_files_) {
    if (auto response = static_files_->serve(info, connect_sources(info.host))) return std::move(*response);
  }

  try {
    return handler_.on_http(info);
  } catch (const std::exception& error) {
    log::error(kComponent, "http_handler_failed", {{"path", info.path}, {"error", error.what()}});
    return HttpResponse::error(500, "internal error");
  }
}

std::string ServerCore::connect_sources(const std::string& host) const {
  // CSP Level 3 lets 'self' match ws: and wss: on the page's own host, but
  // browsers that follow CSP Level 2 need the WebSocket origin spelled out.
  if (!is_plain_host(host)) return {};
  return (config_.tls ? "wss://" : "ws://") + host;
}

void ServerCore::admit_websocket(const std::shared_ptr<WebSocketSessionBase>& session) {
  sessions_.emplace(session->id(), session);
  session_count_ = sessions_.size();
}

void ServerCore::on_websocket_open(SessionId session, const HttpRequestInfo& info) {
  log::info(kComponent, "websocket_opened", {{"session", session}, {"remote", info.remote_address}});
  try {
    handler_.on_ws_open(session, info);
  } catch (const std::exception& error) {
    log::error(kComponent, "ws_open_handler_failed", {{"session", session}, {"error", error.what()}});
  }
}

void ServerCore::on_websocket_message(SessionId session, const json& message) {
  try {
    handler_.on_ws_message(session, message);
  } catch (const std::exception& error) {
    log::error(kComponent, "ws_message_handler_failed", {{"session", session}, {"error", error.what()}});
    send(session, dump_json(make_error(error_code::kInternal, "the server failed to handle this message")));
  }
}

void ServerCore::on_websocket_end(SessionId session, bool opened) {
  sessions_.erase(session);
  session_count_ = sessions_.size();
  if (!opened) return;
  log::info(kComponent, "websocket_closed", {{"session", session}});
  try {
    handler_.on_ws_close(session);
  } catch (const std::exception& error) {
    log::error(kComponent, "ws_close_handler_failed", {{"session", session}, {"error", error.what()}});
  }
}

void ServerCore::on_http_end(uint64_t connection) { connections_.erase(connection); }

void ServerCore::send(SessionId session, std::string text) {
  net::post(io_context_, [this, session, text = std::move(text)]() mutable {
    const auto found = sessions_.find(session);
    if (found != sessions_.end()) found->second->enqueue(std::move(text));
  });
}

void ServerCore::close(SessionId session, std::string reason) {
  net::post(io_context_, [this, session, reason = std::move(reason)]() mutable {
    const auto found = sessions_.find(session);
    if (found != sessions_.end()) found->second->request_close(websocket::close_code::normal, std::move(reason));
  });
}

void ServerCore::accept_next() {
  acceptor_.async_accept([this](beast::error_code error, tcp::socket socket) {
    if (error == net::error::operation_aborted || stopping_) return;
    if (error) {
      log::warn(kComponent, "accept_failed", {{"error", error.message()}});
      accept_retry_timer_.expires_after(kAcceptRetryDelay);
      accept_retry_timer_.async_wait([this](beast::error_code wait_error) {
        if (!wait_error && !stopping_) accept_next();
      });
      return;
    }
    const uint64_t id = next_connection_id_++;
    if (tls_context_) {
      auto connection = std::make_shared<HttpSession<TlsStream>>(*this, id, TlsStream(std::move(socket), *tls_context_));
      connections_.emplace(id, connection);
      connection->run();
    } else {
      auto connection = std::make_shared<HttpSession<PlainStream>>(*this, id, PlainStream(std::move(socket)));
      connections_.emplace(id, connection);
      connection->run();
    }
    accept_next();
  });
}

std::optional<std::string> ServerCore::set_up_tls() {
  TlsCertificateResult loaded;
  if (config_.certificate_file.empty() && config_.private_key_file.empty()) {
    loaded = load_or_create_self_signed(config_.self_signed_directory, config_.self_signed_hosts);
  } else if (config_.certificate_file.empty() || config_.private_key_file.empty()) {
    return std::string("TLS needs both a certificate file and a private key file, or neither for a self-signed one");
  } else {
    loaded = load_tls_certificate(config_.certificate_file, config_.private_key_file);
  }
  if (!loaded.ok()) return loaded.error;

  tls_context_.emplace(ssl::context::tls_server);
  // TLS 1.2 is the oldest version browsers still accept (RFC 8996 deprecates 1.0 and 1.1).
  SSL_CTX_set_min_proto_version(tls_context_->native_handle(), TLS1_2_VERSION);
  tls_context_->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);
  beast::error_code error;
  tls_context_->use_certificate_chain(net::buffer(loaded.certificate.certificate_pem), error);
  if (error) return "TLS certificate file \"" + loaded.certificate.certificate_file + "\" was rejected: " + error.message();
  tls_context_->use_private_key(net::buffer(loaded.certificate.private_key_pem), ssl::context::pem, error);
  if (error) return "TLS private key file \"" + loaded.certificate.private_key_file + "\" was rejected: " + error.message();

  certificate_fingerprint_ = loaded.certificate.fingerprint_sha256;
  log::info(kComponent, loaded.certificate.generated ? "tls_certificate_created" : "tls_certificate_loaded",
            {{"certificate", loaded.certificate.certificate_file},
             {"sha256_fingerprint", loaded.certificate.fingerprint_sha256}});
  return std::nullopt;
}

std::optional<std::string> ServerCore::set_up_web_root() {
  if (config_.web_root.empty()) {
    log::info(kComponent, "web_root_disabled", {{"reason", "no web root configured; pages are not served"}});
    return std::nullopt;
  }
  std::string error;
  static_files_ = StaticFiles::open(config_.web_root, error);
  if (!static_files_) return error;
  log::info(kComponent, "web_root", {{"directory", static_files_->root().string()}});
  return std::nullopt;
}

std::optional<std::string> ServerCore::start() {
  if (started_) return "the control server was already started";
  if (config_.tls) {
    if (auto error = set_up_tls()) return error;
  }
  if (auto error = set_up_web_root()) return error;
  const std::string where = config_.bind_address + ":" + std::to_string(config_.port);

  beast::error_code error;
  const net::ip::address address = net::ip::make_address(config_.bind_address, error);
  if (error) return "invalid control bind address \"" + config_.bind_address + "\": expected an IPv4 or IPv6 address";
  const tcp::endpoint endpoint(address, config_.port);

  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(net::socket_base::reuse_address(true), error);
  if (error) return "open socket for " + where + " failed: " + error.message();
  acceptor_.bind(endpoint, error);
  if (error) return "bind " + where + " failed: " + error.message();
  acceptor_.listen(net::socket_base::max_listen_connections, error);
  if (error) return "listen on " + where + " failed: " + error.message();
  port_ = acceptor_.local_endpoint().port();

  if (metrics_ != nullptr) {
    metrics_collector_id_ = metrics_->add_collector([this](MetricsWriter& writer) { collect_metrics(writer); });
  }
  accept_next();
  started_ = true;

  std::packaged_task<void()> task([this] {
    // A handler exception is caught where the handler is called; this loop
    // keeps the control thread alive should anything else escape.
    for (;;) {
      try {
        io_context_.run();
        return;
      } catch (const std::exception& exception) {
        log::error(kComponent, "control_thread_error", {{"error", exception.what()}});
      }
    }
  });
  thread_done_ = task.get_future();
  thread_ = std::thread(std::move(task));
  log::info(kComponent, "listening",
            {{"address", config_.bind_address}, {"port", port_.load()}, {"scheme", config_.tls ? "https" : "http"}});
  return std::nullopt;
}

void ServerCore::shut_down_sessions() {
  stopping_ = true;
  beast::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_timer_.cancel();
  for (auto& [id, weak] : connections_) {
    if (auto connection = weak.lock()) connection->shut_down();
  }
  for (auto& [id, session] : sessions_) {
    session->request_close(websocket::close_code::going_away, "server shutting down");
  }
}

void ServerCore::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;

  net::post(io_context_, [this] { shut_down_sessions(); });
  // The loop ends by itself once every session has finished its closing
  // handshake; clients that do not answer are cut off after the grace period.
  if (thread_done_.wait_for(kShutdownGrace) != std::future_status::ready) io_context_.stop();
  thread_.join();

  // Sessions cut off above still owe the handler its on_ws_close, and their
  // clients should see the connection end now, not when the server is destroyed.
  for (auto& [id, weak] : connections_) {
    if (auto connection = weak.lock()) connection->shut_down();
  }
  connections_.clear();
  auto remaining = std::move(sessions_);
  sessions_.clear();
  session_count_ = 0;
  for (auto& [id, session] : remaining) {
    session->abort();
    on_websocket_end(id, session->opened());
  }
  if (metrics_ != nullptr) metrics_->remove_collector(metrics_collector_id_);
  log::info(kComponent, "stopped", {{"port", port_.load()}});
}

void ServerCore::collect_metrics(MetricsWriter& writer) const {
  writer.gauge("sightline_control_websocket_sessions", "Open WebSocket sessions.",
               static_cast<double>(session_count_.load()));
  writer.counter("sightline_control_http_requests_total", "HTTP requests received, including upgrades.",
                 static_cast<double>(http_requests_.load()));
  writer.counter("sightline_control_websocket_messages_total", "WebSocket messages received that were valid JSON.",
                 static_cast<double>(messages_received_.load()));
  const char* rejected_help = "WebSocket messages rejected before the handler, by reason.";
  writer.counter("sightline_control_websocket_messages_rejected_total", rejected_help,
                 static_cast<double>(rejected_invalid_json_.load()), {{"reason", "invalid_json"}});
  writer.counter("sightline_control_websocket_messages_rejected_total", rejected_help,
                 static_cast<double>(rejected_binary_.load()), {{"reason", "binary"}});
  writer.counter("sightline_control_websocket_messages_rejected_total", rejected_help,
                 static_cast<double>(rejected_too_large_.load()), {{"reason", "too_large"}});
  writer.counter("sightline_control_websocket_sessions_rejected_total",
                 "WebSocket upgrades rejected because the session limit was reached.",
                 static_cast<double>(sessions_over_limit_.load()));
  writer.counter("sightline_control_websocket_slow_client_closes_total",
                 "Sessions closed because their send queue was full.", static_cast<double>(slow_client_closes_.load()));
}

}  // namespace

class ControlServer::Impl : public ServerCore {
 public:
  using ServerCore::ServerCore;
};

ControlServer::ControlServer(ControlServerConfig config, ControlHandler& handler, MetricsRegistry* metrics)
    : impl_(std::make_unique<Impl>(std::move(config), handler, metrics)) {}

ControlServer::~ControlServer() { stop(); }

void ControlServer::set_readiness_check(std::function<bool()> check) { impl_->readiness_check_ = std::move(check); }

std::optional<std::string> ControlServer::start() { return impl_->start(); }

uint16_t ControlServer::port() const { return impl_->port_.load(); }

std::string ControlServer::certificate_fingerprint() const { return impl_->certificate_fingerprint_; }

void ControlServer::stop() { impl_->stop(); }

void ControlServer::send(SessionId session, const nlohmann::json& message) { impl_->send(session, dump_json(message)); }

void ControlServer::close(SessionId session, std::string reason) { impl_->close(session, std::move(reason)); }

size_t ControlServer::session_count() const { return impl_->session_count_.load(); }

}  // namespace sightline::control

// Test helper: a client and a server DtlsTransport joined in memory by a
// pipe that can drop datagrams, driven with the transports' real timers.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "relay/crypto/dtls_certificate.h"
#include "relay/crypto/dtls_transport.h"

namespace sightline::crypto::testing {

// Records what one transport reports; sent datagrams wait in `outbox`
// until the pipe delivers them.
struct RecordingListener : DtlsTransport::Listener {
  void on_dtls_send(ByteView datagram) override {
    outbox.emplace_back(datagram.begin(), datagram.end());
    ++sent_count;
    if (datagram.size() > largest_sent_bytes) largest_sent_bytes = datagram.size();
  }
  void on_dtls_connected(const SrtpKeys& srtp_keys) override { keys = srtp_keys; }
  void on_dtls_failed(std::string_view reason) override { failure = std::string(reason); }
  void on_dtls_closed() override { closed = true; }

  std::deque<std::vector<uint8_t>> outbox;
  size_t sent_count = 0;
  size_t largest_sent_bytes = 0;
  std::optional<SrtpKeys> keys;
  std::optional<std::string> failure;
  bool closed = false;
};

// Returns true to drop a datagram that `from` sent.
using DropRule = std::function<bool(DtlsRole from, const std::vector<uint8_t>& datagram)>;

class DtlsPipe {
 public:
  DtlsPipe(std::shared_ptr<DtlsCertificate> client_certificate, std::shared_ptr<DtlsCertificate> server_certificate)
      : client(DtlsRole::client, client_certificate, client_listener),
        server(DtlsRole::server, server_certificate, server_listener) {
    client.set_remote_fingerprint("sha-256", server_certificate->fingerprint_sha256());
    server.set_remote_fingerprint("sha-256", client_certificate->fingerprint_sha256());
  }

  // Moves queued datagrams both ways until none is left.
  void deliver() {
    while (!client_listener.outbox.empty() || !server_listener.outbox.empty()) {
      deliver_one_way(DtlsRole::client, client_listener, server);
      deliver_one_way(DtlsRole::server, server_listener, client);
    }
  }

  // Starts both sides and runs until both are connected, either side fails
  // or closes, or `limit` passes. Sleeps until the next retransmission timer.
  bool run_handshake(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    server.start();
    client.start();
    deliver();
    while (!finished() && std::chrono::steady_clock::now() < deadline) {
      std::optional<std::chrono::milliseconds> wait = earliest_timeout();
      if (!wait) break;
      std::this_thread::sleep_for(*wait);
      client.handle_timeout();
      server.handle_timeout();
      deliver();
    }
    return client.state() == DtlsState::connected && server.state() == DtlsState::connected;
  }

  RecordingListener client_listener;
  RecordingListener server_listener;
  DtlsTransport client;
  DtlsTransport server;
  DropRule drop;
  size_t dropped_count = 0;

 private:
  void deliver_one_way(DtlsRole from, RecordingListener& sender, DtlsTransport& receiver) {
    while (!sender.outbox.empty()) {
      std::vector<uint8_t> datagram = std::move(sender.outbox.front());
      sender.outbox.pop_front();
      if (drop && drop(from, datagram)) {
        ++dropped_count;
        continue;
      }
      receiver.handle_datagram(datagram);
    }
  }

  bool finished() const {
    const auto done = [](DtlsState state) { return state != DtlsState::connecting && state != DtlsState::not_started; };
    const bool both_connected = client.state() == DtlsState::connected && server.state() == DtlsState::connected;
    const bool any_ended = (done(client.state()) && client.state() != DtlsState::connected) ||
                           (done(server.state()) && server.state() != DtlsState::connected);
    return both_connected || any_ended;
  }

  std::optional<std::chrono::milliseconds> earliest_timeout() const {
    std::optional<std::chrono::milliseconds> client_wait = client.time_until_timeout();
    std::optional<std::chrono::milliseconds> server_wait = server.time_until_timeout();
    if (client_wait && server_wait) return std::min(*client_wait, *server_wait);
    return client_wait ? client_wait : server_wait;
  }
};

}  // namespace sightline::crypto::testing

// The relay's configuration: the settings the server reads, registered on a
// Settings so that config/sightline.example.toml and the flags share one table.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "relay/base/log.h"
#include "relay/control/control_server.h"
#include "relay/control/settings.h"

namespace sightline::control {

struct RelayConfig {
  // Bind address, port, message size limit and idle timeout of the HTTP and WebSocket server.
  ControlServerConfig control;
  // Local address the media workers' UDP sockets bind to.
  std::string media_bind_address = "127.0.0.1";
  // Address written into ICE candidates; the media bind address unless the
  // relay sits behind NAT or binds to a wildcard address.
  std::string announced_address = "127.0.0.1";
  // Worker i binds to first_media_port + i; 0 gives each worker an ephemeral port.
  uint16_t first_media_port = 40000;
  // Media worker threads, each with its own UDP port.
  unsigned media_workers = 1;
  // UDP generic segmentation offload on the media sockets. A socket whose
  // kernel rejects it sends one message per datagram.
  bool media_udp_gso = true;
  bool media_udp_gro = true;
  // Passive ICE-TCP (RFC 6544): each worker also listens on TCP, and answers
  // carry a TCP candidate beside the UDP one.
  bool media_tcp = true;
  // Worker i listens on first_tcp_port + i; 0 uses the worker's UDP port number.
  uint16_t first_tcp_port = 0;
  size_t tcp_max_connections = 128;
  std::chrono::milliseconds tcp_handshake_timeout{10'000};
  log::Level log_level = log::Level::info;
  // Where the relay keeps its state: the policy database and, under tls/, the
  // self-signed HTTPS certificate.
  std::string data_directory = "./data";
};

// Registers every relay setting (control.*, media.*, log.*, data.*, web.*) with its default.
void register_relay_settings(Settings& settings);

// Registers the settings of the service around the relay that `sightline
// serve` reads itself: store.url, admission.*, calls.id-check, analysis.*.
void register_service_settings(Settings& settings);

// Builds the config from registered settings and checks values that depend on
// each other. Returns an error message, or nullopt with out filled in.
std::optional<std::string> make_relay_config(const Settings& settings, RelayConfig& out);

// Returns the repository's web/ folder (recognised by web/call/index.html)
// found in the binary's folder or up to three folders above it, else in the
// current directory; empty when there is none.
std::string find_default_web_root();

}  // namespace sightline::control

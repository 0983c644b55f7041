// Shared set-up of the integration tests: a relay on loopback with free
// ports, synthetic participants, and the default clip.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "relay/call/relay.h"
#include "relay/control/config.h"
#include "tests/support/shared_test_data.h"
#include "tools/peer/peer.h"

namespace sightline::testing {

// The foreman clip as scripts/setup.sh decompresses it, or the shared copy.
inline std::string default_clip() {
  const std::filesystem::path made = std::filesystem::path(SIGHTLINE_SOURCE_DIR) / ".cache/media/foreman_cif_15fps.y4m";
  if (std::filesystem::exists(made)) return made.string();
  return test::shared_test_file("video/talking_foreman_cif_15fps_4.3s.y4m");
}

inline control::RelayConfig loopback_relay_config(unsigned workers = 1) {
  control::RelayConfig config;
  config.control.port = 0;
  config.first_media_port = 0;
  config.media_workers = workers;
  return config;
}

inline peer::PeerOptions peer_options(const call::Relay& relay, std::string call_id, std::string participant_id,
                                      std::string role) {
  peer::PeerOptions options;
  options.relay_port = relay.control_port();
  options.call_id = std::move(call_id);
  options.participant_id = std::move(participant_id);
  options.role = std::move(role);
  return options;
}

// Polls condition every 10 ms until it holds or timeout passes.
inline bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

}  // namespace sightline::testing

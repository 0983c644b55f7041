// sightline serve: the relay, until SIGINT or SIGTERM.
#include <chrono>
#include <cstdio>
#include <thread>

#include "relay/base/log.h"
#include "relay/call/relay.h"
#include "relay/control/config.h"
#include "tools/cli/command_line.h"
#include "tools/cli/commands.h"

namespace sightline::cli {

int run_serve(int argc, const char* const* argv) {
  control::Settings settings;
  control::register_relay_settings(settings);
  if (auto exit_code = apply_command_line(settings, argc, argv, "sightline serve [--config FILE] [options]",
                                          "Runs the relay: media workers and the HTTP/WebSocket control server.")) {
    return *exit_code;
  }
  control::RelayConfig config;
  if (auto error = control::make_relay_config(settings, config)) {
    std::fprintf(stderr, "error: %s\n", error->c_str());
    return kExitUsage;
  }
  log::set_level(config.log_level);
  install_stop_signals();

  call::Relay relay(config);
  if (auto error = relay.start()) {
    log::error("serve", "start failed", {{"error", *error}});
    std::fprintf(stderr, "error: %s\n", error->c_str());
    return kExitFailure;
  }
  while (!g_stop_requested.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  log::info("serve", "stopping", {{"reason", "signal"}});
  relay.stop();
  return kExitOk;
}

}  // namespace sightline::cli

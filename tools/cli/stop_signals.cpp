// SIGINT and SIGTERM request a clean stop of long-running commands.
#include <csignal>

#include "tools/cli/commands.h"

namespace sightline::cli {

std::atomic<bool> g_stop_requested{false};

namespace {
extern "C" void on_stop_signal(int) { g_stop_requested.store(true); }
}  // namespace

void install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // A peer that vanished must not kill the relay through a broken pipe.
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace sightline::cli

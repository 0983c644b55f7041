// Subcommands of the sightline binary. Each takes the arguments after its
// name and returns the process exit code.
#pragma once

#include <atomic>

namespace sightline::cli {

int run_serve(int argc, const char* const* argv);
int run_peer(int argc, const char* const* argv);
int run_demo(int argc, const char* const* argv);
int run_audit(int argc, const char* const* argv);
int run_purge(int argc, const char* const* argv);
int run_eval(int argc, const char* const* argv);
int run_user(int argc, const char* const* argv);

// Set by SIGINT and SIGTERM; long-running commands poll it.
extern std::atomic<bool> g_stop_requested;
void install_stop_signals();

// Exit codes shared by the commands.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

}  // namespace sightline::cli

// The sightline command: one binary with subcommands.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "tools/cli/commands.h"
#include "tools/load/load_command.h"

namespace {

constexpr const char* kUsage =
    "usage: sightline <command> [options]\n"
    "\n"
    "Sightline relays supervised video calls for immigration removal centres.\n"
    "\n"
    "commands:\n"
    "  serve   run the relay: media workers and the HTTP/WebSocket control server\n"
    "  peer    run one synthetic participant against a running relay\n"
    "  demo    run a relay and two participants on loopback and report what they decoded\n"
    "  load    drive many calls against a relay and measure packets, loss, latency and CPU\n"
    "  user    add, list, disable staff accounts and reset their passwords\n"
    "  purge   delete personal data six months after the last call, now\n"
    "  audit   write the annual self-audit (HTML and CSV) for a year\n"
    "  eval    run the detectors over a labelled image folder and report precision and recall\n"
    "\n"
    "Run 'sightline <command> --help' for the options of a command.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? sightline::cli::kExitUsage : sightline::cli::kExitOk;
  }
  const std::string_view command = argv[1];
  // Each command sees its own name as argv[0].
  const int sub_argc = argc - 1;
  const char* const* sub_argv = argv + 1;
  if (command == "serve") return sightline::cli::run_serve(sub_argc, sub_argv);
  if (command == "peer") return sightline::cli::run_peer(sub_argc, sub_argv);
  if (command == "demo") return sightline::cli::run_demo(sub_argc, sub_argv);
  if (command == "user") return sightline::cli::run_user(sub_argc, sub_argv);
  if (command == "purge") return sightline::cli::run_purge(sub_argc, sub_argv);
  if (command == "audit") return sightline::cli::run_audit(sub_argc, sub_argv);
  if (command == "eval") return sightline::cli::run_eval(sub_argc, sub_argv);
  if (command == "load") {
    sightline::cli::install_stop_signals();
    return sightline::load::run_load(sub_argc, sub_argv, &sightline::cli::g_stop_requested);
  }
  std::fprintf(stderr, "sightline: unknown command '%s'\n\n%s", argv[1], kUsage);
  return sightline::cli::kExitUsage;
}

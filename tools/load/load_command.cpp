// run_load: the options of `sightline load`, read through control::Settings.
#include "tools/load/load_command.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "relay/base/log.h"
#include "relay/control/config.h"
#include "relay/control/settings.h"
#include "tools/load/load_generator.h"

namespace sightline::load {

namespace {
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr std::string_view kUsage = "sightline load [--config FILE] [options]";

// The clip scripts/setup.sh prepares: under the current directory, or else
// under the source tree the binary was built from (found as the models are).
std::string default_clip() {
  const std::filesystem::path relative = ".cache/media/foreman_cif_15fps.y4m";
  if (std::filesystem::exists(relative)) return relative.string();
  const std::string web_root = control::find_default_web_root();
  if (web_root.empty()) return {};
  const std::filesystem::path beside_source = std::filesystem::path(web_root).parent_path() / relative;
  return std::filesystem::exists(beside_source) ? beside_source.string() : std::string();
}

void register_settings(control::Settings& settings) {
  settings.add_string("load.server", "Server under load: sightline, or janus (its VideoRoom plugin over Janus's HTTP API).",
                      "sightline");
  settings.add_string("load.relay-host", "Host of a running relay's signalling server.", "127.0.0.1");
  settings.add_integer("load.relay-port", "TCP port of a running relay's signalling server (Janus: its HTTP transport).",
                       8443, 1, 65535);
  settings.add_integer("load.relay-pid", "Process id of that relay, for its CPU time; 0 skips it.", 0, 0, 4194304);
  settings.add_boolean("load.in-process", "Start a relay in this process on loopback instead.", false);
  settings.add_integer("load.workers", "Media workers of the in-process relay.", 1, 1, 256);
  settings.add_integer("load.calls", "Fixed mode: two-party calls to hold.", 1, 1, 10000);
  settings.add_integer("load.seconds", "Fixed mode: seconds to hold them.", 10, 1, 86400);
  settings.add_integer("load.ramp-step", "Ramp mode when above 0: calls added per step.", 0, 0, 10000);
  settings.add_integer("load.step-seconds", "Ramp mode: seconds per step.", 10, 1, 3600);
  settings.add_integer("load.max-calls", "Ramp mode: stop before exceeding this many calls.", 100, 1, 10000);
  settings.add_string("load.clip", "Y4M clip to encode once and replay as every participant's video.", default_clip());
  settings.add_integer("load.bitrate-kbps", "VP8 target bitrate in kbit/s.", 600, 50, 20000);
  settings.add_number("load.frame-rate",
                      "Video frames per second; 0 keeps the clip's rate, a higher rate repeats clip frames (30 with "
                      "the 15 fps foreman clip sends each frame twice, as a 30 fps camera paces its packets).",
                      0, 0, 120);
  settings.add_boolean("load.udp-gro",
                       "The generator's sockets receive the relay's GSO messages whole (UDP_GRO). With false, the "
                       "kernel splits them for the generator, and on loopback that work runs in the relay's send "
                       "calls and counts in its CPU time. The in-process relay's own GRO stays on.",
                       true);
  settings.add_integer("load.loops", "Event loop threads of the generator; 0 is one per CPU it may run on (see taskset).", 0, 0, 256);
  settings.add_integer("load.decrypt-every",
                       "Receive side: decrypt and authenticate 1 in N RTP packets and count the others from their "
                       "clear RTP header, so that the generator costs less than the relay; 1 decrypts all. Janus runs "
                       "always decrypt all.",
                       1, 1, 1000000);
  settings.add_string("load.csv", "CSV file for the per-second time series; empty writes none.", "");
  settings.add_number("load.max-loss-percent", "A step holds its calls below this loss, in percent.", 1, 0, 100);
  settings.add_number("load.max-p99-ms", "A step holds its calls below this p99 one-way latency, in ms.", 20, 0, 10000);
  settings.add_string("log.level", "Lowest log level written: debug, info, warn or error.", "warn");
  for (const char* name : {"server", "relay-host", "relay-port", "relay-pid", "in-process", "workers", "calls", "seconds",
                           "ramp-step", "step-seconds", "max-calls", "clip", "bitrate-kbps", "frame-rate", "loops",
                           "udp-gro", "csv", "decrypt-every"}) {
    settings.add_alias(name, std::string("load.") + name);
  }
}

// Applies --config FILE and then the flags. Returns an exit code when the
// command should stop: after --help or an invalid file or flag.
std::optional<int> apply_arguments(control::Settings& settings, int argc, const char* const* argv) {
  std::vector<const char*> flags;
  for (int i = 0; i < argc; ++i) {
    const std::string_view argument = argv[i];
    std::string config_path;
    if (i > 0 && argument == "--config") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "error: --config needs a file path\n");
        return kExitUsage;
      }
      config_path = argv[++i];
    } else if (i > 0 && argument.starts_with("--config=")) {
      config_path = std::string(argument.substr(9));
    }
    if (!config_path.empty()) {
      if (auto error = settings.load_file(config_path)) {
        std::fprintf(stderr, "error: %s\n", error->c_str());
        return kExitUsage;
      }
      continue;
    }
    flags.push_back(argv[i]);
  }
  const control::FlagsResult result = settings.apply_flags(static_cast<int>(flags.size()), flags.data());
  if (result.help_requested) {
    std::printf("Drives many two-party calls with real ICE, DTLS and SRTP against a relay and reports packets, "
                "loss, jitter, latency and CPU.\n\n%s", settings.help_text(kUsage).c_str());
    return kExitOk;
  }
  if (!result.ok()) {
    // Some errors already point to --help.
    const bool hinted = result.error.find("--help") != std::string::npos;
    std::fprintf(stderr, "error: %s\n%s", result.error.c_str(), hinted ? "" : "Run with --help for the options.\n");
    return kExitUsage;
  }
  if (!result.positional.empty()) {
    std::fprintf(stderr, "error: unexpected argument '%s'\n", result.positional.front().c_str());
    return kExitUsage;
  }
  return std::nullopt;
}
}  // namespace

int run_load(int argc, const char* const* argv, const std::atomic<bool>* stop_requested) {
  control::Settings settings;
  register_settings(settings);
  if (auto exit_code = apply_arguments(settings, argc, argv)) return *exit_code;
  log::Level level = log::Level::warn;
  if (!log::parse_level(settings.get_string("log.level"), level)) {
    std::fprintf(stderr, "error: log.level must be debug, info, warn or error\n");
    return kExitUsage;
  }
  log::set_level(level);

  LoadOptions options;
  const std::string server = settings.get_string("load.server");
  if (server == "janus") {
    options.server = LoadServer::janus;
  } else if (server != "sightline") {
    std::fprintf(stderr, "error: load.server must be sightline or janus, not '%s'\n", server.c_str());
    return kExitUsage;
  }
  options.relay_host = settings.get_string("load.relay-host");
  options.relay_port = static_cast<uint16_t>(settings.get_integer("load.relay-port"));
  options.relay_pid = static_cast<pid_t>(settings.get_integer("load.relay-pid"));
  options.in_process = settings.get_boolean("load.in-process");
  options.workers = static_cast<unsigned>(settings.get_integer("load.workers"));
  options.calls = static_cast<int>(settings.get_integer("load.calls"));
  options.seconds = static_cast<int>(settings.get_integer("load.seconds"));
  options.ramp_step = static_cast<int>(settings.get_integer("load.ramp-step"));
  options.step_seconds = static_cast<int>(settings.get_integer("load.step-seconds"));
  options.max_calls = static_cast<int>(settings.get_integer("load.max-calls"));
  options.clip_path = settings.get_string("load.clip");
  options.video_bitrate_kbps = static_cast<int>(settings.get_integer("load.bitrate-kbps"));
  options.video_frame_rate = settings.get_number("load.frame-rate");
  options.loops = static_cast<unsigned>(settings.get_integer("load.loops"));
  options.udp_gro = settings.get_boolean("load.udp-gro");
  options.csv_path = settings.get_string("load.csv");
  options.decrypt_every = static_cast<uint32_t>(settings.get_integer("load.decrypt-every"));
  options.max_loss_fraction = settings.get_number("load.max-loss-percent") / 100.0;
  options.max_p99_latency_ms = settings.get_number("load.max-p99-ms");
  options.stop_requested = stop_requested;
  if (options.server == LoadServer::janus && options.in_process) {
    std::fprintf(stderr, "error: --load.in-process starts Sightline's relay; for Janus, start it with "
                         "bench/janus/start.sh and pass --load.relay-port and --load.relay-pid\n");
    return kExitUsage;
  }
  if (options.clip_path.empty()) {
    std::fprintf(stderr, "error: no clip: pass --clip FILE.y4m (run scripts/setup.sh for the default clip)\n");
    return kExitUsage;
  }

  std::string error;
  const std::optional<nlohmann::json> summary = run_load_generator(options, error);
  if (!summary) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return kExitFailure;
  }
  std::printf("%s\n", summary->dump().c_str());
  return kExitOk;
}

}  // namespace sightline::load

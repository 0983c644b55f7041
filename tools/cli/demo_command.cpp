// sightline demo: a relay and two synthetic participants in one call on
// loopback, each sending a real clip and a tone and decoding the other's.
// Prints progress every second and a one-line JSON summary last.
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "relay/base/log.h"
#include "relay/call/relay.h"
#include "relay/control/config.h"
#include "tools/cli/analysis_setup.h"
#include "tools/cli/command_line.h"
#include "tools/cli/commands.h"
#include "tools/media/y4m_reader.h"
#include "tools/peer/peer.h"

namespace sightline::cli {

namespace {
constexpr auto kProgressInterval = std::chrono::seconds(1);
constexpr const char* kCallId = "demo-call";
}  // namespace

int run_demo(int argc, const char* const* argv) {
  control::Settings settings;
  settings.add_string("demo.video", "Y4M clip both participants send, looped.", "");
  settings.add_integer("demo.seconds", "Stop after this many seconds; 0 runs until Ctrl-C.", 0, 0, 86400);
  settings.add_integer("demo.bitrate-kbps", "VP8 target bitrate in kbit/s.", 600, 50, 20000);
  settings.add_number("demo.incoming-loss", "Fraction of incoming RTP packets each participant drops, 0 to 1.", 0, 0,
                      1);
  settings.add_integer("demo.workers", "Media worker threads of the relay.", 1, 1, 64);
  settings.add_string("demo.caller-video",
                      "Y4M clip the caller sends instead of demo.video, for example one with a raised phone "
                      "(scripts/setup.sh makes .cache/media/phone_raise_640x352.y4m).",
                      "");
  settings.add_boolean("demo.analysis", "Analyse both participants' video and print each alert as it happens.", true);
  settings.add_string("log.level", "Lowest log level written: debug, info, warn or error.", "warn");
  settings.add_alias("video", "demo.video");
  settings.add_alias("seconds", "demo.seconds");
  settings.add_alias("loss", "demo.incoming-loss");
  settings.add_alias("caller-video", "demo.caller-video");
  if (auto exit_code = apply_command_line(settings, argc, argv, "sightline demo --video CLIP.y4m [--seconds N]",
                                          "Runs a relay and two synthetic participants in one call on loopback. "
                                          "Each sends the clip and a tone through the relay and decodes the "
                                          "other's; the last line of output is a JSON summary.")) {
    return *exit_code;
  }
  log::Level level = log::Level::warn;
  if (!log::parse_level(settings.get_string("log.level"), level)) {
    std::fprintf(stderr, "error: log.level must be debug, info, warn or error\n");
    return kExitUsage;
  }
  log::set_level(level);
  const std::string video = settings.get_string("demo.video");
  if (video.empty()) {
    std::fprintf(stderr, "error: --video CLIP.y4m is required (./demo.sh passes the default clip)\n");
    return kExitUsage;
  }
  {
    std::string error;
    if (!media::Y4mReader::open(video, true, error)) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return kExitUsage;
    }
  }
  const int64_t seconds = settings.get_integer("demo.seconds");
  install_stop_signals();

  // The relay on loopback, on free ports so that the demo never collides
  // with a relay already running.
  control::RelayConfig config;
  config.control.port = 0;
  config.first_media_port = 0;
  config.media_workers = static_cast<unsigned>(settings.get_integer("demo.workers"));
  std::mutex output_mutex;
  auto analysis_service = start_analysis(AnalysisSetup{settings.get_boolean("demo.analysis"), "", 1,
                                                       [&](const analysis::Alert& alert) {
                                                         std::lock_guard lock(output_mutex);
                                                         std::printf("%s\n", describe_alert(alert).c_str());
                                                         std::fflush(stdout);
                                                       },
                                                       {},
                                                       {}});
  if (settings.get_boolean("demo.analysis") && !analysis_service) {
    std::printf("analysis is off: run tools/models/import.sh to import the models\n");
  }
  call::Relay relay(config);
  call::RelayHooks hooks;
  hooks.media_tap = analysis_service.get();
  relay.set_hooks(std::move(hooks));
  if (auto error = relay.start()) {
    std::fprintf(stderr, "error: relay: %s\n", error->c_str());
    return kExitFailure;
  }
  std::printf("relay listening on 127.0.0.1:%u\n", relay.control_port());

  std::vector<std::unique_ptr<peer::Peer>> peers;
  for (const char* name : {"caller", "terminal"}) {
    peer::PeerOptions options;
    options.relay_port = relay.control_port();
    options.call_id = kCallId;
    options.participant_id = name;
    options.role = name;
    // Each side scores what it decodes against the clip the other side sends.
    const std::string caller_video = settings.get_string("demo.caller-video").empty()
                                         ? video
                                         : settings.get_string("demo.caller-video");
    const bool is_caller = std::string_view(name) == "caller";
    options.video_path = is_caller ? caller_video : video;
    options.reference_path = is_caller ? video : caller_video;
    options.video_bitrate_kbps = static_cast<int>(settings.get_integer("demo.bitrate-kbps"));
    options.incoming_loss = settings.get_number("demo.incoming-loss");
    options.loss_seed = static_cast<uint32_t>(peers.size() + 1);
    auto participant = std::make_unique<peer::Peer>(options);
    if (auto error = participant->start()) {
      std::fprintf(stderr, "error: participant %s: %s\n", name, error->c_str());
      for (auto& started : peers) started->stop();
      relay.stop();
      return kExitFailure;
    }
    std::printf("%s joined call %s\n", name, kCallId);
    peers.push_back(std::move(participant));
  }
  std::fflush(stdout);

  const auto started = std::chrono::steady_clock::now();
  auto next_progress = started + kProgressInterval;
  while (!g_stop_requested.load()) {
    const auto now = std::chrono::steady_clock::now();
    if (seconds > 0 && now - started >= std::chrono::seconds(seconds)) break;
    if (now >= next_progress) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - started).count();
      std::lock_guard lock(output_mutex);
      std::printf("[%3llds]", static_cast<long long>(elapsed));
      for (const auto& participant : peers) {
        const peer::PeerStats stats = participant->stats();
        std::printf("  %s: sent %llu, decoded %llu frames, %.1f dB, audio %llu%s",
                    participant->options().participant_id.c_str(),
                    static_cast<unsigned long long>(stats.frames_sent),
                    static_cast<unsigned long long>(stats.frames_decoded), stats.psnr_db,
                    static_cast<unsigned long long>(stats.audio_frames_decoded),
                    stats.connected ? "" : " (connecting)");
      }
      std::printf("\n");
      std::fflush(stdout);
      next_progress += kProgressInterval;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  for (auto& participant : peers) participant->stop();
  nlohmann::json summary = {{"call", kCallId}, {"participants", nlohmann::json::object()}};
  bool healthy = true;
  for (const auto& participant : peers) {
    const peer::PeerStats stats = participant->stats();
    summary["participants"][participant->options().participant_id] = stats.to_json();
    healthy = healthy && stats.frames_decoded > 0 && stats.failure.empty();
  }
  const call::RelayTotals totals = relay.totals();
  summary["relay"] = {{"rtp_packets_in", totals.rtp_packets_in},
                      {"rtp_packets_out", totals.rtp_packets_out},
                      {"retransmissions_sent", totals.retransmissions_sent},
                      {"rejected", totals.rejected}};
  relay.stop();
  std::printf("%s\n", summary.dump().c_str());
  return healthy ? kExitOk : kExitFailure;
}

}  // namespace sightline::cli

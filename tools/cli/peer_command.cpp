// sightline peer: one synthetic participant against a running relay.
#include <chrono>
#include <cstdio>
#include <thread>

#include "relay/base/log.h"
#include "tools/cli/command_line.h"
#include "tools/cli/commands.h"
#include "tools/peer/peer.h"

namespace sightline::cli {

namespace {
constexpr auto kProgressInterval = std::chrono::seconds(1);
}  // namespace

int run_peer(int argc, const char* const* argv) {
  control::Settings settings;
  settings.add_string("peer.relay-host", "Host of the relay's signalling server.", "127.0.0.1");
  settings.add_integer("peer.relay-port", "TCP port of the relay's signalling server.", 8443, 1, 65535);
  settings.add_string("peer.call", "Call id to join.", "demo");
  settings.add_string("peer.participant", "This participant's id in the call.", "peer");
  settings.add_string("peer.role", "Role: terminal, caller, legal-adviser, interpreter or officer.", "caller");
  settings.add_string("peer.video", "Y4M clip to send, looped; empty sends no video.", "");
  settings.add_string("peer.reference", "Y4M clip the other party sends, for PSNR; empty skips PSNR.", "");
  settings.add_string("peer.audio", "WAV file (48 kHz, 16-bit) to send; empty sends a 440 Hz tone.", "");
  settings.add_integer("peer.bitrate-kbps", "VP8 target bitrate in kbit/s.", 600, 50, 20000);
  settings.add_number("peer.incoming-loss", "Fraction of incoming RTP packets to drop on purpose, 0 to 1.", 0, 0, 1);
  settings.add_string("peer.local-address",
                      "IP address of the peer's UDP socket; empty picks the wildcard address of the relay's family.", "");
  settings.add_integer("peer.seconds", "Stop after this many seconds; 0 runs until Ctrl-C.", 0, 0, 86400);
  settings.add_string("log.level", "Lowest log level written: debug, info, warn or error.", "warn");
  settings.add_alias("relay-port", "peer.relay-port");
  settings.add_alias("call", "peer.call");
  settings.add_alias("participant", "peer.participant");
  settings.add_alias("video", "peer.video");
  settings.add_alias("seconds", "peer.seconds");
  if (auto exit_code = apply_command_line(settings, argc, argv, "sightline peer [--config FILE] [options]",
                                          "Joins a call on a running relay as a synthetic participant that sends "
                                          "real video and audio and reports what it receives.")) {
    return *exit_code;
  }
  log::Level level = log::Level::warn;
  if (!log::parse_level(settings.get_string("log.level"), level)) {
    std::fprintf(stderr, "error: log.level must be debug, info, warn or error\n");
    return kExitUsage;
  }
  log::set_level(level);

  peer::PeerOptions options;
  options.relay_host = settings.get_string("peer.relay-host");
  options.relay_port = static_cast<uint16_t>(settings.get_integer("peer.relay-port"));
  options.call_id = settings.get_string("peer.call");
  options.participant_id = settings.get_string("peer.participant");
  options.role = settings.get_string("peer.role");
  options.video_path = settings.get_string("peer.video");
  options.reference_path = settings.get_string("peer.reference");
  options.audio_path = settings.get_string("peer.audio");
  options.video_bitrate_kbps = static_cast<int>(settings.get_integer("peer.bitrate-kbps"));
  options.incoming_loss = settings.get_number("peer.incoming-loss");
  options.local_address = settings.get_string("peer.local-address");
  const int64_t seconds = settings.get_integer("peer.seconds");

  install_stop_signals();
  peer::Peer participant(options);
  if (auto error = participant.start()) {
    std::fprintf(stderr, "error: %s\n", error->c_str());
    return kExitFailure;
  }
  const auto started = std::chrono::steady_clock::now();
  auto next_progress = started + kProgressInterval;
  while (!g_stop_requested.load()) {
    const auto now = std::chrono::steady_clock::now();
    if (seconds > 0 && now - started >= std::chrono::seconds(seconds)) break;
    if (now >= next_progress) {
      const peer::PeerStats stats = participant.stats();
      std::printf("%s sent %llu frames, decoded %llu, audio decoded %llu, PSNR %.1f dB\n",
                  options.participant_id.c_str(), static_cast<unsigned long long>(stats.frames_sent),
                  static_cast<unsigned long long>(stats.frames_decoded),
                  static_cast<unsigned long long>(stats.audio_frames_decoded), stats.psnr_db);
      std::fflush(stdout);
      next_progress += kProgressInterval;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  participant.stop();
  const peer::PeerStats stats = participant.stats();
  nlohmann::json summary = stats.to_json();
  summary["participant"] = options.participant_id;
  std::printf("%s\n", summary.dump().c_str());
  return stats.failure.empty() ? kExitOk : kExitFailure;
}

}  // namespace sightline::cli

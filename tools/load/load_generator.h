// The load generator: many two-party calls against a relay (running, or
// started in this process), driven by a few event loops, with per-second
// progress, a CSV time series and a JSON summary. Fixed mode holds a number
// of calls for a time; ramp mode adds calls step by step and reports the
// largest number held within the loss and latency limits.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace sightline::load {

// The server under load: Sightline's relay, or the Janus WebRTC Server's
// VideoRoom plugin driven over Janus's HTTP API (janus_call.h).
enum class LoadServer { sightline, janus };

struct LoadOptions {
  LoadServer server = LoadServer::sightline;
  // Signalling server of a running relay (Janus: its HTTP transport);
  // ignored with in_process.
  std::string relay_host = "127.0.0.1";
  uint16_t relay_port = 8443;
  // Process id of that relay, for its CPU time; 0 skips relay CPU.
  pid_t relay_pid = 0;
  // Starts a relay in this process on loopback with free ports.
  bool in_process = false;
  unsigned workers = 1;

  // Fixed mode: calls held for seconds. Ramp mode when ramp_step > 0.
  int calls = 1;
  int seconds = 10;
  int ramp_step = 0;
  int step_seconds = 10;
  int max_calls = 100;

  std::string clip_path;
  int video_bitrate_kbps = 600;
  // Video frames per second; 0 keeps the clip's rate.
  double video_frame_rate = 0;
  // Event loop threads of the generator; 0 picks one per core.
  unsigned loops = 0;
  // The participants' sockets take the relay's GSO messages whole
  // (UDP_GRO). On loopback, the relay's send call otherwise also pays for
  // splitting them and for queuing each datagram to the receiving socket.
  bool udp_gro = true;
  std::string csv_path;
  // The participants decrypt and authenticate one received RTP packet in
  // this many and count the rest from their clear RTP header, so that the
  // generator's receive side costs less than the relay's forwarding. Loss,
  // jitter and latency come from the header and count every packet. 1
  // decrypts all; Janus runs (sequence tags in the encrypted padding)
  // always decrypt all.
  uint32_t decrypt_every = 1;
  // A step holds its calls when loss stays below this fraction and the 99th
  // percentile of one-way latency through the relay stays below this.
  double max_loss_fraction = 0.01;
  double max_p99_latency_ms = 20.0;

  // Progress lines go here once a second; nullptr prints none.
  std::FILE* progress = stdout;
  // Ends the run early when it becomes true (Ctrl-C).
  const std::atomic<bool>* stop_requested = nullptr;
};

// Runs the load and returns the JSON summary, or an error message in
// error (relay unreachable, clip unreadable, a participant that could not join).
std::optional<nlohmann::json> run_load_generator(const LoadOptions& options, std::string& error);

}  // namespace sightline::load

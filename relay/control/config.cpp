// Relay settings: names, defaults, ranges and the checks between them.
#include "relay/control/config.h"

#include <cmath>
#include <filesystem>
#include <thread>

#include "analysis/thresholds.h"
#include "relay/base/socket_address.h"

namespace sightline::control {

using std::chrono::milliseconds;

namespace {
constexpr int64_t kMaxPort = 65535;
constexpr int64_t kMaxMediaWorkers = 256;
// Connection ids carry the slot in 16 bits.
constexpr int64_t kMaxTcpConnections = 65535;
constexpr int64_t kMinMessageBytes = 1024;
constexpr int64_t kMaxMessageBytes = 16 * 1024 * 1024;
constexpr int64_t kMaxSessions = 1'000'000;
// A web root is recognised by the call page in it.
constexpr const char* kWebRootMarker = "call/index.html";
// How many folders above the binary to look for web/: build/sightline and
// build/tools/cli/sightline both reach the repository root.
constexpr int kWebRootSearchDepth = 4;

// The detector thresholds are floats. Rounding to 6 decimal places gives the
// setting the decimal value (0.45, not 0.449999988), which converts back to
// the same float.
double threshold_setting(float threshold) { return std::round(static_cast<double>(threshold) * 1e6) / 1e6; }

bool is_wildcard(const std::string& address) { return address == "0.0.0.0" || address == "::"; }

bool is_web_root(const std::filesystem::path& folder) {
  std::error_code error;
  return std::filesystem::is_regular_file(folder / kWebRootMarker, error);
}

}  // namespace

std::string find_default_web_root() {
  std::error_code error;
  const std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    std::filesystem::path folder = binary.parent_path();
    for (int depth = 0; depth < kWebRootSearchDepth && !folder.empty(); ++depth) {
      if (is_web_root(folder / "web")) return (folder / "web").string();
      if (folder == folder.parent_path()) break;
      folder = folder.parent_path();
    }
  }
  const std::filesystem::path current = std::filesystem::current_path(error);
  if (!error && is_web_root(current / "web")) return (current / "web").string();
  return {};
}

void register_service_settings(Settings& settings) {
  settings.add_string("store.url",
                      "Policy store: sqlite:/path/file.db or postgresql://...; empty means sightline.db in "
                      "data.directory.",
                      "");
  settings.add_boolean("admission.require-token",
                       "Admit only participants with a valid join link from a confirmed booking.", true);
  settings.add_boolean("calls.id-check",
                       "Start booked calls in the ID-check state: no media between the parties until an "
                       "officer has checked the caller's ID.",
                       true);
  settings.add_boolean("analysis.enabled", "Analyse the parties' video for recording devices and dress.", true);
  settings.add_string("analysis.models", "Directory of the imported models; empty means .cache/models.", "");
  settings.add_integer("analysis.threads", "Analysis threads, each using one core.", 1, 1, 64);
  settings.add_integer("analysis.interval-ms", "Milliseconds between analysed frames of a track.", 1000, 100, 60000);
  settings.add_number("analysis.scene-change-threshold",
                      "Mean grey-level difference of a 32x18 thumbnail below which a frame counts as unchanged "
                      "and skips the detectors; 0 analyses every sampled frame.",
                      1.0, 0, 255);
  settings.add_integer("analysis.refresh-ms",
                       "Milliseconds after which an unchanged scene is analysed anyway.", 5000, 100, 600000);
  settings.add_integer("analysis.recording-device-interval-ms",
                       "Minimum milliseconds between recording device detector runs on a track, outside a "
                       "suspicion, a raised alert or a motion burst.",
                       8000, 0, 600000);
  settings.add_number("analysis.motion-burst-ratio",
                      "A burst of motion at least this many times the track's recent average (changed cells of "
                      "a 32x18 thumbnail per 200 ms) runs the recording device detector at once and again 1 s "
                      "later; 0 disables, leaving the interval alone to find raised phones.",
                      2.0, 0, 100);
  settings.add_integer("analysis.dress-interval-ms",
                       "Minimum milliseconds between dress detector runs on a track, outside a suspicion or "
                       "raised alert, or a rise of skin in the lower half of the frame.",
                       60000, 0, 600000);
  settings.add_number("analysis.dress-skin-rise",
                      "Rise of the skin-coloured share of the frame's lower half (0 to 1) since the dress "
                      "detector's last run that runs it early; 0 disables.",
                      0.10, 0, 1);
  settings.add_number("analysis.recording-device-threshold",
                      "Recording device detector score (0 to 1) at or above which a frame counts as positive; "
                      "an alert is raised when 2 of the detector's last 3 runs on a track are positive. Lower "
                      "finds more raised phones and raises more false alerts.",
                      threshold_setting(analysis::kRecordingDeviceThreshold), 0, 1);
  settings.add_number("analysis.dress-threshold",
                      "Dress detector score (0 to 1) at or above which a frame counts as positive; an alert is "
                      "raised when 2 of the detector's last 3 runs on a track are positive. Lower finds more "
                      "swimwear and underwear and raises more false alerts.",
                      threshold_setting(analysis::kDressThreshold), 0, 1);
  settings.add_integer("analysis.full-pass-every",
                       "Of the recording device detector's routine runs on a track (those only its interval "
                       "asked for), every this many looks at the whole frame, and the others only at the head "
                       "and shoulders of the person found last. Triggered runs always look at the whole frame: "
                       "a track's first run, a motion burst and its follow-up, the first change after a still "
                       "scene, a suspicion being confirmed, and a raised alert. 1 looks at the whole frame every "
                       "run.",
                       3, 1, 100);
}

void register_relay_settings(Settings& settings) {
  settings.add_string("control.bind-address", "IP address of the HTTP and WebSocket server.", "127.0.0.1");
  settings.add_integer("control.port", "TCP port of the HTTP and WebSocket server; 0 picks a free port.", 8443, 0,
                       kMaxPort);
  settings.add_integer("control.max-message-bytes",
                       "Largest WebSocket message or HTTP request body accepted, in bytes.", 65536, kMinMessageBytes,
                       kMaxMessageBytes);
  settings.add_integer("control.max-sessions", "Open WebSocket sessions allowed before upgrades get HTTP 503.", 10000,
                       1, kMaxSessions);
  settings.add_duration("control.idle-timeout", "A WebSocket session with no traffic for this long is closed.",
                        milliseconds(60'000), milliseconds(1'000), milliseconds(3'600'000));
  settings.add_boolean("control.tls",
                       "Serve HTTPS and WSS; false serves plain HTTP and WS, which browsers allow camera access on "
                       "only for localhost.",
                       true);
  settings.add_string("control.certificate",
                      "PEM certificate (chain) file for HTTPS; empty uses a self-signed certificate kept in "
                      "data.directory/tls.",
                      "");
  settings.add_string("control.private-key", "PEM private key file of control.certificate.", "");
  settings.add_string("web.root",
                      "Directory of the browser pages served at /; empty finds the repository's web/ folder near "
                      "the binary or in the current directory.",
                      "");
  settings.add_string("media.bind-address", "IP address the media UDP sockets bind to.", "127.0.0.1");
  settings.add_string("media.announced-address",
                      "IP address put in ICE candidates, for a relay behind NAT; empty means media.bind-address.", "");
  settings.add_integer("media.first-port",
                       "UDP port of the first media worker; worker i uses this port plus i. 0 picks free ports.",
                       40000, 0, kMaxPort);
  settings.add_integer("media.workers", "Media worker threads, each with its own UDP port; 0 means one per CPU core.",
                       0, 0, kMaxMediaWorkers);
  settings.add_boolean("media.udp-gso",
                       "Send runs of equal-size UDP datagrams to one destination as one message that the kernel "
                       "segments (UDP GSO, Linux 4.18 or later); false sends one message per datagram.",
                       true);
  settings.add_boolean("media.udp-gro",
                       "Receive runs of equal-size UDP datagrams from one source as one message (UDP GRO, Linux 5.0 "
                       "or later), which the worker splits; false receives one message per datagram.",
                       true);
  settings.add_boolean("media.tcp",
                       "Also offer passive ICE-TCP candidates (RFC 6544), for callers whose network blocks UDP.", true);
  settings.add_integer("media.tcp-first-port",
                       "TCP port of the first media worker when media.tcp is on; worker i uses this port plus i. 0 "
                       "uses each worker's UDP port number.",
                       0, 0, kMaxPort);
  settings.add_integer("media.tcp-max-connections",
                       "Open ICE-TCP connections per media worker; further connections are refused.", 128, 1,
                       kMaxTcpConnections);
  settings.add_duration("media.tcp-handshake-timeout",
                        "An ICE-TCP connection with no authenticated binding request after this long is closed.",
                        milliseconds(10'000), milliseconds(100), milliseconds(300'000));
  settings.add_string("log.level", "Lowest log level written: debug, info, warn or error.", "info");
  settings.add_string("data.directory", "Directory for the relay's state, such as the policy database.", "./data");
}

std::optional<std::string> make_relay_config(const Settings& settings, RelayConfig& out) {
  RelayConfig config;

  config.control.bind_address = settings.get_string("control.bind-address");
  if (!SocketAddress::parse(config.control.bind_address, 0)) {
    return "control.bind-address must be an IPv4 or IPv6 address, got \"" + config.control.bind_address + "\"";
  }
  config.control.port = static_cast<uint16_t>(settings.get_integer("control.port"));
  config.control.max_message_bytes = static_cast<size_t>(settings.get_integer("control.max-message-bytes"));
  config.control.max_sessions = static_cast<size_t>(settings.get_integer("control.max-sessions"));
  config.control.idle_timeout =
      std::chrono::duration_cast<std::chrono::seconds>(settings.get_duration("control.idle-timeout"));

  config.media_bind_address = settings.get_string("media.bind-address");
  const auto media_bind = SocketAddress::parse(config.media_bind_address, 0);
  if (!media_bind) {
    return "media.bind-address must be an IPv4 or IPv6 address, got \"" + config.media_bind_address + "\"";
  }

  config.announced_address = settings.get_string("media.announced-address");
  if (config.announced_address.empty()) {
    // A wildcard address cannot go into a candidate: the browser would have nowhere to send.
    if (config.media_bind_address == "0.0.0.0" || config.media_bind_address == "::") {
      return "media.announced-address is required when media.bind-address is the wildcard address " +
             config.media_bind_address;
    }
    config.announced_address = config.media_bind_address;
  } else if (!SocketAddress::parse(config.announced_address, 0)) {
    return "media.announced-address must be an IPv4 or IPv6 address, got \"" + config.announced_address + "\"";
  }

  const int64_t workers = settings.get_integer("media.workers");
  config.media_workers = workers > 0 ? static_cast<unsigned>(workers) : std::max(1u, std::thread::hardware_concurrency());
  config.first_media_port = static_cast<uint16_t>(settings.get_integer("media.first-port"));
  if (config.first_media_port != 0 && config.first_media_port + config.media_workers - 1 > kMaxPort) {
    return "media.first-port " + std::to_string(config.first_media_port) + " leaves no room for " +
           std::to_string(config.media_workers) + " workers below port 65536";
  }

  config.media_udp_gso = settings.get_boolean("media.udp-gso");
  config.media_udp_gro = settings.get_boolean("media.udp-gro");
  config.media_tcp = settings.get_boolean("media.tcp");
  config.first_tcp_port = static_cast<uint16_t>(settings.get_integer("media.tcp-first-port"));
  if (config.first_tcp_port != 0 && config.first_tcp_port + config.media_workers - 1 > kMaxPort) {
    return "media.tcp-first-port " + std::to_string(config.first_tcp_port) + " leaves no room for " +
           std::to_string(config.media_workers) + " workers below port 65536";
  }
  config.tcp_max_connections = static_cast<size_t>(settings.get_integer("media.tcp-max-connections"));
  config.tcp_handshake_timeout = settings.get_duration("media.tcp-handshake-timeout");

  if (!log::parse_level(settings.get_string("log.level"), config.log_level)) {
    return "log.level must be debug, info, warn or error, got \"" + settings.get_string("log.level") + "\"";
  }
  config.data_directory = settings.get_string("data.directory");
  if (config.data_directory.empty()) return "data.directory must not be empty";

  config.control.tls = settings.get_boolean("control.tls");
  config.control.certificate_file = settings.get_string("control.certificate");
  config.control.private_key_file = settings.get_string("control.private-key");
  if (config.control.certificate_file.empty() != config.control.private_key_file.empty()) {
    return std::string("control.certificate and control.private-key must be set together; leave both empty for a "
                       "self-signed certificate");
  }
  config.control.self_signed_directory = (std::filesystem::path(config.data_directory) / "tls").string();
  // The names a browser may use to reach this relay, besides the loopback ones.
  config.control.self_signed_hosts.clear();
  if (!is_wildcard(config.control.bind_address)) config.control.self_signed_hosts.push_back(config.control.bind_address);
  if (config.announced_address != config.control.bind_address) {
    config.control.self_signed_hosts.push_back(config.announced_address);
  }
  config.control.web_root = settings.get_string("web.root");
  if (config.control.web_root.empty()) config.control.web_root = find_default_web_root();

  out = std::move(config);
  return std::nullopt;
}

}  // namespace sightline::control

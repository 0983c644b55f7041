// A synthetic participant: joins a call through the relay's signalling,
// connects with ICE, DTLS and SRTP, sends real video and audio, and receives,
// decodes and measures what the other party sends. Used by `sightline peer`,
// the demo, the tests and the load generator.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sightline::peer {

struct PeerOptions {
  std::string relay_host = "127.0.0.1";
  uint16_t relay_port = 8443;
  std::string call_id = "demo";
  std::string participant_id = "peer";
  std::string role = "caller";
  // Y4M clip to send, looped; empty sends no video.
  std::string video_path;
  // The clip the other party sends, for PSNR; empty skips PSNR.
  std::string reference_path;
  // WAV file (48 kHz PCM16) to send; empty sends a 440 Hz tone.
  std::string audio_path;
  bool send_audio = true;
  int video_bitrate_kbps = 600;
  // Fraction of incoming RTP packets dropped on purpose (0 to 1).
  double incoming_loss = 0.0;
  uint32_t loss_seed = 1;
  // Address the peer's UDP socket binds to; empty picks the wildcard address
  // of the relay candidate's family (IPv4 or IPv6).
  std::string local_address;
  // How long start() waits for the signalling answer.
  int signalling_timeout_ms = 10000;
};

struct PeerStats {
  bool connected = false;
  std::string srtp_profile;
  std::string failure;
  uint64_t frames_sent = 0;
  uint64_t keyframes_sent = 0;
  uint64_t frames_decoded = 0;
  uint64_t keyframes_decoded = 0;
  uint64_t frames_corrupt = 0;
  double psnr_db = 0;  // mean luma PSNR of decoded frames against the reference clip
  double psnr_min_db = 0;
  uint64_t frames_scored = 0;
  uint64_t audio_frames_sent = 0;
  uint64_t audio_frames_decoded = 0;
  uint64_t rtp_packets_sent = 0;
  uint64_t rtp_packets_received = 0;
  uint64_t rtp_dropped_by_loss = 0;
  // Retransmissions of dropped packets whose bytes repeat, or differ from,
  // the original (see PeerTransportCounters).
  uint64_t rtp_retransmissions_identical = 0;
  uint64_t rtp_retransmissions_changed = 0;
  uint64_t video_packets_lost = 0;
  uint64_t nacks_sent = 0;           // sequence numbers requested
  uint64_t retransmissions_sent = 0;  // answers to the relay's NACKs
  uint64_t plis_sent = 0;
  uint64_t keyframe_requests_received = 0;
  double jitter_ms = 0;
  double rtt_ms = 0;
  // Time from the last request_keyframe() to the next decoded keyframe.
  std::optional<double> keyframe_latency_ms;

  nlohmann::json to_json() const;
};

class Peer {
 public:
  explicit Peer(PeerOptions options);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // Joins the call and starts media. Returns an error message on failure
  // (relay unreachable, offer rejected, media file unreadable).
  std::optional<std::string> start();
  // Leaves the call and stops. Idempotent.
  void stop();

  // Sends a PLI for the received video now and measures how long the
  // keyframe takes to arrive.
  void request_keyframe();
  PeerStats stats() const;
  // Encrypts arbitrary bytes as one SRTP or SRTCP packet and sends them to
  // the relay, for tests of how the relay treats malformed input from an
  // authenticated participant. Returns false when not connected.
  bool send_raw_rtp(std::vector<uint8_t> packet);
  bool send_raw_rtcp(std::vector<uint8_t> compound);
  // Sends bytes unencrypted from the peer's socket, whose address the relay
  // has validated: for input that SRTP cannot carry.
  bool send_unprotected(std::vector<uint8_t> datagram);
  const PeerOptions& options() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sightline::peer

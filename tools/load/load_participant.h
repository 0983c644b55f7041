// One participant of a load call: joins through the relay's signalling,
// connects with the same ICE, DTLS and SRTP classes as the peer tool, replays
// pre-encoded VP8 and Opus with real RTP timing, and measures what the other
// participant of its call sends (loss, jitter, one-way latency).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "relay/base/clock.h"
#include "relay/control/signalling_client.h"
#include "relay/crypto/dtls_certificate.h"
#include "relay/net/udp_socket.h"
#include "relay/rtp/receive_statistics.h"
#include "relay/rtp/retransmission_cache.h"
#include "tools/load/encoded_media.h"
#include "tools/load/load_metrics.h"
#include "tools/peer/peer_transport.h"

namespace sightline::load {

struct JoinParams {
  std::string relay_host = "127.0.0.1";
  uint16_t relay_port = 0;
  std::string call_id;
  std::string participant_id;
  std::string role;
  int signalling_timeout_ms = 10000;
};

class LoadParticipant final : public peer::PeerTransportListener {
 public:
  LoadParticipant(const EncodedMedia& media, std::shared_ptr<crypto::DtlsCertificate> certificate,
                  LoadMetrics& metrics);
  ~LoadParticipant() override;
  LoadParticipant(const LoadParticipant&) = delete;
  LoadParticipant& operator=(const LoadParticipant&) = delete;

  // Joins the call and negotiates the transport over signalling, blocking.
  // Call it before the participant is handed to an event loop. Returns an
  // error message naming the step that failed.
  std::optional<std::string> join(const JoinParams& params);
  // The participant whose send times this one reads to measure latency.
  void set_remote(const LoadParticipant* remote) { remote_ = remote; }

  // On the event loop thread after join(): media, checks, RTCP, then flush.
  void on_readable(TimePoint now);
  void tick(TimePoint now);
  // Once a second on the loop thread: adds new losses to the metrics and
  // this participant's interarrival jitter (microseconds) to jitter_sum_us.
  void update_metrics(uint64_t& jitter_sum_us, uint64_t& jitter_streams);
  // Reads pending signalling messages so the relay's server sees a live
  // connection. Only the thread that called join() may call it, because the
  // signalling client is not thread safe. Returns the reason when the relay
  // ended the call or reported an error.
  std::optional<std::string> poll_signalling();
  // Sends DTLS close_notify and leaves the call; after the loop stopped.
  void leave();

  int fd() const { return socket_.fd(); }
  bool connected() const { return transport_ && transport_->connected(); }
  bool failed() const { return failed_.load(); }
  // Why the transport failed; read it only after the loop stopped.
  const std::string& failure() const { return failure_; }
  std::string srtp_profile() const;

 private:
  struct StreamSender {
    uint32_t ssrc = 0;
    uint8_t payload_type = 0;
    uint16_t sequence_number = 0;
    uint32_t timestamp_base = 0;
    SendTimeRing send_times;
  };
  struct StreamReceiver {
    std::optional<rtp::ReceiveStatistics> statistics;
    int64_t lost_reported = 0;
    uint32_t clock_rate_hz = 0;
  };

  // PeerTransportListener.
  void on_transport_connected() override;
  void on_transport_failed(std::string_view reason) override;
  void on_rtp(rtp::RtpPacket& packet, TimePoint now) override;
  void on_rtcp(ByteView compound, TimePoint now) override;

  void send_media(TimePoint now);
  void send_video_frame(TimePoint now, int64_t frame_number);
  void send_audio_packet(TimePoint now, int64_t packet_number);
  void send_rtp(StreamSender& stream, uint32_t timestamp, bool marker, ByteView payload, TimePoint now,
                bool cache);
  void send_rtcp(TimePoint now);
  void fail(std::string reason);

  const EncodedMedia& media_;
  std::shared_ptr<crypto::DtlsCertificate> certificate_;
  LoadMetrics& metrics_;
  const LoadParticipant* remote_ = nullptr;
  control::SignallingClient signalling_;
  net::UdpSocket socket_;
  std::unique_ptr<peer::PeerTransport> transport_;
  std::string participant_id_;
  std::atomic<bool> failed_{false};
  std::string failure_;

  StreamSender video_;
  StreamSender audio_;
  rtp::RetransmissionCache video_cache_;
  std::array<uint8_t, net::kMaxDatagramBytes> packet_buffer_{};
  std::optional<TimePoint> media_start_;
  int64_t video_frames_due_ = 0;
  int64_t audio_packets_due_ = 0;
  // Index of the next pre-encoded frame; a keyframe request resets it to 0.
  size_t next_frame_ = 0;
  uint16_t picture_id_ = 0;

  StreamReceiver video_in_;
  StreamReceiver audio_in_;
  std::optional<TimePoint> next_rtcp_;
  std::optional<TimePoint> last_pli_;
  bool pli_wanted_ = false;
};

}  // namespace sightline::load

// One participant of a load call: joins through the relay's signalling (or
// is set up by a Janus call, see janus_call.h), connects with the same ICE,
// DTLS and SRTP classes as the peer tool, replays pre-encoded VP8 and Opus
// with real RTP timing, and measures what the other participant of its call
// sends (loss, jitter, one-way latency).
#pragma once

#include <algorithm>
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
#include "relay/sdp/sdp_offer.h"
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
  // `udp_gro`: the socket takes the relay's GSO messages whole (UDP_GRO).
  LoadParticipant(const EncodedMedia& media, std::shared_ptr<crypto::DtlsCertificate> certificate,
                  LoadMetrics& metrics, bool udp_gro = true);
  ~LoadParticipant() override;
  LoadParticipant(const LoadParticipant&) = delete;
  LoadParticipant& operator=(const LoadParticipant&) = delete;

  // Joins the call and negotiates the transport over signalling, blocking.
  // Call it before the participant is handed to an event loop. Returns an
  // error message naming the step that failed.
  std::optional<std::string> join(const JoinParams& params);
  // Janus: a participant has two transports over its one UDP socket, the
  // send leg (a VideoRoom publisher) and the receive leg (a subscriber).
  // Call these in order: bind_socket, make_send_offer, accept_send_answer,
  // answer_receive_offer; all before the loop owns the participant.
  std::optional<std::string> bind_socket();
  // Returns the offer for the send leg: audio and video, the socket's
  // loopback host candidate, and a=setup:active so that this side stays the
  // DTLS client. RFC 5763 section 5 asks offerers for actpass; Janus
  // accepts active and then takes the DTLS server role.
  std::string make_send_offer();
  // Starts the send leg from the answer to make_send_offer().
  std::optional<std::string> accept_send_answer(const std::string& answer_sdp);
  // Answers an offer to receive media (recvonly, a=setup:active) and starts
  // the receive leg. Returns an error message, or nullopt with answer_sdp set.
  std::optional<std::string> answer_receive_offer(const std::string& offer_sdp, std::string& answer_sdp);
  void set_participant_id(std::string id) { participant_id_ = std::move(id); }
  // Appends each packet's own sequence number as RTP padding (RFC 3550
  // section 5.1), so that latency can still be matched when the server
  // rewrites sequence numbers, as Janus's VideoRoom does for subscribers.
  void set_sequence_tags(bool enabled) { sequence_tags_ = enabled; }
  // Decrypts and authenticates one received RTP packet in `every`, and
  // counts the others from their clear RTP header (PeerTransportParams::
  // decrypt_every). Sequence tags sit in the encrypted padding, so with
  // them every packet is decrypted. Call it before the transports start.
  void set_decrypt_every(uint32_t every) { decrypt_every_ = std::max<uint32_t>(1, every); }

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
  bool send_leg_connected() const { return transport_ && transport_->connected(); }
  // True when every leg has its DTLS and SRTP up.
  bool connected() const {
    return transport_ && transport_->connected() && (!receive_transport_ || receive_transport_->connected());
  }
  bool failed() const { return failed_.load(); }
  // Why the transport failed; read it only after the loop stopped.
  const std::string& failure() const { return failure_; }
  // The SRTP profile of the send leg, followed by the receive leg's after a
  // slash when the two differ.
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

  sdp::OfferParams offer_params();
  std::optional<std::string> start_send_leg(const sdp::PeerAnswer& answer);
  // The leg that receives media and carries its receiver reports and PLIs.
  peer::PeerTransport& receive_leg() { return receive_transport_ ? *receive_transport_ : *transport_; }
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
  // The send leg; with Sightline, the only leg, which also receives.
  std::unique_ptr<peer::PeerTransport> transport_;
  std::unique_ptr<peer::PeerTransport> receive_transport_;
  std::string ice_ufrag_;
  std::string ice_password_;
  uint32_t video_rtx_ssrc_ = 0;
  std::string participant_id_;
  bool counted_connected_ = false;
  bool sequence_tags_ = false;
  uint32_t decrypt_every_ = 1;
  // Transport counters already added to the metrics, summed over the legs.
  uint64_t decrypted_reported_ = 0;
  uint64_t decrypt_failures_reported_ = 0;
  uint64_t unverified_reported_ = 0;
  // Only loopback candidates are used for Janus; join() clears it, because a
  // Sightline relay may run on another host.
  bool loopback_only_ = true;
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

  // Payload types of received media, which Janus may number differently
  // from what this participant sends.
  uint8_t video_receive_payload_type_ = 0;
  uint8_t audio_receive_payload_type_ = 0;
  StreamReceiver video_in_;
  StreamReceiver audio_in_;
  std::optional<TimePoint> next_rtcp_;
  std::optional<TimePoint> last_pli_;
  bool pli_wanted_ = false;
};

}  // namespace sightline::load

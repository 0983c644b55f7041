// One participant of a call on a media worker: its transport, the streams it
// publishes (inbound to the relay) and the streams the relay sends it
// (outbound), with RTCP terminated on this leg.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "relay/base/clock.h"
#include "relay/call/layer_selector.h"
#include "relay/call/media_gate.h"
#include "relay/call/media_tap.h"
#include "relay/call/relay_counters.h"
#include "relay/call/tick_schedule.h"
#include "relay/call/webrtc_transport.h"
#include "relay/codec/vp8_payload_descriptor.h"
#include "relay/codec/vp8_picture_rewriter.h"
#include "relay/rtp/receive_statistics.h"
#include "relay/rtp/rate_meter.h"
#include "relay/rtp/retransmission_cache.h"
#include "relay/rtp/send_side_estimator.h"
#include "relay/rtp/stream_rewriter.h"
#include "relay/rtp/transport_feedback_generator.h"
#include "relay/sdp/negotiated_media.h"

namespace sightline::call {

class Call;

// A negotiated payload format of one media type, as the participant's SDP
// offer named it.
struct MediaFormat {
  bool negotiated = false;
  uint8_t payload_type = 0;
  // RTX payload type (RFC 4588) for video, 0 when none was negotiated.
  uint8_t rtx_payload_type = 0;
  uint32_t clock_rate = 0;
};

struct ParticipantSetup {
  std::string call_id;
  std::string participant_id;
  control::ParticipantRole role = control::ParticipantRole::caller;
  uint64_t session = 0;
  TransportParams transport;
  MediaFormat audio;
  MediaFormat video;
  // SSRCs the relay sends to this participant, announced in the answer.
  uint32_t audio_ssrc = 0;
  uint32_t video_ssrc = 0;
  std::string cname;
  // Header extension ids of the BUNDLE transport, from the video section (or
  // the audio section without video). RFC 8843 gives one URI the same id in
  // every bundled section.
  sdp::ExtensionIds extensions;
  // RTCP feedback the participant's offer accepts: transport-wide
  // congestion control feedback (RTPFB 15) and REMB.
  bool transport_cc = false;
  bool remb = false;
  // Simulcast rids the participant publishes, lowest resolution first
  // (see sdp::NegotiatedMedia::simulcast_rids); empty without simulcast.
  std::vector<std::string> simulcast_rids;
  // The phase a call created by this participant starts in.
  CallPhase call_phase = CallPhase::live;
  // When set, this participant's video is offered to analysis. The tap
  // outlives every participant.
  MediaTap* tap = nullptr;
};

// Metadata of one video packet, parsed once on the publisher's side and
// passed to every subscriber it is forwarded to.
struct VideoPacketInfo {
  // The simulcast layer, 0 for the lowest or only one.
  size_t layer = 0;
  bool has_descriptor = false;
  codec::Vp8PayloadDescriptor descriptor;
  bool keyframe_start = false;
};

class Participant final : public TransportListener, public Scheduled {
 public:
  Participant(Call& call, net::PacketSender& sender, RelayCounters& counters, ParticipantSetup setup);
  ~Participant() override;

  const std::string& id() const { return setup_.participant_id; }
  const ParticipantSetup& setup() const { return setup_; }
  WebRtcTransport& transport() { return *transport_; }
  // Returns true when `setup`, from a later offer of this participant, can
  // keep this transport and only restart ICE: the same DTLS certificate
  // fingerprint and the same media, and a transport that has not failed.
  bool can_restart_ice(const ParticipantSetup& setup) const;
  // Applies the new ICE credentials of `setup` (see can_restart_ice).
  void restart_ice(const ParticipantSetup& setup);
  bool connected() const { return transport_->connected(); }

  // Forwards a publisher's packet to this participant: copies it into the
  // send batch, rewrites SSRC, sequence number, timestamp and payload type
  // for this leg, keeps a plain copy for NACKs and encrypts it. Each
  // outbound stream carries one publisher at a time: the first to send
  // claims it until it leaves.
  // Video packets come with `video` and pass the subscriber's layer
  // selection: one simulcast layer and the temporal layers that fit its
  // bandwidth estimate reach it, with VP8 picture ids kept continuous.
  void forward(const Participant& from, MediaType type, const rtp::RtpPacket& packet, const VideoPacketInfo* video,
               TimePoint now);
  // The publisher whose video this participant receives, or null.
  const Participant* video_source() const { return video_out_.source; }
  // Frees the outbound streams that publisher fed, so another can take them.
  void release_source(const Participant& publisher);
  // Sends this participant, as a publisher, a PLI for the video stream of
  // simulcast `layer`, or for every video stream without one. Returns false
  // when nothing was sent: at most one request per 300 ms per stream.
  bool request_keyframe(TimePoint now, std::optional<size_t> layer = std::nullopt);
  // The measured bitrate of each simulcast layer this participant publishes
  // (one layer without simulcast). Returns the number of layers written.
  size_t layer_bitrates(TimePoint now, std::span<LayerBitrate> out) const;
  // The layer this participant, as a subscriber, is being switched to or
  // receives, if any.
  std::optional<size_t> target_video_layer() const { return layer_selector_.target_spatial(); }
  std::optional<size_t> current_video_layer() const { return layer_selector_.current_spatial(); }
  uint64_t bandwidth_estimate_bps() const { return estimator_.estimate_bps(); }
  // Scheduled (tick_schedule.h): runs the timers that are due and returns
  // the earliest of the next ones, which the worker's schedule keeps.
  TimePoint tick(TimePoint now) override;
  void poll_tap_keyframe_request(TimePoint now) override;
  // Sends RTCP BYE and a DTLS close_notify.
  void close();

  // Statistics for tests and the metrics page.
  uint64_t packets_forwarded() const { return packets_forwarded_; }
  uint64_t retransmissions_sent() const { return retransmissions_sent_; }

 private:
  struct InboundStream {
    InboundStream(uint32_t ssrc, MediaType media_type, uint32_t clock_rate)
        : type(media_type), statistics(ssrc, clock_rate) {}
    MediaType type;
    rtp::ReceiveStatistics statistics;
    TapTrackHandle tap_track = kNoTapTrack;
    std::optional<TimePoint> last_keyframe_request;
    uint8_t fir_sequence = 0;
    // Video only: the simulcast layer, known once a packet names its rid.
    std::optional<size_t> layer;
    // Bytes per temporal layer, and how many temporal layers were seen.
    std::array<rtp::RateMeter, kMaxTemporalLayers> temporal_bytes;
    uint8_t temporal_layers = 1;
  };
  struct OutboundStream {
    uint32_t ssrc = 0;
    uint8_t payload_type = 0;
    uint32_t clock_rate = 0;
    std::optional<rtp::SequenceRewriter> rewriter;
    std::unique_ptr<rtp::RetransmissionCache> cache;
    uint64_t packets = 0;
    uint64_t octets = 0;
    uint32_t last_timestamp = 0;
    std::optional<TimePoint> last_sent;
    const Participant* source = nullptr;
  };

  // TransportListener.
  void on_transport_connected(WebRtcTransport& transport) override;
  void on_transport_failed(WebRtcTransport& transport, std::string_view reason) override;
  void on_transport_closed(WebRtcTransport& transport) override;
  void on_rtp(WebRtcTransport& transport, rtp::RtpPacket& packet, TimePoint now) override;
  void on_rtcp(WebRtcTransport& transport, ByteView compound, TimePoint now) override;

  // Keyframe request flag that analysis sets from its own thread. It also sets
  // the worker's flag, which makes the tick schedule poll the participants.
  struct TapKeyframeFlag final : KeyframeRequester {
    explicit TapKeyframeFlag(std::shared_ptr<std::atomic<bool>> worker_flag) : worker_requests(std::move(worker_flag)) {}
    void request_keyframe() override {
      requested.store(true, std::memory_order_relaxed);
      worker_requests->store(true, std::memory_order_release);
    }
    std::atomic<bool> requested{false};
    std::shared_ptr<std::atomic<bool>> worker_requests;
  };

  InboundStream* inbound_stream(uint32_t ssrc, MediaType type, uint32_t clock_rate);
  // Returns the simulcast layer the packet's rid names, 0 without simulcast.
  std::optional<size_t> video_layer(const rtp::RtpPacket& packet) const;
  bool inspect_video(InboundStream& stream, const rtp::RtpPacket& packet, TimePoint now, VideoPacketInfo& info);
  // Copies `packet` into the send batch with this leg's header: no CSRCs or
  // publisher extensions, this leg's transport-wide sequence number, and a
  // rewritten VP8 descriptor for video. Returns the size written, 0 when the
  // packet was not sent.
  size_t send_forwarded(OutboundStream& out, const rtp::RtpPacket& packet, const rtp::RewrittenHeader& header,
                        const VideoPacketInfo* video, TimePoint now);
  // Passes the layer selection, or records what it dropped. Returns true
  // when the packet is to be forwarded.
  bool select_video(const rtp::RtpPacket& packet, const VideoPacketInfo& video);
  void update_layer_selection(TimePoint now);
  uint16_t take_transport_sequence(TimePoint now, size_t bytes);
  void start_tap(InboundStream& stream);
  OutboundStream* outbound_for_ssrc(uint32_t ssrc);
  void answer_nack(uint32_t media_ssrc, std::span<const uint16_t> sequence_numbers, TimePoint now);
  void send_reports(TimePoint now);
  void send_transport_feedback();
  // The bitrate the relay announces in REMB: a receiver-side ceiling that
  // follows the measured receive rate with room to grow.
  uint64_t remb_bitrate(TimePoint now) const;

  friend class ParticipantRtcpHandler;

  Call& call_;
  RelayCounters& counters_;
  ParticipantSetup setup_;
  std::unique_ptr<WebRtcTransport> transport_;
  std::vector<std::unique_ptr<InboundStream>> inbound_;
  // Congestion feedback to this participant as a publisher.
  rtp::TransportFeedbackGenerator feedback_generator_;
  rtp::RateMeter receive_rate_;
  std::optional<TimePoint> next_feedback_;
  // Bandwidth estimation and layer choice for this participant as a subscriber.
  rtp::SendSideEstimator estimator_;
  LayerSelector layer_selector_;
  codec::Vp8PictureRewriter picture_rewriter_;
  uint16_t next_transport_sequence_ = 0;
  // Where the transport-wide sequence number sits in packets sent to this
  // participant, 0 when the extension was not negotiated.
  size_t transport_sequence_offset_ = 0;
  std::optional<TimePoint> next_layer_update_;
  std::optional<TimePoint> last_switch_request_;
  std::optional<size_t> last_switch_request_layer_;
  // The estimator's congestion report after the previous feedback.
  bool was_congested_ = false;
  OutboundStream audio_out_;
  OutboundStream video_out_;
  std::optional<TimePoint> next_report_;
  // Set once this participant's video track is offered to analysis.
  std::shared_ptr<TapKeyframeFlag> tap_keyframe_;
  uint64_t packets_forwarded_ = 0;
  uint64_t retransmissions_sent_ = 0;
};

}  // namespace sightline::call

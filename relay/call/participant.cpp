// Participant: inbound statistics, per-leg rewriting and encryption of
// forwarded media, retransmissions for NACKs from the retransmission cache,
// keyframe request forwarding, and the relay's own RTCP reports on this leg.
#include "relay/call/participant.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "relay/base/log.h"
#include "relay/call/call.h"
#include "relay/rtp/rtcp_packet.h"
#include "relay/rtp/rtcp_writer.h"

namespace sightline::call {

namespace {
// Interval of the relay's sender and receiver reports on each leg. RFC 3550
// section 6.2 allows a shorter interval than 5 s for a fixed small group.
constexpr milliseconds kRtcpReportInterval{1000};
// At most one keyframe request per publisher stream in this interval,
// because every subscriber that lost a frame requests one and one keyframe
// serves them all.
constexpr milliseconds kKeyframeRequestInterval{300};
// Retransmission slots per outbound video stream: about 1 s of 720p video.
constexpr size_t kVideoCacheSlots = 512;
constexpr size_t kMaxRtcpBytes = 1200;
constexpr size_t kMaxNackedPerPacket = 17 * 16;
// Interval of transport-wide congestion feedback to a publisher. Chrome's
// own receiver sends it every 50 to 250 ms depending on the bitrate.
constexpr milliseconds kTransportFeedbackInterval{50};
// REMB: the relay announces twice the measured receive rate, never less
// than kRembFloorBps, so that the publisher's own estimate, not the relay,
// limits the ramp-up while a sender that floods the relay is held back.
constexpr uint64_t kRembFloorBps = 1'000'000;
constexpr uint64_t kRembCeilingBps = 20'000'000;
constexpr uint64_t kRembHeadroomFactor = 2;

// RTP timestamp ticks elapsed in d at the given clock rate.
uint32_t ticks(Duration d, uint32_t clock_rate) {
  return static_cast<uint32_t>(to_us(d) * static_cast<int64_t>(clock_rate) / 1000000);
}
}  // namespace


Participant::Participant(Call& call, net::UdpSocket& socket, RelayCounters& counters, ParticipantSetup setup)
    : call_(call), counters_(counters), setup_(std::move(setup)) {
  transport_ = std::make_unique<WebRtcTransport>(socket, counters_, setup_.transport, *this);
  audio_out_.ssrc = setup_.audio_ssrc;
  audio_out_.payload_type = setup_.audio.payload_type;
  audio_out_.clock_rate = setup_.audio.clock_rate;
  video_out_.ssrc = setup_.video_ssrc;
  video_out_.payload_type = setup_.video.payload_type;
  video_out_.clock_rate = setup_.video.clock_rate;
  audio_out_.rewriter.emplace(audio_out_.ssrc, audio_out_.clock_rate);
  video_out_.rewriter.emplace(video_out_.ssrc, video_out_.clock_rate);
  if (setup_.video.negotiated) video_out_.cache = std::make_unique<rtp::RetransmissionCache>(kVideoCacheSlots);
}

Participant::~Participant() {
  if (setup_.tap == nullptr) return;
  for (const auto& stream : inbound_) setup_.tap->on_track_end(stream->tap_track);
}

void Participant::on_transport_connected(WebRtcTransport&) {
  call_.on_connected(*this);
  // A new subscriber cannot decode until the next keyframe.
  if (setup_.video.negotiated) call_.request_keyframe(*this, sightline::now());
}

void Participant::on_transport_failed(WebRtcTransport&, std::string_view reason) { call_.on_failed(*this, reason); }

void Participant::on_transport_closed(WebRtcTransport&) {
  log::info("call", "participant closed its transport", {{"call", call_.id()}, {"participant", id()}});
}

void Participant::on_rtp(WebRtcTransport&, rtp::RtpPacket& packet, TimePoint now) {
  // Every packet on the transport counts for congestion control, RTX and
  // padding included, since the sender's estimator numbers them all.
  receive_rate_.add(packet.size(), now);
  if (setup_.transport_cc && setup_.extensions.transport_cc != 0) {
    const ByteView sequence = packet.find_extension(setup_.extensions.transport_cc);
    if (sequence.size() == 2) feedback_generator_.on_packet(load_be16(sequence.data()), now);
  }

  const uint8_t payload_type = packet.payload_type();
  MediaType type;
  uint32_t clock_rate;
  if (setup_.audio.negotiated && payload_type == setup_.audio.payload_type) {
    type = MediaType::audio;
    clock_rate = setup_.audio.clock_rate;
  } else if (setup_.video.negotiated && payload_type == setup_.video.payload_type) {
    type = MediaType::video;
    clock_rate = setup_.video.clock_rate;
  } else if (setup_.video.rtx_payload_type != 0 && payload_type == setup_.video.rtx_payload_type) {
    // RTX from a publisher is a retransmission for a NACK the relay never
    // sent, or bandwidth-probing padding, so there is nothing to forward.
    return;
  } else {
    counters_.reject(RejectReason::rtp_unknown_ssrc);
    return;
  }

  InboundStream* stream = inbound_stream(packet.ssrc(), type, clock_rate);
  if (stream == nullptr) return;
  stream->statistics.on_packet(packet.sequence_number(), packet.timestamp(), now);
  // Analysis sees the call in every phase, the ID check included.
  if (stream->tap_track != kNoTapTrack) {
    setup_.tap->on_rtp(stream->tap_track,
                       TapRtpPacket{packet.sequence_number(), packet.timestamp(), packet.marker(), packet.payload()});
  }
  call_.route(*this, type, packet, now);
}

Participant::InboundStream* Participant::inbound_stream(uint32_t ssrc, MediaType type, uint32_t clock_rate) {
  for (auto& stream : inbound_) {
    if (stream->statistics.ssrc() == ssrc) return stream->type == type ? stream.get() : nullptr;
  }
  // A bound on streams per participant: audio, video and a few simulcast
  // layers. Anything more is a misbehaving sender.
  constexpr size_t kMaxInboundStreams = 8;
  if (inbound_.size() == kMaxInboundStreams) {
    counters_.reject(RejectReason::rtp_unknown_ssrc);
    return nullptr;
  }
  inbound_.push_back(std::make_unique<InboundStream>(ssrc, type, clock_rate));
  log::info("call", "inbound stream",
            {{"call", call_.id()}, {"participant", id()}, {"ssrc", ssrc}, {"kind", to_string(type)}});
  if (type == MediaType::video) start_tap(*inbound_.back());
  return inbound_.back().get();
}

void Participant::start_tap(InboundStream& stream) {
  // One tapped video track per participant: the first video SSRC it sends.
  // NOTE: with simulcast this must become the lowest layer's SSRC, which the
  // relay does not tell apart yet (it negotiates one video stream).
  if (setup_.tap == nullptr || tap_keyframe_) return;
  tap_keyframe_ = std::make_shared<TapKeyframeFlag>();
  const std::string_view role = control::to_string(setup_.role);
  stream.tap_track = setup_.tap->on_track_start(
      TapTrackInfo{call_.id(), id(), role, stream.statistics.ssrc(), TapCodec::vp8}, tap_keyframe_);
}

void Participant::forward(const Participant& from, MediaType type, const rtp::RtpPacket& packet, TimePoint now) {
  const MediaFormat& format = type == MediaType::audio ? setup_.audio : setup_.video;
  if (!format.negotiated) return;
  OutboundStream& out = type == MediaType::audio ? audio_out_ : video_out_;
  // NOTE: the first SDP offer negotiates one stream per media type and
  // subscriber. A third party's media (an interpreter) is therefore not
  // forwarded until renegotiation adds streams for it.
  if (out.source == nullptr) out.source = &from;
  if (out.source != &from) return;

  const std::optional<rtp::RewrittenHeader> header =
      out.rewriter->rewrite(packet.ssrc(), packet.sequence_number(), packet.timestamp(), now);
  if (!header) return;
  const uint16_t sequence_number = header->sequence_number;
  const uint32_t timestamp = header->timestamp;
  MutableByteView slot = transport_->begin_send();
  const ByteView source = packet.data();
  if (slot.size() < source.size()) return;

  // Rewrite the fixed header in the copy: SSRC, sequence number, timestamp
  // and payload type of this leg, marker bit kept.
  std::memcpy(slot.data(), source.data(), source.size());
  slot[1] = static_cast<uint8_t>((slot[1] & 0x80) | (out.payload_type & 0x7F));
  store_be16(slot.data() + 2, sequence_number);
  store_be32(slot.data() + 4, timestamp);
  store_be32(slot.data() + 8, out.ssrc);
  if (out.cache) out.cache->store(ByteView(slot.data(), source.size()), sequence_number, now);

  if (!transport_->commit_send(source.size(), false)) return;
  ++packets_forwarded_;
  ++out.packets;
  out.octets += packet.payload().size();
  out.last_timestamp = timestamp;
  out.last_sent = now;
}

void Participant::release_source(const Participant& publisher) {
  for (OutboundStream* out : {&audio_out_, &video_out_}) {
    if (out->source == &publisher) out->source = nullptr;
  }
}

bool Participant::request_keyframe(TimePoint now) {
  InboundStream* video = nullptr;
  for (auto& stream : inbound_) {
    if (stream->type == MediaType::video) video = stream.get();
  }
  if (video == nullptr || !transport_->connected()) return false;
  if (video->last_keyframe_request && now - *video->last_keyframe_request < kKeyframeRequestInterval) return false;
  video->last_keyframe_request = now;

  std::array<uint8_t, kMaxRtcpBytes> buffer{};
  rtp::RtcpWriter writer{MutableByteView(buffer)};
  // A compound packet starts with a report (RFC 3550 section 6.1).
  writer.add_receiver_report(video_out_.ssrc, {});
  writer.add_pli(video_out_.ssrc, video->statistics.ssrc());
  return transport_->send_rtcp(writer.data());
}

void Participant::answer_nack(uint32_t media_ssrc, std::span<const uint16_t> sequence_numbers, TimePoint now) {
  OutboundStream* out = outbound_for_ssrc(media_ssrc);
  if (out == nullptr || !out->cache) return;
  for (uint16_t sequence_number : sequence_numbers) {
    const std::optional<ByteView> packet = out->cache->find(sequence_number, now);
    if (!packet) continue;
    if (transport_->send_rtp(*packet)) {
      ++retransmissions_sent_;
      counters_.retransmissions_sent.add();
    }
  }
}

Participant::OutboundStream* Participant::outbound_for_ssrc(uint32_t ssrc) {
  if (ssrc == video_out_.ssrc) return &video_out_;
  if (ssrc == audio_out_.ssrc) return &audio_out_;
  return nullptr;
}

// Feedback from this participant about the streams the relay sends it, and
// sender reports about the streams it publishes.
class ParticipantRtcpHandler final : public rtp::RtcpVisitor {
 public:
  ParticipantRtcpHandler(Participant& participant, TimePoint now) : participant_(participant), now_(now) {}

  void on_sender_report(const rtp::SenderInfo& sender, rtp::ReportBlockList) override {
    for (auto& stream : participant_.inbound_) {
      if (stream->statistics.ssrc() == sender.ssrc) stream->statistics.on_sender_report(sender.ntp_timestamp, now_);
    }
  }

  void on_nack(uint32_t, uint32_t media_ssrc, rtp::NackList items) override {
    participant_.counters_.nacks_received.add();
    std::array<uint16_t, kMaxNackedPerPacket> lost{};
    size_t count = 0;
    for (const rtp::NackItem item : items) {
      rtp::for_each_lost_sequence(item, [&](uint16_t sequence_number) {
        if (count < lost.size()) lost[count++] = sequence_number;
      });
    }
    participant_.answer_nack(media_ssrc, std::span<const uint16_t>(lost.data(), count), now_);
  }

  void on_pli(uint32_t, uint32_t media_ssrc) override {
    if (media_ssrc == participant_.video_out_.ssrc) keyframe_requested_ = true;
  }

  void on_fir(uint32_t, rtp::FirList entries) override {
    for (const rtp::FirEntry entry : entries) {
      if (entry.ssrc == participant_.video_out_.ssrc) keyframe_requested_ = true;
    }
  }

  void on_skipped(uint8_t, uint8_t, rtp::RtcpSkipReason) override {
    participant_.counters_.reject(RejectReason::rtcp_skipped);
  }

  bool keyframe_requested() const { return keyframe_requested_; }

 private:
  Participant& participant_;
  TimePoint now_;
  bool keyframe_requested_ = false;
};

void Participant::on_rtcp(WebRtcTransport&, ByteView compound, TimePoint now) {
  ParticipantRtcpHandler handler(*this, now);
  const rtp::RtcpParseError error = rtp::parse_rtcp_compound(compound, handler);
  if (error != rtp::RtcpParseError::ok) {
    counters_.reject(RejectReason::rtcp_malformed);
    return;
  }
  if (handler.keyframe_requested()) {
    counters_.keyframe_requests_received.add();
    call_.request_keyframe(*this, now);
  }
}

void Participant::send_reports(TimePoint now) {
  std::array<rtp::ReportBlock, rtp::kMaxRtcpCount> blocks{};
  size_t block_count = 0;
  for (auto& stream : inbound_) {
    if (block_count == blocks.size()) break;
    if (stream->statistics.received() > 0) blocks[block_count++] = stream->statistics.build_report_block(now);
  }
  const std::span<const rtp::ReportBlock> report_blocks(blocks.data(), block_count);

  std::array<uint8_t, kMaxRtcpBytes> buffer{};
  rtp::RtcpWriter writer{MutableByteView(buffer)};
  const uint64_t ntp = ntp_now();
  bool reported = false;
  for (OutboundStream* out : {&video_out_, &audio_out_}) {
    if (out->packets == 0 || !out->last_sent) continue;
    rtp::SenderInfo sender;
    sender.ssrc = out->ssrc;
    sender.ntp_timestamp = ntp;
    sender.rtp_timestamp = out->last_timestamp + ticks(now - *out->last_sent, out->clock_rate);
    sender.packet_count = static_cast<uint32_t>(out->packets);
    sender.octet_count = static_cast<uint32_t>(out->octets);
    // Report blocks go in the first report only.
    writer.add_sender_report(sender, reported ? std::span<const rtp::ReportBlock>() : report_blocks);
    reported = true;
  }
  if (!reported) writer.add_receiver_report(video_out_.ssrc, report_blocks);
  writer.add_sdes_cname(video_out_.ssrc, setup_.cname);
  if (setup_.remb) {
    std::array<uint32_t, 8> video_ssrcs{};
    size_t video_count = 0;
    for (const auto& stream : inbound_) {
      if (stream->type == MediaType::video && video_count < video_ssrcs.size()) {
        video_ssrcs[video_count++] = stream->statistics.ssrc();
      }
    }
    if (video_count > 0) {
      writer.add_remb(video_out_.ssrc, remb_bitrate(now), std::span<const uint32_t>(video_ssrcs.data(), video_count));
    }
  }
  transport_->send_rtcp(writer.data());
}

uint64_t Participant::remb_bitrate(TimePoint now) {
  const uint64_t headroom = receive_rate_.rate_bps(now) * kRembHeadroomFactor;
  return std::clamp(headroom, kRembFloorBps, kRembCeilingBps);
}

void Participant::send_transport_feedback() {
  if (!feedback_generator_.has_pending()) return;
  uint32_t media_ssrc = 0;
  for (const auto& stream : inbound_) {
    if (stream->type == MediaType::video || media_ssrc == 0) media_ssrc = stream->statistics.ssrc();
    if (stream->type == MediaType::video) break;
  }
  std::array<uint8_t, kMaxRtcpBytes> buffer{};
  rtp::RtcpWriter writer{MutableByteView(buffer)};
  // A compound packet starts with a report (RFC 3550 section 6.1).
  writer.add_receiver_report(video_out_.ssrc, {});
  while (feedback_generator_.write_feedback(writer, video_out_.ssrc, media_ssrc) > 0) {
    transport_->send_rtcp(writer.data());
    counters_.transport_feedback_sent.add();
    writer.clear();
    writer.add_receiver_report(video_out_.ssrc, {});
  }
}

void Participant::tick(TimePoint now) {
  transport_->tick(now);
  if (!transport_->connected()) return;
  if (tap_keyframe_ && tap_keyframe_->requested.exchange(false, std::memory_order_relaxed)) {
    if (request_keyframe(now)) counters_.keyframe_requests_forwarded.add();
  }
  if (setup_.transport_cc && (!next_feedback_ || now >= *next_feedback_)) {
    send_transport_feedback();
    next_feedback_ = now + kTransportFeedbackInterval;
  }
  if (!next_report_ || now >= *next_report_) {
    if (next_report_) send_reports(now);
    next_report_ = now + kRtcpReportInterval;
  }
}

void Participant::close() {
  if (transport_->connected()) {
    std::array<uint8_t, kMaxRtcpBytes> buffer{};
    rtp::RtcpWriter writer{MutableByteView(buffer)};
    const std::array<uint32_t, 2> ssrcs = {video_out_.ssrc, audio_out_.ssrc};
    writer.add_receiver_report(video_out_.ssrc, {});
    writer.add_bye(ssrcs);
    transport_->send_rtcp(writer.data());
  }
  transport_->close();
}

}  // namespace sightline::call

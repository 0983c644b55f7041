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
// Time before a resent packet is resent again, plus the path's queuing
// delay. Chromium repeats a NACK every round trip (docs/simulcast.md).
constexpr milliseconds kResendHold{100};
// Retransmission slots per outbound video stream: about 1 s of 720p video.
constexpr size_t kVideoCacheSlots = 512;
constexpr size_t kMaxRtcpBytes = 1200;
constexpr size_t kMaxNackedPerPacket = 17 * 16;
// Interval of transport-wide congestion feedback to a publisher: short, so
// that the sender's estimator reacts within a few frames.
constexpr milliseconds kTransportFeedbackInterval{50};
// REMB: the relay announces twice the measured receive rate, never less
// than kRembFloorBps, so that the publisher's own estimate, not the relay,
// limits the ramp-up while a sender that floods the relay is held back.
constexpr uint64_t kRembFloorBps = 1'000'000;
constexpr uint64_t kRembCeilingBps = 20'000'000;
constexpr uint64_t kRembHeadroomFactor = 2;
// How often a subscriber's layer choice is revisited.
constexpr milliseconds kLayerUpdateInterval{100};
// Keyframe requests for a pending layer switch, per subscriber.
constexpr milliseconds kSwitchKeyframeInterval{500};
// A layer that received less than this over the last second (that is,
// nothing) is taken as paused by the publisher.
constexpr uint64_t kActiveLayerMinBps = 1;

// RTP timestamp ticks elapsed in d at the given clock rate.
uint32_t ticks(Duration d, uint32_t clock_rate) {
  return static_cast<uint32_t>(to_us(d) * static_cast<int64_t>(clock_rate) / 1000000);
}
}  // namespace


Participant::Participant(Call& call, net::PacketSender& sender, RelayCounters& counters, ParticipantSetup setup)
    : call_(call), counters_(counters), setup_(std::move(setup)) {
  transport_ = std::make_unique<WebRtcTransport>(sender, counters_, setup_.transport, *this);
  audio_out_.ssrc = setup_.audio_ssrc;
  audio_out_.payload_type = setup_.audio.payload_type;
  audio_out_.clock_rate = setup_.audio.clock_rate;
  video_out_.ssrc = setup_.video_ssrc;
  video_out_.payload_type = setup_.video.payload_type;
  video_out_.clock_rate = setup_.video.clock_rate;
  audio_out_.rewriter.emplace(audio_out_.ssrc, audio_out_.clock_rate);
  video_out_.rewriter.emplace(video_out_.ssrc, video_out_.clock_rate);
  if (setup_.video.negotiated) video_out_.cache = std::make_unique<rtp::RetransmissionCache>(kVideoCacheSlots);
  // The relay writes one extension element, in the one-byte form (RFC 8285
  // section 4.2) for ids up to 14 and the two-byte form above.
  const uint8_t transport_cc_id = setup_.extensions.transport_cc;
  if (setup_.transport_cc && transport_cc_id != 0) {
    transport_sequence_offset_ = rtp::RtpPacket::kFixedHeaderSize + 4 + (transport_cc_id <= 14 ? 1 : 2);
  }
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

namespace {

bool same_format(const MediaFormat& a, const MediaFormat& b) {
  return a.negotiated == b.negotiated && a.payload_type == b.payload_type &&
         a.rtx_payload_type == b.rtx_payload_type && a.clock_rate == b.clock_rate;
}

bool same_extensions(const sdp::ExtensionIds& a, const sdp::ExtensionIds& b) {
  return a.mid == b.mid && a.rtp_stream_id == b.rtp_stream_id && a.repaired_rtp_stream_id == b.repaired_rtp_stream_id &&
         a.abs_send_time == b.abs_send_time && a.transport_cc == b.transport_cc && a.audio_level == b.audio_level;
}

}  // namespace

bool Participant::can_restart_ice(const ParticipantSetup& setup) const {
  // NOTE: a transport whose consent expired has dropped its SRTP keys, so
  // it is replaced, although the browser keeps its DTLS association and
  // sends no new handshake: its media does not resume.
  const WebRtcTransport::State state = transport_->state();
  if (state == WebRtcTransport::State::failed || state == WebRtcTransport::State::closed) return false;
  const TransportParams& current = setup_.transport;
  return setup.transport.remote_fingerprint_algorithm == current.remote_fingerprint_algorithm &&
         setup.transport.remote_fingerprint == current.remote_fingerprint &&
         same_format(setup.audio, setup_.audio) && same_format(setup.video, setup_.video) &&
         same_extensions(setup.extensions, setup_.extensions) && setup.transport_cc == setup_.transport_cc &&
         setup.remb == setup_.remb && setup.simulcast_rids == setup_.simulcast_rids &&
         setup.audio_ssrc == setup_.audio_ssrc && setup.video_ssrc == setup_.video_ssrc;
}

void Participant::restart_ice(const ParticipantSetup& setup) {
  setup_.transport.local_ufrag = setup.transport.local_ufrag;
  setup_.transport.local_password = setup.transport.local_password;
  setup_.transport.remote_ufrag = setup.transport.remote_ufrag;
  setup_.transport.remote_password = setup.transport.remote_password;
  setup_.session = setup.session;
  transport_->restart_ice(setup.transport.local_ufrag, setup.transport.local_password, setup.transport.remote_ufrag,
                          setup.transport.remote_password);
}

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
  VideoPacketInfo video;
  if (type == MediaType::video && !inspect_video(*stream, packet, now, video)) return;
  stream->statistics.on_packet(packet.sequence_number(), packet.timestamp(), now);
  // Analysis sees the call in every phase, the ID check included.
  if (stream->tap_track != kNoTapTrack) {
    setup_.tap->on_rtp(stream->tap_track,
                       TapRtpPacket{packet.sequence_number(), packet.timestamp(), packet.marker(), packet.payload()});
  }
  call_.route(*this, type, packet, type == MediaType::video ? &video : nullptr, now);
}

std::optional<size_t> Participant::video_layer(const rtp::RtpPacket& packet) const {
  if (setup_.simulcast_rids.empty()) return 0;
  if (setup_.extensions.rtp_stream_id == 0) return std::nullopt;
  const ByteView value = packet.find_extension(setup_.extensions.rtp_stream_id);
  const std::string_view rid(reinterpret_cast<const char*>(value.data()), value.size());
  for (size_t i = 0; i < setup_.simulcast_rids.size(); ++i) {
    if (setup_.simulcast_rids[i] == rid) return i;
  }
  return std::nullopt;
}

bool Participant::inspect_video(InboundStream& stream, const rtp::RtpPacket& packet, TimePoint now,
                                VideoPacketInfo& info) {
  if (!stream.layer) {
    // Browsers send the rid on the first packets of each SSRC only, so the
    // layer is learnt once and kept. Until then the SSRC cannot be placed.
    stream.layer = video_layer(packet);
    if (!stream.layer) {
      counters_.reject(RejectReason::rtp_unknown_rid);
      return false;
    }
    if (!setup_.simulcast_rids.empty()) {
      log::info("call", "simulcast layer",
                {{"call", call_.id()}, {"participant", id()}, {"ssrc", stream.statistics.ssrc()},
                 {"layer", static_cast<uint64_t>(*stream.layer)}});
    }
    if (*stream.layer == 0) start_tap(stream);
  }
  info.layer = *stream.layer;
  const ByteView payload = packet.payload();
  info.has_descriptor = codec::parse_vp8_payload_descriptor(payload, info.descriptor) == codec::Vp8ParseError::kOk;
  info.keyframe_start = info.has_descriptor && codec::is_vp8_keyframe(payload, info.descriptor);
  const uint8_t tid = info.has_descriptor && info.descriptor.has_tid ? info.descriptor.tid : 0;
  stream.temporal_layers = std::max<uint8_t>(stream.temporal_layers, static_cast<uint8_t>(tid + 1));
  stream.temporal_bytes[tid].add(packet.size(), now);
  return true;
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
  return inbound_.back().get();
}

void Participant::start_tap(InboundStream& stream) {
  // One tapped video track per participant: the first SSRC of its lowest
  // simulcast layer (its only video stream without simulcast).
  if (setup_.tap == nullptr || tap_keyframe_) return;
  tap_keyframe_ = std::make_shared<TapKeyframeFlag>(call_.schedule().tap_requests());
  const std::string_view role = control::to_string(setup_.role);
  stream.tap_track = setup_.tap->on_track_start(
      TapTrackInfo{call_.id(), id(), role, stream.statistics.ssrc(), TapCodec::vp8}, tap_keyframe_);
}

void Participant::forward(const Participant& from, MediaType type, const rtp::RtpPacket& packet,
                          const VideoPacketInfo* video, TimePoint now) {
  const MediaFormat& format = type == MediaType::audio ? setup_.audio : setup_.video;
  if (!format.negotiated) return;
  OutboundStream& out = type == MediaType::audio ? audio_out_ : video_out_;
  // NOTE: the first SDP offer negotiates one stream per media type and
  // subscriber. A third party's media (an interpreter) is therefore not
  // forwarded until renegotiation adds streams for it.
  if (out.source == nullptr) out.source = &from;
  if (out.source != &from) return;
  if (video != nullptr && !select_video(packet, *video)) return;

  const std::optional<rtp::RewrittenHeader> header =
      out.rewriter->rewrite(packet.ssrc(), packet.sequence_number(), packet.timestamp(), now);
  if (!header) return;
  const size_t size = send_forwarded(out, packet, *header, video, now);
  if (size == 0) return;
  ++packets_forwarded_;
  if (video != nullptr && video->keyframe_start && out.cache) out.cache->mark_keyframe(header->sequence_number);
  ++out.packets;
  out.octets += packet.payload().size();
  out.last_timestamp = header->timestamp;
  out.last_sent = now;
}

bool Participant::select_video(const rtp::RtpPacket& packet, const VideoPacketInfo& video) {
  const codec::Vp8PayloadDescriptor& descriptor = video.descriptor;
  if (!video.has_descriptor) return false;
  LayerPacket layer_packet;
  layer_packet.spatial = video.layer;
  layer_packet.keyframe_start = video.keyframe_start;
  layer_packet.picture_start = descriptor.start_of_partition && descriptor.partition_index == 0;
  layer_packet.tid = descriptor.has_tid ? descriptor.tid : 0;
  layer_packet.layer_sync = descriptor.layer_sync;

  const uint64_t switches = layer_selector_.switch_count();
  if (layer_selector_.on_packet(layer_packet)) {
    if (layer_selector_.switch_count() != switches) {
      counters_.layer_switches.add();
      log::info("call", "layer switch",
                {{"call", call_.id()}, {"participant", id()}, {"layer", static_cast<uint64_t>(video.layer)},
                 {"temporal", static_cast<uint64_t>(layer_selector_.current_temporal())},
                 {"estimate_bps", estimator_.estimate_bps()},
                 {"queuing_delay_us", estimator_.queuing_delay_us()},
                 {"loss", estimator_.loss_fraction()}});
    }
    return true;
  }
  // A dropped picture of the layer being forwarded leaves no gap in the
  // outbound sequence numbers and picture ids.
  if (layer_selector_.current_spatial() == video.layer) {
    video_out_.rewriter->skip(packet.ssrc(), packet.sequence_number());
    picture_rewriter_.drop(packet.ssrc(), descriptor);
  }
  return false;
}

uint16_t Participant::take_transport_sequence(TimePoint now, size_t bytes) {
  const uint16_t sequence = next_transport_sequence_++;
  estimator_.on_packet_sent(sequence, bytes, now);
  return sequence;
}

size_t Participant::send_forwarded(OutboundStream& out, const rtp::RtpPacket& packet,
                                   const rtp::RewrittenHeader& header, const VideoPacketInfo* video, TimePoint now) {
  MutableByteView slot = transport_->begin_send();
  const ByteView payload = packet.payload();
  const size_t header_size = transport_sequence_offset_ == 0 ? rtp::RtpPacket::kFixedHeaderSize
                                                             : rtp::RtpPacket::kFixedHeaderSize + 8;
  const size_t size = header_size + payload.size();
  if (slot.size() < size) return 0;

  // A fresh header: the publisher's CSRCs, padding and header extensions
  // (with ids from its own negotiation) are not passed on.
  const bool extension = transport_sequence_offset_ != 0;
  slot[0] = static_cast<uint8_t>(0x80 | (extension ? 0x10 : 0x00));
  slot[1] = static_cast<uint8_t>((packet.marker() ? 0x80 : 0x00) | (out.payload_type & 0x7F));
  store_be16(slot.data() + 2, header.sequence_number);
  store_be32(slot.data() + 4, header.timestamp);
  store_be32(slot.data() + 8, out.ssrc);
  if (extension) {
    const uint8_t id = setup_.extensions.transport_cc;
    uint8_t* block = slot.data() + rtp::RtpPacket::kFixedHeaderSize;
    std::memset(block, 0, 8);
    store_be16(block + 2, 1);  // one 32-bit word of elements
    if (id <= 14) {
      store_be16(block, rtp::RtpPacket::kOneByteProfile);
      block[4] = static_cast<uint8_t>((id << 4) | 1);  // length field is size - 1
    } else {
      store_be16(block, rtp::RtpPacket::kTwoByteProfile);
      block[4] = id;
      block[5] = 2;
    }
  }
  std::memcpy(slot.data() + header_size, payload.data(), payload.size());
  if (video != nullptr && video->has_descriptor) {
    picture_rewriter_.rewrite(packet.ssrc(), slot.subspan(header_size, payload.size()), video->descriptor);
  }
  if (extension) store_be16(slot.data() + transport_sequence_offset_, take_transport_sequence(now, size));
  if (out.cache) out.cache->store(ByteView(slot.data(), size), header.sequence_number, now);
  if (!transport_->commit_send(size, false)) return 0;
  return size;
}

void Participant::release_source(const Participant& publisher) {
  for (OutboundStream* out : {&audio_out_, &video_out_}) {
    if (out->source == &publisher) out->source = nullptr;
  }
  if (video_out_.source == nullptr) layer_selector_ = LayerSelector{};
}

bool Participant::request_keyframe(TimePoint now, std::optional<size_t> layer) {
  if (!transport_->connected()) return false;
  std::array<uint8_t, kMaxRtcpBytes> buffer{};
  rtp::RtcpWriter writer{MutableByteView(buffer)};
  // A compound packet starts with a report (RFC 3550 section 6.1).
  writer.add_receiver_report(video_out_.ssrc, {});
  bool requested = false;
  for (auto& stream : inbound_) {
    if (stream->type != MediaType::video) continue;
    if (layer && stream->layer != layer) continue;
    if (stream->last_keyframe_request && now - *stream->last_keyframe_request < kKeyframeRequestInterval) continue;
    stream->last_keyframe_request = now;
    if (!writer.add_pli(video_out_.ssrc, stream->statistics.ssrc())) continue;
    requested = true;
    log::debug("call", "keyframe request",
               {{"call", call_.id()}, {"participant", id()}, {"ssrc", static_cast<uint64_t>(stream->statistics.ssrc())},
                {"layer", static_cast<uint64_t>(stream->layer.value_or(0))}});
  }
  return requested && transport_->send_rtcp(writer.data());
}

size_t Participant::layer_bitrates(TimePoint now, std::span<LayerBitrate> out) const {
  size_t count = 0;
  for (const auto& stream : inbound_) {
    if (stream->type != MediaType::video || !stream->layer || *stream->layer >= out.size()) continue;
    LayerBitrate& layer = out[*stream->layer];
    layer = LayerBitrate{};
    layer.temporal_layers = stream->temporal_layers;
    uint64_t cumulative = 0;
    for (size_t tid = 0; tid < kMaxTemporalLayers; ++tid) {
      cumulative += stream->temporal_bytes[tid].rate_bps(now);
      layer.cumulative_bps[tid] = cumulative;
    }
    layer.active = cumulative >= kActiveLayerMinBps;
    count = std::max(count, *stream->layer + 1);
  }
  return count;
}

void Participant::answer_nack(uint32_t media_ssrc, std::span<const uint16_t> sequence_numbers, TimePoint now) {
  OutboundStream* out = outbound_for_ssrc(media_ssrc);
  if (out == nullptr || !out->cache) return;
  // A layer stopped under congestion is not repaired: the key frame of the
  // next layer replaces it, and retransmissions would compete with that key
  // frame at the bottleneck.
  if (out == &video_out_ && layer_selector_.stopped()) return;
  // A repeated NACK resends the packet only after the first copy had time to arrive.
  const Duration hold = kResendHold + microseconds(std::max<int64_t>(0, estimator_.queuing_delay_us()));
  for (uint16_t sequence_number : sequence_numbers) {
    const uint64_t held_before = out->cache->held_count();
    const uint64_t superseded_before = out->cache->superseded_count();
    const std::optional<ByteView> packet = out->cache->take_for_resend(sequence_number, now, hold);
    if (out->cache->held_count() != held_before) counters_.retransmissions_held.add();
    if (out->cache->superseded_count() != superseded_before) counters_.retransmissions_superseded.add();
    if (!packet) continue;
    // The retransmission repeats the original packet byte for byte, its
    // transport-wide sequence number included. It is encrypted under the
    // same SRTP index, so AES-GCM reuses its nonce. That is safe only when
    // the header (the AAD) and the payload repeat too, because two tags over
    // different headers under one nonce reveal the authentication key.
    MutableByteView slot = transport_->begin_send();
    if (slot.size() < packet->size()) continue;
    std::memcpy(slot.data(), packet->data(), packet->size());
    if (transport_sequence_offset_ != 0 && packet->size() >= transport_sequence_offset_ + 2) {
      estimator_.on_packet_resent(load_be16(packet->data() + transport_sequence_offset_), now);
    }
    if (transport_->commit_send(packet->size(), false)) {
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

  void on_transport_feedback(const rtp::TransportFeedback& feedback) override {
    participant_.estimator_.on_feedback(feedback, now_);
    participant_.counters_.transport_feedback_received.add();
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
  // Congestion that this feedback revealed moves the layer choice at once,
  // not at the next periodic update up to kLayerUpdateInterval later.
  const bool congested = estimator_.congested();
  if (congested && !was_congested_) {
    update_layer_selection(now);
    next_layer_update_ = now + kLayerUpdateInterval;
  }
  was_congested_ = congested;
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

void Participant::update_layer_selection(TimePoint now) {
  const Participant* source = video_out_.source;
  if (source == nullptr || !setup_.video.negotiated) return;
  std::array<LayerBitrate, kMaxSimulcastLayers> layers{};
  const size_t count = source->layer_bitrates(now, layers);
  // Without transport-wide feedback there is no estimate: the top layer goes.
  const uint64_t estimate = transport_sequence_offset_ != 0 ? estimator_.estimate_bps() : rtp::SendSideEstimator::kMaxBps;
  Congestion congestion = Congestion::none;
  if (transport_sequence_offset_ != 0 && estimator_.congested()) {
    congestion = estimator_.lossy() ? Congestion::loss : Congestion::queuing;
  }
  const std::optional<size_t> old_target = layer_selector_.target_spatial();
  const uint8_t old_temporal = layer_selector_.target_temporal();
  layer_selector_.update(estimate, congestion, std::span<const LayerBitrate>(layers.data(), count), now);
  if ((layer_selector_.target_spatial() != old_target || layer_selector_.target_temporal() != old_temporal) &&
      layer_selector_.target_spatial()) {
    const size_t spatial = *layer_selector_.target_spatial();
    const uint8_t temporal = layer_selector_.target_temporal();
    log::debug("call", "layer target",
               {{"call", call_.id()}, {"participant", id()}, {"layer", static_cast<uint64_t>(spatial)},
                {"temporal", static_cast<uint64_t>(temporal)},
                {"level_bps", spatial < count ? layers[spatial].cumulative_bps[temporal] : 0},
                {"estimate_bps", estimate}, {"congestion", to_string(congestion)},
                {"queuing_delay_us", estimator_.queuing_delay_us()}, {"loss", estimator_.loss_fraction()}});
  }

  if (!layer_selector_.switch_pending()) return;
  const size_t target = *layer_selector_.target_spatial();
  // A new target layer is asked at once; the same one again after kSwitchKeyframeInterval.
  const bool same_target = last_switch_request_layer_ == target;
  if (same_target && last_switch_request_ && now - *last_switch_request_ < kSwitchKeyframeInterval) return;
  last_switch_request_ = now;
  last_switch_request_layer_ = target;
  if (call_.request_layer_keyframe(*this, target, now)) {
    counters_.layer_switch_keyframe_requests.add();
  }
}

uint64_t Participant::remb_bitrate(TimePoint now) const {
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

void Participant::poll_tap_keyframe_request(TimePoint now) {
  if (tap_keyframe_ && tap_keyframe_->requested.exchange(false, std::memory_order_relaxed)) {
    // Analysis receives the lowest layer only.
    if (request_keyframe(now, 0)) counters_.keyframe_requests_forwarded.add();
  }
}

TimePoint Participant::tick(TimePoint now) {
  transport_->tick(now);
  // Until connected, ICE and DTLS are ticked at every run.
  if (!transport_->connected()) return now;
  if (!next_layer_update_ || now >= *next_layer_update_) {
    update_layer_selection(now);
    next_layer_update_ = now + kLayerUpdateInterval;
  }
  if (setup_.transport_cc && (!next_feedback_ || now >= *next_feedback_)) {
    send_transport_feedback();
    next_feedback_ = now + kTransportFeedbackInterval;
  }
  if (!next_report_ || now >= *next_report_) {
    if (next_report_) send_reports(now);
    next_report_ = now + kRtcpReportInterval;
  }

  TimePoint next = std::min({*next_layer_update_, *next_report_, transport_->next_timeout(now)});
  if (setup_.transport_cc) next = std::min(next, *next_feedback_);
  return next;
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

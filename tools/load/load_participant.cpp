// LoadParticipant: signalling, paced replay of pre-encoded media, RTCP and receive measurements.
#include "tools/load/load_participant.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>

#include "relay/base/log.h"
#include "relay/ice/ice_lite_agent.h"
#include "relay/rtp/rtcp_packet.h"
#include "relay/rtp/rtcp_writer.h"
#include "relay/sdp/sdp_answer.h"
#include "relay/sdp/sdp_offer.h"
#include "relay/sdp/sdp_parser.h"
#include "relay/sdp/sdp_writer.h"

namespace sightline::load {

namespace {
constexpr uint32_t kVideoClockRateHz = 90000;
constexpr uint32_t kAudioClockRateHz = 48000;
constexpr uint32_t kAudioSamplesPerPacket = kAudioClockRateHz / 50;  // 20 ms
constexpr int64_t kAudioPacketUs = 20000;
constexpr size_t kRtpHeaderBytes = 12;
// RTP padding that carries the sender's sequence number: two bytes of it,
// one zero byte, and the pad count itself (RFC 3550 section 5.1).
constexpr size_t kSequenceTagBytes = 4;
constexpr uint8_t kPaddingBit = 0x20;
// Frames sent in one tick at most when the loop fell behind: a burst would
// look like a network problem to the relay and inflate latency figures.
constexpr int64_t kMaxCatchUpFrames = 2;
constexpr milliseconds kRtcpInterval{1000};
// Keyframe requests after a sequence gap, at most one per interval, as the peer tool does.
constexpr milliseconds kPliInterval{300};
constexpr size_t kMaxRtcpBytes = 1200;
// Byte offset of the 15-bit picture id in the payload descriptor the
// packetizer writes (X=1, I=1, M=1; RFC 7741 section 4.2).
constexpr size_t kPictureIdOffset = 2;
constexpr uint16_t kPictureIdModulo = 1 << 15;
// Priority of the participant's one host candidate (RFC 8445 section 5.1.2.1
// with type preference 126, local preference 65535, component 1).
constexpr uint32_t kHostCandidatePriority = 2130706431;

template <typename T>
T random_value() {
  T value{};
  while (value == 0) RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
  return value;
}
}  // namespace

LoadParticipant::LoadParticipant(const EncodedMedia& media, std::shared_ptr<crypto::DtlsCertificate> certificate,
                                 LoadMetrics& metrics, bool udp_gro)
    : media_(media),
      certificate_(std::move(certificate)),
      metrics_(metrics),
      // A video frame's packets leave as one GSO message. The relay's socket
      // does not take GSO messages whole (no UDP_GRO), so on loopback the
      // kernel splits them in this thread's send call and the relay receives
      // the same datagrams as before: only the generator's cost falls.
      // With UDP_GRO here, the relay's GSO messages arrive whole too. On
      // loopback the sender's system call runs the receiver's side of the
      // stack. Without GRO, the relay's CPU time therefore included
      // splitting its messages and queuing each datagram to this socket,
      // work that a subscriber's own machine does in a real call.
      socket_(net::UdpOptions{.gso = true, .gro = udp_gro}) {
  video_.ssrc = random_value<uint32_t>();
  video_.sequence_number = random_value<uint16_t>();
  video_.timestamp_base = random_value<uint32_t>();
  audio_.ssrc = random_value<uint32_t>();
  audio_.sequence_number = random_value<uint16_t>();
  audio_.timestamp_base = random_value<uint32_t>();
  picture_id_ = static_cast<uint16_t>(random_value<uint16_t>() % kPictureIdModulo);
}

LoadParticipant::~LoadParticipant() = default;

std::optional<std::string> LoadParticipant::join(const JoinParams& params) {
  participant_id_ = params.participant_id;
  loopback_only_ = false;
  const milliseconds timeout(params.signalling_timeout_ms);
  if (auto error = signalling_.connect(params.relay_host, params.relay_port, "/ws", timeout)) {
    return "cannot reach the relay's signalling at " + params.relay_host + ":" + std::to_string(params.relay_port) +
           ": " + *error;
  }
  auto wait_for = [&](std::string_view type, std::string& error) -> std::optional<nlohmann::json> {
    const TimePoint deadline = sightline::now() + timeout;
    while (sightline::now() < deadline) {
      const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - sightline::now());
      std::optional<nlohmann::json> message = signalling_.receive(remaining);
      if (!message) break;
      const std::string message_type = message->value("type", "");
      if (message_type == type) return message;
      if (message_type == "error") {
        error = "the relay rejected " + params.participant_id + ": " + message->value("message", "(no message)");
        return std::nullopt;
      }
    }
    error = "timed out after " + std::to_string(params.signalling_timeout_ms) + " ms waiting for '" +
            std::string(type) + "' for " + params.participant_id;
    return std::nullopt;
  };

  const nlohmann::json join = {{"type", "join"},
                               {"call", params.call_id},
                               {"participant", params.participant_id},
                               {"role", params.role}};
  if (auto error = signalling_.send(join)) return "sending join failed: " + *error;
  std::string error;
  if (!wait_for("joined", error)) return error;

  if (auto bind_error = bind_socket()) return bind_error;
  const sdp::OfferParams offer = offer_params();
  if (auto send_error = signalling_.send({{"type", "offer"}, {"sdp", sdp::build_offer(offer)}})) {
    return "sending the offer failed: " + *send_error;
  }
  const std::optional<nlohmann::json> reply = wait_for("answer", error);
  if (!reply) return error;
  sdp::PeerAnswer answer;
  const sdp::ParseResult parsed = sdp::parse_answer_for_peer(reply->value("sdp", ""), answer);
  if (!parsed.ok) return "the relay's answer is invalid: " + parsed.describe();
  return start_send_leg(answer);
}

std::optional<std::string> LoadParticipant::bind_socket() {
  if (socket_.fd() >= 0) return std::nullopt;
  std::string error;
  const std::optional<SocketAddress> local = SocketAddress::parse("127.0.0.1", 0);
  if (!socket_.bind(*local, &error)) return "binding the participant's UDP socket failed: " + error;
  return std::nullopt;
}

sdp::OfferParams LoadParticipant::offer_params() {
  if (ice_ufrag_.empty()) {
    ice_ufrag_ = ice::IceLiteAgent::random_ice_string(ice::kIceUfragLength);
    ice_password_ = ice::IceLiteAgent::random_ice_string(ice::kIcePasswordLength);
    video_rtx_ssrc_ = random_value<uint32_t>();
  }
  sdp::OfferParams offer;
  offer.ice_ufrag = ice_ufrag_;
  offer.ice_pwd = ice_password_;
  offer.fingerprint = sdp::Fingerprint{"sha-256", certificate_->fingerprint_sha256()};
  offer.cname = participant_id_;
  offer.audio_ssrc = audio_.ssrc;
  offer.video_ssrc = video_.ssrc;
  offer.video_rtx_ssrc = video_rtx_ssrc_;
  return offer;
}

std::string LoadParticipant::make_send_offer() {
  sdp::OfferParams params = offer_params();
  params.direction = sdp::Direction::sendonly;
  sdp::LocalCandidate candidate;
  candidate.address = "127.0.0.1";
  candidate.port = socket_.local_address().port();
  candidate.priority = kHostCandidatePriority;
  params.candidates.push_back(candidate);
  sdp::SessionDescription offer = sdp::build_offer_description(params);
  for (sdp::MediaDescription& section : offer.media) section.setup = sdp::SetupRole::active;
  return sdp::write_sdp(offer);
}

std::optional<std::string> LoadParticipant::accept_send_answer(const std::string& answer_sdp) {
  sdp::PeerAnswer answer;
  const sdp::ParseResult parsed = sdp::parse_answer_for_peer(answer_sdp, answer);
  if (!parsed.ok) return "the answer to " + participant_id_ + "'s offer is invalid: " + parsed.describe();
  return start_send_leg(answer);
}

namespace {
// The first UDP candidate of the answer or offer: the server is ICE-lite
// with host candidates only. With loopback_only, candidates on any other
// address are skipped, so the generator never sends beyond loopback.
std::optional<SocketAddress> first_udp_candidate(const std::vector<sdp::Candidate>& candidates,
                                                 bool loopback_only) {
  for (const sdp::Candidate& candidate : candidates) {
    if (candidate.transport != "udp" && candidate.transport != "UDP") continue;
    if (loopback_only && candidate.address != "127.0.0.1" && candidate.address != "::1") continue;
    if (auto address = SocketAddress::parse(candidate.address, candidate.port)) return address;
  }
  return std::nullopt;
}

std::string list_candidates(const std::vector<sdp::Candidate>& candidates) {
  std::string text;
  for (const sdp::Candidate& candidate : candidates) {
    text += (text.empty() ? "" : ", ") + candidate.address + ":" + std::to_string(candidate.port);
  }
  return text.empty() ? "none" : text;
}
}  // namespace

std::optional<std::string> LoadParticipant::start_send_leg(const sdp::PeerAnswer& answer) {
  if (!answer.video || !answer.audio) return "the answer did not accept both audio and video";
  const std::optional<SocketAddress> relay_address = first_udp_candidate(answer.candidates, loopback_only_);
  if (!relay_address) {
    return std::string("the answer has no usable UDP candidate") + (loopback_only_ ? " on loopback" : "") +
           " (candidates: " + list_candidates(answer.candidates) + ")";
  }

  video_.payload_type = answer.video->payload_type;
  audio_.payload_type = answer.audio->payload_type;
  if (!receive_transport_) {
    video_receive_payload_type_ = video_.payload_type;
    audio_receive_payload_type_ = audio_.payload_type;
  }
  peer::PeerTransportParams transport;
  transport.relay_address = *relay_address;
  transport.local_ufrag = ice_ufrag_;
  transport.local_password = ice_password_;
  transport.remote_ufrag = answer.ice_ufrag;
  transport.remote_password = answer.ice_pwd;
  transport.certificate = certificate_;
  transport.remote_fingerprint_algorithm = answer.fingerprint.algorithm;
  transport.remote_fingerprint = answer.fingerprint.value;
  transport.decrypt_every = sequence_tags_ ? 1 : decrypt_every_;
  transport_ = std::make_unique<peer::PeerTransport>(socket_, transport, *this);
  video_in_.clock_rate_hz = kVideoClockRateHz;
  audio_in_.clock_rate_hz = kAudioClockRateHz;
  return std::nullopt;
}

std::optional<std::string> LoadParticipant::answer_receive_offer(const std::string& offer_sdp,
                                                                 std::string& answer_sdp) {
  sdp::SessionDescription offer;
  const sdp::ParseResult parsed = sdp::parse_sdp(offer_sdp, offer);
  if (!parsed.ok) return "the offer to " + participant_id_ + " is invalid: " + parsed.describe();
  const sdp::OfferParams own = offer_params();
  sdp::LocalEndpoint local;
  local.ice_ufrag = own.ice_ufrag;
  local.ice_pwd = own.ice_pwd;
  local.fingerprint = own.fingerprint;
  local.accept_simulcast = false;
  sdp::LocalCandidate candidate;
  candidate.address = "127.0.0.1";
  candidate.port = socket_.local_address().port();
  candidate.priority = kHostCandidatePriority;
  local.candidates.push_back(candidate);
  sdp::AnswerResult result = sdp::build_answer(offer, local);
  if (!result.ok) return "cannot answer the offer to " + participant_id_ + ": " + result.error;

  // The answer builder writes the relay's answer (ICE-lite, DTLS server);
  // this participant is a full ICE agent and the DTLS client.
  result.answer.ice_lite = false;
  for (sdp::MediaDescription& section : result.answer.media) section.setup = sdp::SetupRole::active;
  for (const sdp::NegotiatedMedia& media : result.media) {
    if (media.kind == sdp::MediaKind::video) video_receive_payload_type_ = media.payload_type;
    if (media.kind == sdp::MediaKind::audio) audio_receive_payload_type_ = media.payload_type;
  }
  if (video_receive_payload_type_ == 0 || audio_receive_payload_type_ == 0) {
    return "the offer to " + participant_id_ + " does not carry both audio and video";
  }
  const std::optional<SocketAddress> remote_address = first_udp_candidate(result.remote_candidates, loopback_only_);
  if (!remote_address) {
    return "the offer to " + participant_id_ + " has no usable UDP candidate" + (loopback_only_ ? " on loopback" : "") +
           " (candidates: " + list_candidates(result.remote_candidates) + ")";
  }

  peer::PeerTransportParams transport;
  transport.relay_address = *remote_address;
  transport.local_ufrag = own.ice_ufrag;
  transport.local_password = own.ice_pwd;
  transport.remote_ufrag = result.remote_ice_ufrag;
  transport.remote_password = result.remote_ice_pwd;
  transport.certificate = certificate_;
  transport.remote_fingerprint_algorithm = result.remote_fingerprint.algorithm;
  transport.remote_fingerprint = result.remote_fingerprint.value;
  transport.decrypt_every = sequence_tags_ ? 1 : decrypt_every_;
  receive_transport_ = std::make_unique<peer::PeerTransport>(socket_, transport, *this);
  answer_sdp = sdp::write_sdp(result.answer);
  return std::nullopt;
}

std::string LoadParticipant::srtp_profile() const {
  if (!transport_) return std::string();
  std::string profile(transport_->srtp_profile());
  if (receive_transport_ && receive_transport_->srtp_profile() != transport_->srtp_profile()) {
    profile += "/" + std::string(receive_transport_->srtp_profile());
  }
  return profile;
}

void LoadParticipant::on_readable(TimePoint now) {
  // A batch that did not fill the socket's buffers emptied the socket, so the
  // loop stops there instead of paying for a system call that returns nothing.
  int count = 0;
  do {
    count = socket_.receive_batch();
    for (int i = 0; i < count; ++i) {
      const net::ReceivedDatagram& datagram = socket_.received(i);
      if (datagram.truncated) continue;
      // Each leg ignores datagrams that do not come from its own remote address.
      transport_->on_datagram(datagram.from, datagram.data, now);
      if (receive_transport_) receive_transport_->on_datagram(datagram.from, datagram.data, now);
    }
  } while (socket_.receive_filled());
  socket_.flush();
}

void LoadParticipant::tick(TimePoint now) {
  transport_->tick(now);
  if (receive_transport_) receive_transport_->tick(now);
  if (transport_->connected() && !failed_.load()) {
    send_media(now);
    if (!next_rtcp_) next_rtcp_ = now + kRtcpInterval;
    if (now >= *next_rtcp_) {
      send_rtcp(now);
      next_rtcp_ = now + kRtcpInterval;
    }
    if (pli_wanted_ && video_in_.statistics && (!last_pli_ || now - *last_pli_ >= kPliInterval)) {
      std::array<uint8_t, kMaxRtcpBytes> buffer{};
      rtp::RtcpWriter writer{MutableByteView(buffer)};
      writer.add_receiver_report(video_.ssrc, {});
      writer.add_pli(video_.ssrc, video_in_.statistics->ssrc());
      if (receive_leg().send_rtcp(writer.data())) metrics_.add(metrics_.plis_sent);
      last_pli_ = now;
      pli_wanted_ = false;
    }
  }
  socket_.flush();
}

void LoadParticipant::send_media(TimePoint now) {
  if (!media_start_) media_start_ = now;
  const int64_t elapsed_us = to_us(now - *media_start_);

  const auto frames_due = static_cast<int64_t>(static_cast<double>(elapsed_us) * media_.frame_rate / 1e6) + 1;
  video_frames_due_ = std::max(video_frames_due_, frames_due - kMaxCatchUpFrames);
  while (video_frames_due_ < frames_due) send_video_frame(now, video_frames_due_++);

  const int64_t packets_due = elapsed_us / kAudioPacketUs + 1;
  audio_packets_due_ = std::max(audio_packets_due_, packets_due - kMaxCatchUpFrames);
  while (audio_packets_due_ < packets_due) send_audio_packet(now, audio_packets_due_++);
}

void LoadParticipant::send_video_frame(TimePoint now, int64_t frame_number) {
  const EncodedVideoFrame& frame = media_.video_frames[next_frame_];
  next_frame_ = (next_frame_ + 1) % media_.video_frames.size();
  // The RTP timestamp follows the frame number, so it advances by the frame
  // interval even when the clip loops or jumps back to its keyframe.
  const auto ticks = static_cast<uint32_t>(static_cast<double>(frame_number) * kVideoClockRateHz / media_.frame_rate);
  const uint32_t timestamp = video_.timestamp_base + ticks;
  for (size_t i = 0; i < frame.payloads.size(); ++i) {
    send_rtp(video_, timestamp, i + 1 == frame.payloads.size(), frame.payloads[i], now, true);
  }
  picture_id_ = static_cast<uint16_t>((picture_id_ + 1) % kPictureIdModulo);
}

void LoadParticipant::send_audio_packet(TimePoint now, int64_t packet_number) {
  const std::vector<uint8_t>& payload =
      media_.audio_packets[static_cast<size_t>(packet_number) % media_.audio_packets.size()];
  const uint32_t timestamp = audio_.timestamp_base + static_cast<uint32_t>(packet_number) * kAudioSamplesPerPacket;
  // Only the first packet starts a talkspurt, so only it has the marker bit (RFC 7587 section 4.2).
  send_rtp(audio_, timestamp, packet_number == 0, payload, now, false);
}

void LoadParticipant::send_rtp(StreamSender& stream, uint32_t timestamp, bool marker, ByteView payload,
                               TimePoint now, bool cache) {
  const size_t tag_bytes = sequence_tags_ ? kSequenceTagBytes : 0;
  const size_t size = kRtpHeaderBytes + payload.size() + tag_bytes;
  if (size > packet_buffer_.size()) return;
  uint8_t* p = packet_buffer_.data();
  p[0] = 0x80;  // version 2, no padding, no extension, no CSRC
  if (sequence_tags_) {
    p[0] |= kPaddingBit;
    uint8_t* tag = p + kRtpHeaderBytes + payload.size();
    store_be16(tag, stream.sequence_number);
    tag[2] = 0;
    tag[3] = static_cast<uint8_t>(kSequenceTagBytes);
  }
  p[1] = static_cast<uint8_t>((marker ? 0x80 : 0) | (stream.payload_type & 0x7F));
  store_be16(p + 2, stream.sequence_number);
  store_be32(p + 4, timestamp);
  store_be32(p + 8, stream.ssrc);
  std::copy(payload.begin(), payload.end(), p + kRtpHeaderBytes);
  if (cache) {
    // The same pre-encoded frame is sent again on every pass of the clip, so
    // each copy gets the next picture id to look like a new frame.
    store_be16(p + kRtpHeaderBytes + kPictureIdOffset, static_cast<uint16_t>(0x8000 | picture_id_));
  }
  const ByteView packet(p, size);

  if (cache) video_cache_.store(packet, stream.sequence_number, now);
  stream.send_times.record(stream.sequence_number, to_us(now.time_since_epoch()));
  if (transport_->send_rtp(packet)) {
    metrics_.add(metrics_.packets_sent);
    metrics_.add(metrics_.bytes_sent, size);
  }
  ++stream.sequence_number;
}

void LoadParticipant::on_rtp(rtp::RtpPacket& packet, TimePoint now) {
  const bool video = packet.payload_type() == video_receive_payload_type_;
  StreamReceiver& in = video ? video_in_ : audio_in_;
  if (!in.statistics) in.statistics.emplace(packet.ssrc(), in.clock_rate_hz);
  const uint32_t highest_before = in.statistics->extended_highest_sequence();
  in.statistics->on_packet(packet.sequence_number(), packet.timestamp(), now);
  if (video && in.statistics->extended_highest_sequence() > highest_before + 1 && in.statistics->received() > 2) {
    pli_wanted_ = true;
  }
  metrics_.add(metrics_.packets_received);
  metrics_.add(metrics_.bytes_received, packet.data().size());

  if (!remote_) return;
  const SendTimeRing& ring = video ? remote_->video_.send_times : remote_->audio_.send_times;
  uint16_t sent_sequence_number = packet.sequence_number();
  const ByteView data = packet.data();
  if (sequence_tags_ && packet.padding() && packet.padding_size() == kSequenceTagBytes) {
    sent_sequence_number = load_be16(data.data() + data.size() - kSequenceTagBytes);
  }
  const int64_t sent_us = ring.find(sent_sequence_number);
  if (sent_us < 0) {
    metrics_.add(metrics_.latency_unmatched);
    return;
  }
  metrics_.record_latency_us(to_us(now.time_since_epoch()) - sent_us);
}

// RTCP from the relay: NACKs and keyframe requests for this participant's video.
class LoadRtcpHandler final : public rtp::RtcpVisitor {
 public:
  explicit LoadRtcpHandler(uint32_t video_ssrc) : video_ssrc_(video_ssrc) {}
  void on_nack(uint32_t, uint32_t media_ssrc, rtp::NackList items) override {
    if (media_ssrc != video_ssrc_) return;
    for (const rtp::NackItem item : items) {
      rtp::for_each_lost_sequence(item, [&](uint16_t sequence_number) { nacked.push_back(sequence_number); });
    }
  }
  void on_pli(uint32_t, uint32_t media_ssrc) override {
    if (media_ssrc == video_ssrc_) keyframe_requested = true;
  }
  void on_fir(uint32_t, rtp::FirList entries) override {
    for (const rtp::FirEntry entry : entries) {
      if (entry.ssrc == video_ssrc_) keyframe_requested = true;
    }
  }

  std::vector<uint16_t> nacked;
  bool keyframe_requested = false;

 private:
  uint32_t video_ssrc_;
};

void LoadParticipant::on_rtcp(ByteView compound, TimePoint now) {
  LoadRtcpHandler handler(video_.ssrc);
  if (rtp::parse_rtcp_compound(compound, handler) != rtp::RtcpParseError::ok) return;
  metrics_.add(metrics_.nacks_received, handler.nacked.size());
  for (const uint16_t sequence_number : handler.nacked) {
    const std::optional<ByteView> packet = video_cache_.find(sequence_number, now);
    if (packet && transport_->send_rtp(*packet)) metrics_.add(metrics_.retransmissions_sent);
  }
  if (handler.keyframe_requested) {
    metrics_.add(metrics_.plis_received);
    next_frame_ = 0;
  }
}

void LoadParticipant::send_rtcp(TimePoint now) {
  std::array<rtp::ReportBlock, 2> blocks{};
  size_t count = 0;
  for (StreamReceiver* in : {&video_in_, &audio_in_}) {
    if (in->statistics && in->statistics->received() > 0) blocks[count++] = in->statistics->build_report_block(now);
  }
  std::array<uint8_t, kMaxRtcpBytes> buffer{};
  rtp::RtcpWriter writer{MutableByteView(buffer)};
  writer.add_receiver_report(video_.ssrc, std::span<const rtp::ReportBlock>(blocks.data(), count));
  writer.add_sdes_cname(video_.ssrc, participant_id_);
  receive_leg().send_rtcp(writer.data());
}

void LoadParticipant::update_metrics(uint64_t& jitter_sum_us, uint64_t& jitter_streams) {
  uint64_t decrypted = 0;
  uint64_t failures = 0;
  uint64_t unverified = 0;
  for (const peer::PeerTransport* leg : {transport_.get(), receive_transport_.get()}) {
    if (leg == nullptr) continue;
    decrypted += leg->counters().rtp_decrypted;
    failures += leg->counters().decrypt_failures;
    unverified += leg->counters().rtp_unverified;
  }
  metrics_.add(metrics_.packets_decrypted, decrypted - decrypted_reported_);
  metrics_.add(metrics_.decrypt_failures, failures - decrypt_failures_reported_);
  metrics_.add(metrics_.packets_unverified, unverified - unverified_reported_);
  decrypted_reported_ = decrypted;
  decrypt_failures_reported_ = failures;
  unverified_reported_ = unverified;

  for (StreamReceiver* in : {&video_in_, &audio_in_}) {
    if (!in->statistics || !in->statistics->is_valid()) continue;
    const int64_t lost = in->statistics->cumulative_lost();
    if (lost > in->lost_reported) {
      metrics_.add(metrics_.packets_lost, static_cast<uint64_t>(lost - in->lost_reported));
      in->lost_reported = lost;
    }
    const uint64_t jitter_us = uint64_t{in->statistics->jitter()} * 1000000 / in->clock_rate_hz;
    jitter_sum_us += jitter_us;
    ++jitter_streams;
  }
}

std::optional<std::string> LoadParticipant::poll_signalling() {
  std::optional<std::string> ended;
  while (signalling_.is_open()) {
    std::optional<nlohmann::json> message = signalling_.receive(milliseconds(0));
    if (!message) break;
    const std::string type = message->value("type", "");
    if (type == "call-ended" || type == "error") {
      ended = type + ": " + message->value("reason", message->value("message", ""));
    }
  }
  return ended;
}

void LoadParticipant::leave() {
  if (transport_) transport_->close();
  if (receive_transport_) receive_transport_->close();
  socket_.flush();
  if (signalling_.is_open()) {
    signalling_.send({{"type", "leave"}});
    signalling_.close();
  }
  socket_.close();
}

void LoadParticipant::on_transport_connected() {
  // Counted once, when the last leg connects.
  if (connected() && !counted_connected_) {
    counted_connected_ = true;
    metrics_.add(metrics_.participants_connected);
  }
}

void LoadParticipant::on_transport_failed(std::string_view reason) { fail(std::string(reason)); }

void LoadParticipant::fail(std::string reason) {
  if (failed_.load()) return;
  failure_ = std::move(reason);
  failed_.store(true);
  metrics_.add(metrics_.participants_failed);
  log::warn("load", "participant failed", {{"participant", participant_id_}, {"reason", failure_}});
}

}  // namespace sightline::load

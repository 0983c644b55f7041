// Peer: signalling, the event loop and RTCP of a synthetic participant.
#include "tools/peer/peer.h"

#include <openssl/rand.h>
#include <uv.h>

#include <array>
#include <cmath>
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "relay/base/log.h"
#include "relay/control/signalling_client.h"
#include "relay/crypto/dtls_certificate.h"
#include "relay/crypto/srtp_session.h"
#include "relay/ice/ice_lite_agent.h"
#include "relay/net/udp_socket.h"
#include "relay/rtp/rtcp_packet.h"
#include "relay/rtp/rtcp_writer.h"
#include "relay/sdp/sdp_offer.h"
#include "tools/peer/media_receiver.h"
#include "tools/peer/media_sender.h"
#include "tools/peer/peer_transport.h"

namespace sightline::peer {

namespace {
constexpr milliseconds kTickInterval{5};
constexpr milliseconds kRtcpInterval{1000};
constexpr milliseconds kSignallingPollInterval{100};
// Keyframe requests the peer sends on its own after a lost frame, at most one per interval.
constexpr milliseconds kPliInterval{300};
constexpr size_t kMaxRtcpBytes = 1200;
// A participant that has no media path after this long reports a failure.
constexpr milliseconds kConnectTimeout{10000};

uint32_t random_ssrc() {
  uint32_t value = 0;
  while (value == 0) RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
  return value;
}
}  // namespace

nlohmann::json PeerStats::to_json() const {
  nlohmann::json out = {
      {"connected", connected},
      {"srtp_profile", srtp_profile},
      {"frames_sent", frames_sent},
      {"keyframes_sent", keyframes_sent},
      {"frames_decoded", frames_decoded},
      {"keyframes_decoded", keyframes_decoded},
      {"frames_corrupt", frames_corrupt},
      {"psnr_db", std::round(psnr_db * 100) / 100},
      {"psnr_min_db", std::round(psnr_min_db * 100) / 100},
      {"audio_frames_sent", audio_frames_sent},
      {"audio_frames_decoded", audio_frames_decoded},
      {"rtp_packets_sent", rtp_packets_sent},
      {"rtp_packets_received", rtp_packets_received},
      {"rtp_dropped_by_loss", rtp_dropped_by_loss},
      {"rtp_retransmissions_identical", rtp_retransmissions_identical},
      {"rtp_retransmissions_changed", rtp_retransmissions_changed},
      {"video_packets_lost", video_packets_lost},
      {"nacks_sent", nacks_sent},
      {"retransmissions_sent", retransmissions_sent},
      {"plis_sent", plis_sent},
      {"keyframe_requests_received", keyframe_requests_received},
      {"jitter_ms", std::round(jitter_ms * 100) / 100},
      {"rtt_ms", std::round(rtt_ms * 100) / 100},
  };
  if (keyframe_latency_ms) out["keyframe_latency_ms"] = std::round(*keyframe_latency_ms * 10) / 10;
  if (!failure.empty()) out["failure"] = failure;
  return out;
}

class Peer::Impl final : public PeerTransportListener {
 public:
  explicit Impl(PeerOptions options) : options_(std::move(options)) {}
  ~Impl() override { stop(); }

  std::optional<std::string> start();
  void stop();
  void request_keyframe() {
    keyframe_request_pending_.store(true);
    std::lock_guard lock(stats_mutex_);
    stats_.keyframe_latency_ms.reset();
  }
  PeerStats stats() const {
    std::lock_guard lock(stats_mutex_);
    return stats_;
  }
  const PeerOptions& options() const { return options_; }
  bool send_raw(std::vector<uint8_t> packet, bool rtcp);
  bool send_unprotected(std::vector<uint8_t> datagram);

 private:
  std::optional<std::string> negotiate(sdp::PeerAnswer& answer, const std::string& local_ufrag,
                                       const std::string& local_password);
  std::optional<nlohmann::json> wait_for(std::string_view type, std::string& error);
  void run_loop();
  void tick(TimePoint now);
  void send_rtcp_reports(TimePoint now);
  void send_feedback(TimePoint now);
  void poll_signalling();
  void update_stats(TimePoint now);

  // PeerTransportListener, on the loop thread.
  void on_transport_connected() override;
  void on_transport_failed(std::string_view reason) override;
  void on_rtp(rtp::RtpPacket& packet, TimePoint now) override;
  void on_rtcp(ByteView compound, TimePoint now) override;

  PeerOptions options_;
  control::SignallingClient signalling_;
  std::shared_ptr<crypto::DtlsCertificate> certificate_;
  net::UdpSocket socket_;
  std::unique_ptr<PeerTransport> transport_;
  std::unique_ptr<MediaSender> sender_;
  std::unique_ptr<MediaReceiver> receiver_;
  std::string cname_;
  SocketAddress relay_address_;
  uint32_t video_ssrc_ = 0;
  uint32_t audio_ssrc_ = 0;

  uv_loop_t loop_{};
  uv_poll_t poll_{};
  uv_timer_t timer_{};
  uv_async_t stop_async_{};
  uv_async_t task_async_{};
  std::mutex tasks_mutex_;
  std::vector<std::function<void()>> tasks_;
  std::thread thread_;
  bool running_ = false;

  std::optional<TimePoint> started_at_;
  bool ever_connected_ = false;
  std::optional<TimePoint> next_rtcp_;
  std::optional<TimePoint> next_signalling_poll_;
  std::optional<TimePoint> last_pli_;
  std::optional<TimePoint> keyframe_requested_at_;
  uint32_t timestamp_at_request_ = 0;
  std::optional<double> keyframe_latency_ms_;
  std::atomic<bool> keyframe_request_pending_{false};
  uint64_t nacks_sent_ = 0;
  uint64_t plis_sent_ = 0;
  double rtt_ms_ = 0;
  std::string failure_;

  mutable std::mutex stats_mutex_;
  PeerStats stats_;
};

std::optional<std::string> Peer::Impl::start() {
  if (!crypto::initialize_srtp_library()) return "libsrtp initialisation failed";
  certificate_ = crypto::DtlsCertificate::generate_ecdsa();
  if (!certificate_) return "generating the DTLS certificate failed";

  std::string error;
  const std::string local_ufrag = ice::IceLiteAgent::random_ice_string(ice::kIceUfragLength);
  const std::string local_password = ice::IceLiteAgent::random_ice_string(ice::kIcePasswordLength);
  video_ssrc_ = random_ssrc();
  audio_ssrc_ = random_ssrc();
  cname_ = options_.participant_id;
  sdp::PeerAnswer answer;
  if (auto failure = negotiate(answer, local_ufrag, local_password)) return failure;

  // The first UDP candidate of the relay; the relay is ICE-lite with host candidates only.
  std::optional<SocketAddress> relay_address;
  for (const sdp::Candidate& candidate : answer.candidates) {
    if (candidate.transport != "udp" && candidate.transport != "UDP") continue;
    relay_address = SocketAddress::parse(candidate.address, candidate.port);
    if (relay_address) break;
  }
  if (!relay_address) return "the relay's answer has no usable UDP candidate";

  // The socket binds once the relay's candidate is known, in its family.
  const std::string local_ip =
      !options_.local_address.empty() ? options_.local_address : (relay_address->is_ipv6() ? "::" : "0.0.0.0");
  const std::optional<SocketAddress> local = SocketAddress::parse(local_ip, 0);
  if (!local) return "invalid local address '" + local_ip + "': expected an IPv4 or IPv6 address";
  if (local->family() != relay_address->family()) {
    return "local address " + local_ip + " and the relay's candidate " + relay_address->to_string() +
           " are of different IP families";
  }
  if (!socket_.bind(*local, &error)) return error;
  if (!answer.video || !answer.audio) return "the relay's answer did not accept both audio and video";

  MediaSenderConfig sender_config;
  sender_config.video_path = options_.video_path;
  sender_config.audio_path = options_.audio_path;
  sender_config.send_audio = options_.send_audio;
  sender_config.video_bitrate_kbps = options_.video_bitrate_kbps;
  sender_config.video_payload_type = answer.video->payload_type;
  sender_config.audio_payload_type = answer.audio->payload_type;
  sender_config.video_ssrc = video_ssrc_;
  sender_config.audio_ssrc = audio_ssrc_;
  sender_ = MediaSender::create(
      sender_config, [this](ByteView packet) { return transport_ && transport_->send_rtp(packet); }, error);
  if (!sender_) return error;

  MediaReceiverConfig receiver_config;
  receiver_config.video_payload_type = answer.video->payload_type;
  receiver_config.audio_payload_type = answer.audio->payload_type;
  receiver_config.reference_path = options_.reference_path;
  receiver_ = MediaReceiver::create(receiver_config, error);
  if (!receiver_) return error;

  PeerTransportParams params;
  params.relay_address = *relay_address;
  relay_address_ = *relay_address;
  params.local_ufrag = local_ufrag;
  params.remote_ufrag = answer.ice_ufrag;
  params.remote_password = answer.ice_pwd;
  params.certificate = certificate_;
  params.remote_fingerprint_algorithm = answer.fingerprint.algorithm;
  params.remote_fingerprint = answer.fingerprint.value;
  params.incoming_loss = options_.incoming_loss;
  params.loss_seed = options_.loss_seed;
  transport_ = std::make_unique<PeerTransport>(socket_, params, *this);

  uv_loop_init(&loop_);
  uv_poll_init(&loop_, &poll_, socket_.fd());
  poll_.data = this;
  uv_timer_init(&loop_, &timer_);
  timer_.data = this;
  uv_async_init(&loop_, &stop_async_, [](uv_async_t* handle) {
    auto* self = static_cast<Impl*>(handle->data);
    uv_poll_stop(&self->poll_);
    uv_timer_stop(&self->timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->poll_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->timer_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_async_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->task_async_), nullptr);
  });
  stop_async_.data = this;
  uv_async_init(&loop_, &task_async_, [](uv_async_t* handle) {
    auto* self = static_cast<Impl*>(handle->data);
    std::vector<std::function<void()>> tasks;
    {
      std::lock_guard lock(self->tasks_mutex_);
      tasks.swap(self->tasks_);
    }
    for (auto& task : tasks) task();
    self->socket_.flush();
  });
  task_async_.data = this;
  uv_poll_start(&poll_, UV_READABLE, [](uv_poll_t* handle, int status, int) {
    if (status < 0) return;
    auto* self = static_cast<Impl*>(handle->data);
    const TimePoint now = sightline::now();
    int count = 0;
    while ((count = self->socket_.receive_batch()) > 0) {
      for (int i = 0; i < count; ++i) {
        const net::ReceivedDatagram& datagram = self->socket_.received(i);
        if (!datagram.truncated) self->transport_->on_datagram(datagram.from, datagram.data, now);
      }
    }
    self->socket_.flush();
  });
  const auto tick_ms = static_cast<uint64_t>(kTickInterval.count());
  uv_timer_start(&timer_, [](uv_timer_t* handle) { static_cast<Impl*>(handle->data)->tick(sightline::now()); },
                 0, tick_ms);
  running_ = true;
  thread_ = std::thread([this] { run_loop(); });
  return std::nullopt;
}

std::optional<std::string> Peer::Impl::negotiate(sdp::PeerAnswer& answer, const std::string& local_ufrag,
                                                 const std::string& local_password) {
  if (auto error = signalling_.connect(options_.relay_host, options_.relay_port, "/ws",
                                       milliseconds(options_.signalling_timeout_ms))) {
    return "cannot reach the relay's signalling at " + options_.relay_host + ":" +
           std::to_string(options_.relay_port) + ": " + *error;
  }
  nlohmann::json join = {{"type", "join"},
                         {"call", options_.call_id},
                         {"participant", options_.participant_id},
                         {"role", options_.role}};
  if (auto error = signalling_.send(join)) return "sending join failed: " + *error;
  std::string error;
  if (!wait_for("joined", error)) return error;

  sdp::OfferParams offer;
  offer.ice_ufrag = local_ufrag;
  offer.ice_pwd = local_password;
  offer.fingerprint = sdp::Fingerprint{"sha-256", certificate_->fingerprint_sha256()};
  offer.cname = cname_;
  offer.audio_ssrc = audio_ssrc_;
  offer.video_ssrc = video_ssrc_;
  // The peer never sends RTX; the SSRC is announced so that the offer looks like a browser's.
  offer.video_rtx_ssrc = random_ssrc();
  if (auto send_error = signalling_.send({{"type", "offer"}, {"sdp", sdp::build_offer(offer)}})) {
    return "sending the offer failed: " + *send_error;
  }
  const std::optional<nlohmann::json> reply = wait_for("answer", error);
  if (!reply) return error;
  const sdp::ParseResult parsed = sdp::parse_answer_for_peer(reply->value("sdp", ""), answer);
  if (!parsed.ok) return "the relay's answer is invalid: " + parsed.describe();
  return std::nullopt;
}

std::optional<nlohmann::json> Peer::Impl::wait_for(std::string_view type, std::string& error) {
  const TimePoint deadline = sightline::now() + milliseconds(options_.signalling_timeout_ms);
  while (sightline::now() < deadline) {
    const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - sightline::now());
    std::optional<nlohmann::json> message = signalling_.receive(remaining);
    if (!message) break;
    const std::string message_type = message->value("type", "");
    if (message_type == type) return message;
    if (message_type == "error") {
      error = "the relay refused: " + message->value("message", "(no message)");
      return std::nullopt;
    }
  }
  error = "timed out after " + std::to_string(options_.signalling_timeout_ms) + " ms waiting for '" +
          std::string(type) + "' from the relay";
  if (!signalling_.is_open()) error += " (signalling closed: " + signalling_.error() + ")";
  return std::nullopt;
}

bool Peer::Impl::send_raw(std::vector<uint8_t> packet, bool rtcp) {
  if (!running_ || !stats().connected) return false;
  {
    std::lock_guard lock(tasks_mutex_);
    tasks_.push_back([this, packet = std::move(packet), rtcp] {
      if (rtcp) {
        transport_->send_rtcp(packet);
      } else {
        transport_->send_rtp(packet);
      }
    });
  }
  uv_async_send(&task_async_);
  return true;
}

bool Peer::Impl::send_unprotected(std::vector<uint8_t> datagram) {
  if (!running_ || !stats().connected) return false;
  {
    std::lock_guard lock(tasks_mutex_);
    tasks_.push_back([this, datagram = std::move(datagram)] { socket_.queue_send(relay_address_, datagram); });
  }
  uv_async_send(&task_async_);
  return true;
}

void Peer::Impl::run_loop() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

void Peer::Impl::stop() {
  if (!running_) return;
  running_ = false;
  uv_async_send(&stop_async_);
  if (thread_.joinable()) thread_.join();
  if (transport_) transport_->close();
  socket_.flush();
  if (signalling_.is_open()) {
    signalling_.send({{"type", "leave"}});
    signalling_.close();
  }
  socket_.close();
}

void Peer::Impl::tick(TimePoint now) {
  transport_->tick(now);
  if (!started_at_) started_at_ = now;
  if (!transport_->connected() && !ever_connected_ && failure_.empty() && now - *started_at_ > kConnectTimeout) {
    failure_ = "no ICE and DTLS connection to the relay at " + relay_address_.to_string() + " within " +
               std::to_string(to_ms(kConnectTimeout) / 1000) + " s";
    log::warn("peer", "connect timed out", {{"participant", options_.participant_id}, {"relay", relay_address_.to_string()}});
  }
  if (transport_->connected()) ever_connected_ = true;
  if (transport_->connected()) {
    sender_->tick(now);
    send_feedback(now);
    if (!next_rtcp_) next_rtcp_ = now + kRtcpInterval;
    if (now >= *next_rtcp_) {
      send_rtcp_reports(now);
      next_rtcp_ = now + kRtcpInterval;
    }
  }
  if (!next_signalling_poll_ || now >= *next_signalling_poll_) {
    poll_signalling();
    next_signalling_poll_ = now + kSignallingPollInterval;
  }
  update_stats(now);
  socket_.flush();
}

void Peer::Impl::send_feedback(TimePoint now) {
  const std::optional<uint32_t> remote_video = receiver_->video_ssrc();
  if (!remote_video) return;
  std::array<uint8_t, kMaxRtcpBytes> buffer{};
  rtp::RtcpWriter writer{MutableByteView(buffer)};
  writer.add_receiver_report(sender_->video_ssrc(), {});
  bool feedback = false;

  const std::span<const uint16_t> nacks = receiver_->collect_nacks(now);
  if (!nacks.empty()) {
    writer.add_nack(sender_->video_ssrc(), *remote_video, nacks);
    nacks_sent_ += nacks.size();
    feedback = true;
  }
  const bool asked = keyframe_request_pending_.exchange(false);
  const bool lost_frame = receiver_->take_keyframe_request();
  if (asked || (lost_frame && (!last_pli_ || now - *last_pli_ >= kPliInterval))) {
    writer.add_pli(sender_->video_ssrc(), *remote_video);
    last_pli_ = now;
    ++plis_sent_;
    feedback = true;
    if (asked) {
      keyframe_requested_at_ = now;
      timestamp_at_request_ = receiver_->newest_video_timestamp();
      keyframe_latency_ms_.reset();
    }
  }
  if (feedback) transport_->send_rtcp(writer.data());

  // Only a keyframe captured after the request answers it: one already in
  // flight when the PLI left has an older RTP timestamp.
  const std::optional<TimePoint> keyframe = receiver_->last_keyframe_decoded();
  if (keyframe_requested_at_ && keyframe && *keyframe >= *keyframe_requested_at_ &&
      static_cast<int32_t>(receiver_->last_keyframe_timestamp() - timestamp_at_request_) > 0) {
    keyframe_latency_ms_ = static_cast<double>(to_us(*keyframe - *keyframe_requested_at_)) / 1000.0;
    keyframe_requested_at_.reset();
  }
}

void Peer::Impl::send_rtcp_reports(TimePoint now) {
  std::array<rtp::ReportBlock, 2> blocks{};
  size_t count = 0;
  for (rtp::ReceiveStatistics* statistics : {receiver_->video_statistics(), receiver_->audio_statistics()}) {
    if (statistics && statistics->received() > 0) blocks[count++] = statistics->build_report_block(now);
  }
  std::array<uint8_t, kMaxRtcpBytes> buffer{};
  rtp::RtcpWriter writer{MutableByteView(buffer)};
  const MediaSender::StreamClock& video = sender_->video_clock();
  if (video.packets > 0) {
    rtp::SenderInfo sender;
    sender.ssrc = sender_->video_ssrc();
    sender.ntp_timestamp = ntp_now();
    sender.rtp_timestamp =
        video.rtp_timestamp + static_cast<uint32_t>(to_us(now - video.sent_at) * 90000 / 1000000);
    sender.packet_count = static_cast<uint32_t>(video.packets);
    sender.octet_count = static_cast<uint32_t>(video.octets);
    writer.add_sender_report(sender, std::span<const rtp::ReportBlock>(blocks.data(), count));
  } else {
    writer.add_receiver_report(sender_->video_ssrc(), std::span<const rtp::ReportBlock>(blocks.data(), count));
  }
  writer.add_sdes_cname(sender_->video_ssrc(), cname_);
  transport_->send_rtcp(writer.data());
}

// RTCP from the relay: NACKs and keyframe requests for what this peer sends,
// sender reports and report blocks for round-trip time.
class PeerRtcpHandler final : public rtp::RtcpVisitor {
 public:
  PeerRtcpHandler(MediaSender& sender, MediaReceiver& receiver, TimePoint now)
      : sender_(sender), receiver_(receiver), now_(now) {}

  void on_sender_report(const rtp::SenderInfo& info, rtp::ReportBlockList blocks) override {
    for (rtp::ReceiveStatistics* statistics : {receiver_.video_statistics(), receiver_.audio_statistics()}) {
      if (statistics && statistics->ssrc() == info.ssrc) statistics->on_sender_report(info.ntp_timestamp, now_);
    }
    read_blocks(blocks);
  }
  void on_receiver_report(uint32_t, rtp::ReportBlockList blocks) override { read_blocks(blocks); }
  void on_nack(uint32_t, uint32_t media_ssrc, rtp::NackList items) override {
    if (media_ssrc != sender_.video_ssrc()) return;
    for (const rtp::NackItem item : items) {
      rtp::for_each_lost_sequence(item, [&](uint16_t sequence_number) { sender_.answer_nack(sequence_number, now_); });
    }
  }
  void on_pli(uint32_t, uint32_t media_ssrc) override {
    if (media_ssrc == sender_.video_ssrc()) sender_.request_keyframe();
  }
  void on_fir(uint32_t, rtp::FirList entries) override {
    for (const rtp::FirEntry entry : entries) {
      if (entry.ssrc == sender_.video_ssrc()) sender_.request_keyframe();
    }
  }
  std::optional<Duration> rtt() const { return rtt_; }

 private:
  void read_blocks(rtp::ReportBlockList blocks) {
    for (const rtp::ReportBlock block : blocks) {
      if (block.ssrc != sender_.video_ssrc()) continue;
      if (auto rtt = rtp::rtt_from_report_block(block, ntp_now())) rtt_ = rtt;
    }
  }

  MediaSender& sender_;
  MediaReceiver& receiver_;
  TimePoint now_;
  std::optional<Duration> rtt_;
};

void Peer::Impl::on_rtcp(ByteView compound, TimePoint now) {
  PeerRtcpHandler handler(*sender_, *receiver_, now);
  if (rtp::parse_rtcp_compound(compound, handler) != rtp::RtcpParseError::ok) return;
  if (handler.rtt()) {
    rtt_ms_ = static_cast<double>(to_us(*handler.rtt())) / 1000.0;
    receiver_->set_rtt(*handler.rtt());
  }
}

void Peer::Impl::on_rtp(rtp::RtpPacket& packet, TimePoint now) { receiver_->on_rtp(packet, now); }

void Peer::Impl::on_transport_connected() {
  log::info("peer", "connected", {{"participant", options_.participant_id}, {"srtp_profile", transport_->srtp_profile()}});
}

void Peer::Impl::on_transport_failed(std::string_view reason) {
  failure_ = std::string(reason);
  log::warn("peer", "transport failed", {{"participant", options_.participant_id}, {"reason", reason}});
}

void Peer::Impl::poll_signalling() {
  while (signalling_.is_open()) {
    std::optional<nlohmann::json> message = signalling_.receive(milliseconds(0));
    if (!message) break;
    const std::string type = message->value("type", "");
    if (type == "call-ended" || type == "error") {
      failure_ = type + ": " + message->value("reason", message->value("message", ""));
      log::warn("peer", "signalling", {{"participant", options_.participant_id}, {"message", *message}});
    }
  }
}

void Peer::Impl::update_stats(TimePoint) {
  PeerStats stats;
  stats.connected = transport_->connected();
  stats.srtp_profile = std::string(transport_->srtp_profile());
  stats.failure = failure_;

  const MediaSenderCounters& sent = sender_->counters();
  const MediaReceiverCounters& received = receiver_->counters();
  stats.frames_sent = sent.frames_sent;
  stats.keyframes_sent = sent.keyframes_sent;
  stats.audio_frames_sent = sent.audio_frames_sent;
  stats.rtp_packets_sent = sent.rtp_packets_sent;
  stats.retransmissions_sent = sent.retransmissions_sent;
  stats.keyframe_requests_received = sent.keyframe_requests_received;

  stats.frames_decoded = received.frames_decoded;
  stats.keyframes_decoded = received.keyframes_decoded;
  stats.frames_corrupt = received.frames_corrupt;
  stats.frames_scored = received.frames_scored;
  stats.psnr_db = received.frames_scored ? received.psnr_sum_db / static_cast<double>(received.frames_scored) : 0;
  stats.psnr_min_db = received.psnr_min_db;
  stats.audio_frames_decoded = received.audio_frames_decoded;
  stats.rtp_packets_received = received.rtp_packets_received;
  stats.rtp_dropped_by_loss = transport_->counters().rtp_dropped_by_loss;
  stats.rtp_retransmissions_identical = transport_->counters().rtp_retransmissions_identical;
  stats.rtp_retransmissions_changed = transport_->counters().rtp_retransmissions_changed;
  stats.video_packets_lost = received.video_packets_lost;

  stats.nacks_sent = nacks_sent_;
  stats.plis_sent = plis_sent_;
  stats.jitter_ms = static_cast<double>(received.video_jitter_rtp) / 90.0;
  stats.rtt_ms = rtt_ms_;
  // A request not yet sent has no answer yet; without this, the previous
  // request's latency would read as the answer to the new one.
  if (!keyframe_request_pending_.load()) stats.keyframe_latency_ms = keyframe_latency_ms_;
  std::lock_guard lock(stats_mutex_);
  stats_ = std::move(stats);
}

Peer::Peer(PeerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Peer::~Peer() = default;
std::optional<std::string> Peer::start() { return impl_->start(); }
void Peer::stop() { impl_->stop(); }
void Peer::request_keyframe() { impl_->request_keyframe(); }
PeerStats Peer::stats() const { return impl_->stats(); }
bool Peer::send_raw_rtp(std::vector<uint8_t> packet) { return impl_->send_raw(std::move(packet), false); }
bool Peer::send_raw_rtcp(std::vector<uint8_t> compound) { return impl_->send_raw(std::move(compound), true); }
bool Peer::send_unprotected(std::vector<uint8_t> datagram) { return impl_->send_unprotected(std::move(datagram)); }
const PeerOptions& Peer::options() const { return impl_->options(); }

}  // namespace sightline::peer

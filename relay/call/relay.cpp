// Relay: places calls on media workers and runs the signalling of each
// participant (join, SDP offer and answer, leave) on the control thread.
#include "relay/call/relay.h"

#include <openssl/rand.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "relay/base/log.h"
#include "relay/call/call_worker.h"
#include "relay/control/control_server.h"
#include "relay/control/metrics_registry.h"
#include "relay/control/signalling_messages.h"
#include "relay/crypto/dtls_certificate.h"
#include "relay/crypto/srtp_session.h"
#include "relay/ice/ice_lite_agent.h"
#include "relay/sdp/sdp_answer.h"
#include "relay/sdp/sdp_parser.h"
#include "relay/sdp/sdp_writer.h"

namespace sightline::call {

namespace {

// Host candidate priority for a UDP candidate (RFC 8445 section 5.1.2.1 with
// type preference 126, local preference 65535, component 1).
// Largest DTLS datagram: below the path MTU of any network a browser is on,
// with room for IP and UDP headers and tunnels.
constexpr size_t kDtlsMtuBytes = 1200;

constexpr uint32_t kHostUdpPriority = (126u << 24) | (65535u << 8) | (256u - 1u);

// Passive TCP host candidate priority, RFC 6544 section 4.2: the same
// formula, with a local preference of (2^13 * direction-pref + other-pref).
// Type preference 90 is below every UDP candidate type a browser offers
// (host 126, peer-reflexive 110, server-reflexive 100) and above relayed (0),
// so a browser uses TCP only when no direct UDP path works. Direction
// preference 4 is the one RFC 6544 gives passive candidates of a host that
// is not behind NAT; other-pref 8191 is its largest value.
constexpr uint32_t kTcpTypePreference = 90;
constexpr uint32_t kPassiveDirectionPreference = 4;
constexpr uint32_t kTcpLocalPreference = (kPassiveDirectionPreference << 13) | 8191u;
constexpr uint32_t kHostTcpPassivePriority = (kTcpTypePreference << 24) | (kTcpLocalPreference << 8) | (256u - 1u);
static_assert(kHostTcpPassivePriority < kHostUdpPriority);

uint32_t random_ssrc() {
  uint32_t value = 0;
  while (value == 0) RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
  return value;
}

}  // namespace

class Relay::Impl final : public control::ControlHandler, public CallEvents {
 public:
  explicit Impl(control::RelayConfig config) : config_(std::move(config)) {}

  void set_hooks(RelayHooks hooks) { hooks_ = std::move(hooks); }
  bool set_call_phase(const std::string& call_id, CallPhase phase);
  bool end_call(const std::string& call_id, const std::string& reason);
  std::optional<CallPhase> call_phase(const std::string& call_id) const;
  bool warn_call(const std::string& call_id, const std::string& reason, const std::string& text);
  std::vector<CallSnapshot> calls() const;
  void send_staff(control::SessionId session, const nlohmann::json& message);
  void close_staff(control::SessionId session, std::string reason);
  std::optional<std::string> start();
  void stop();
  uint16_t control_port() const { return server_ ? server_->port() : 0; }
  uint16_t media_port(int index) const {
    if (index < 0 || static_cast<size_t>(index) >= workers_.size()) return 0;
    return workers_[static_cast<size_t>(index)]->local_address().port();
  }
  uint16_t tcp_media_port(int index) const {
    if (index < 0 || static_cast<size_t>(index) >= workers_.size()) return 0;
    return workers_[static_cast<size_t>(index)]->tcp_local_address().port();
  }
  RelayTotals totals() const;
  size_t session_count() const;
  size_t call_count() const;

  // control::ControlHandler, on the control thread.
  void on_ws_open(control::SessionId session, const control::HttpRequestInfo& request) override;
  void on_ws_message(control::SessionId session, const nlohmann::json& message) override;
  void on_ws_close(control::SessionId session) override;
  control::HttpResponse on_http(const control::HttpRequestInfo& request) override;

  // CallEvents, on a worker thread.
  void on_participant_connected(const std::string& call_id, const std::string& participant_id,
                                uint64_t session) override;
  void on_participant_failed(const std::string& call_id, const std::string& participant_id, uint64_t session,
                             std::string_view reason) override;

 private:
  struct Session {
    control::HttpRequestInfo request;
    std::string call_id;
    std::string participant_id;
    control::ParticipantRole role = control::ParticipantRole::caller;
    bool joined = false;
    // From this session's last answer, so that a later offer keeps the
    // SSRCs, and the ICE credentials unless the offer restarts ICE.
    struct Answered {
      uint32_t audio_ssrc = 0;
      uint32_t video_ssrc = 0;
      std::string local_ufrag;
      std::string local_password;
      std::string remote_ufrag;
    };
    std::optional<Answered> answered;
    // The participant's last media-state message; none means both on.
    std::optional<control::MediaStateMessage> media_state;
  };
  struct CallRecord {
    int worker = 0;
    CallPhase phase = CallPhase::live;
    std::chrono::system_clock::time_point created = std::chrono::system_clock::now();
    // Set when the second party joins; the call log counts from here.
    std::optional<std::chrono::system_clock::time_point> parties_met;
    std::map<std::string, control::SessionId> participants;
  };

  void handle_join(control::SessionId id, Session& session, const control::JoinMessage& join);
  void handle_offer(control::SessionId id, Session& session, const control::OfferMessage& offer);
  // Passes a participant's microphone and camera state on to the others in its call.
  void handle_media_state(control::SessionId id, Session& session, const control::MediaStateMessage& state);
  void leave(control::SessionId id, Session& session);
  void send_error(control::SessionId id, std::string_view code, std::string_view message);
  CallSnapshot snapshot(const std::string& call_id, const CallRecord& record) const;
  // Tells the call_changed hook; call with mutex_ held.
  void report_change(const std::string& call_id, const CallRecord& record);
  void report_removal(const std::string& call_id);
  bool is_staff_session(control::SessionId id) const;
  int choose_worker() const;
  void collect_metrics(control::MetricsWriter& writer) const;

  control::RelayConfig config_;
  RelayHooks hooks_;
  std::shared_ptr<crypto::DtlsCertificate> certificate_;
  std::vector<std::unique_ptr<CallWorker>> workers_;
  control::MetricsRegistry metrics_;
  std::unique_ptr<control::ControlServer> server_;

  mutable std::mutex mutex_;  // guards sessions_ and calls_ for readers outside the control thread
  std::unordered_map<control::SessionId, Session> sessions_;
  std::unordered_map<std::string, CallRecord> calls_;
  // Staff console sessions; its own lock, so that routing them never waits
  // for call signalling.
  mutable std::mutex staff_mutex_;
  std::unordered_set<control::SessionId> staff_sessions_;
};

std::optional<std::string> Relay::Impl::start() {
  if (!crypto::initialize_srtp_library()) return "libsrtp initialisation failed";
  // A fresh certificate per run: its fingerprint travels in every answer.
  certificate_ = crypto::DtlsCertificate::generate_ecdsa();
  if (!certificate_) return "generating the DTLS certificate failed";

  const int worker_count = std::max(1, static_cast<int>(config_.media_workers));
  for (int i = 0; i < worker_count; ++i) {
    const uint16_t port = config_.first_media_port == 0 ? 0 : static_cast<uint16_t>(config_.first_media_port + i);
    const std::optional<SocketAddress> bind = SocketAddress::parse(config_.media_bind_address, port);
    if (!bind) return "invalid media address '" + config_.media_bind_address + "': expected an IPv4 or IPv6 address";
    net::TcpOptions tcp;
    tcp.enabled = config_.media_tcp;
    tcp.port = config_.first_tcp_port == 0 ? 0 : static_cast<uint16_t>(config_.first_tcp_port + i);
    tcp.max_connections = config_.tcp_max_connections;
    tcp.handshake_timeout = config_.tcp_handshake_timeout;
    net::UdpOptions udp;
    udp.gso = config_.media_udp_gso;
    udp.gro = config_.media_udp_gro;
    auto worker = std::make_unique<CallWorker>(i, *bind, *this, tcp, udp);
    std::string error;
    if (!worker->start(&error)) {
      stop();
      return "media worker " + std::to_string(i) + ": " + error;
    }
    workers_.push_back(std::move(worker));
  }

  metrics_.add_collector([this](control::MetricsWriter& writer) { collect_metrics(writer); });
  control::ControlServerConfig server_config = config_.control;
  if (hooks_.staff) server_config.websocket_paths.push_back(hooks_.staff->path);
  server_ = std::make_unique<control::ControlServer>(std::move(server_config), *this, &metrics_);
  if (auto error = server_->start()) {
    stop();
    return "control server: " + *error;
  }
  log::info("relay", "started",
            {{"control", config_.control.bind_address + ":" + std::to_string(server_->port())},
             {"workers", worker_count},
             {"media", workers_.front()->local_address().to_string()}});
  return std::nullopt;
}

void Relay::Impl::stop() {
  // The server first, so that no signalling reaches a stopped worker.
  if (server_) server_->stop();
  for (auto& worker : workers_) worker->stop();
  workers_.clear();
  server_.reset();
  std::lock_guard lock(mutex_);
  sessions_.clear();
  calls_.clear();
}

bool Relay::Impl::is_staff_session(control::SessionId id) const {
  std::lock_guard lock(staff_mutex_);
  return staff_sessions_.count(id) != 0;
}

void Relay::Impl::on_ws_open(control::SessionId id, const control::HttpRequestInfo& request) {
  if (hooks_.staff && request.path == hooks_.staff->path) {
    {
      std::lock_guard lock(staff_mutex_);
      staff_sessions_.insert(id);
    }
    if (hooks_.staff->open) hooks_.staff->open(id, request);
    return;
  }
  std::lock_guard lock(mutex_);
  Session session;
  session.request = request;
  sessions_.emplace(id, std::move(session));
  log::debug("signalling", "session opened", {{"session", id}, {"remote", request.remote_address}});
}

control::HttpResponse Relay::Impl::on_http(const control::HttpRequestInfo& request) {
  if (hooks_.http) {
    if (auto response = hooks_.http(request)) return std::move(*response);
  }
  return control::ControlHandler::on_http(request);
}

void Relay::Impl::on_ws_message(control::SessionId id, const nlohmann::json& message) {
  if (is_staff_session(id)) {
    if (hooks_.staff->message) hooks_.staff->message(id, message);
    return;
  }
  const control::ParsedClientMessage parsed = control::parse_client_message(message);
  if (!parsed) {
    send_error(id, control::error_code::kInvalidMessage, parsed.error);
    return;
  }
  std::unique_lock lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  Session& session = it->second;
  const control::ClientMessage& client_message = *parsed.message;

  if (const auto* join = std::get_if<control::JoinMessage>(&client_message)) {
    handle_join(id, session, *join);
  } else if (!session.joined) {
    send_error(id, control::error_code::kNotJoined, "send a join message first");
  } else if (const auto* offer = std::get_if<control::OfferMessage>(&client_message)) {
    handle_offer(id, session, *offer);
  } else if (std::holds_alternative<control::CandidateMessage>(client_message)) {
    // The relay is ICE-lite (RFC 8445 section 2.5): it learns the peer's
    // addresses from its connectivity checks, so trickled candidates need
    // no action beyond validation.
  } else if (const auto* media_state = std::get_if<control::MediaStateMessage>(&client_message)) {
    handle_media_state(id, session, *media_state);
  } else if (std::holds_alternative<control::LeaveMessage>(client_message)) {
    leave(id, session);
  }
}

void Relay::Impl::handle_media_state(control::SessionId id, Session& session,
                                     const control::MediaStateMessage& state) {
  session.media_state = state;
  const auto call_it = calls_.find(session.call_id);
  if (call_it == calls_.end()) return;
  const nlohmann::json message = control::make_media_state(session.participant_id, state);
  for (const auto& [participant_id, other_session] : call_it->second.participants) {
    if (other_session != id) server_->send(other_session, message);
  }
}

void Relay::Impl::on_ws_close(control::SessionId id) {
  bool staff = false;
  {
    std::lock_guard staff_lock(staff_mutex_);
    staff = staff_sessions_.erase(id) != 0;
  }
  if (staff) {
    if (hooks_.staff->close) hooks_.staff->close(id);
    return;
  }
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  leave(id, it->second);
  sessions_.erase(it);
}

void Relay::Impl::handle_join(control::SessionId id, Session& session, const control::JoinMessage& join) {
  if (session.joined) {
    server_->send(id, control::make_join_rejected("this session has already joined call " + session.call_id,
                                                  "already_joined"));
    return;
  }
  auto call_it = calls_.find(join.call);
  if (call_it != calls_.end() && call_it->second.participants.count(join.participant) != 0) {
    server_->send(id, control::make_join_rejected(
                          "participant " + join.participant + " is already in call " + join.call, "already_in_call"));
    return;
  }
  JoinDecision decision;
  if (hooks_.admit) decision = hooks_.admit(join, session.request);
  if (decision.refusal) {
    server_->send(id, control::make_join_rejected(*decision.refusal, decision.refusal_reason));
    return;
  }
  if (call_it == calls_.end()) {
    CallRecord record;
    record.worker = choose_worker();
    record.phase = decision.hold_for_id_check ? CallPhase::id_check : CallPhase::live;
    call_it = calls_.emplace(join.call, std::move(record)).first;
  }
  CallRecord& record = call_it->second;

  std::vector<std::string> others;
  nlohmann::json roles = nlohmann::json::object();
  for (const auto& [participant_id, other_session] : record.participants) {
    others.push_back(participant_id);
    if (const auto other = sessions_.find(other_session); other != sessions_.end()) {
      roles[participant_id] = control::to_string(other->second.role);
    }
    server_->send(other_session, control::make_participant_joined(join.participant, control::to_string(join.role)));
  }
  record.participants.emplace(join.participant, id);
  if (!record.parties_met && join.role != control::ParticipantRole::officer) {
    size_t parties = 0;
    for (const auto& [participant_id, other] : record.participants) {
      const auto found = sessions_.find(other);
      const bool officer = other != id && found != sessions_.end() && found->second.role == control::ParticipantRole::officer;
      if (!officer) ++parties;
    }
    if (parties >= 2) record.parties_met = std::chrono::system_clock::now();
  }
  session.call_id = join.call;
  session.participant_id = join.participant;
  session.role = join.role;
  session.joined = true;
  nlohmann::json joined = control::make_joined(join.call, join.participant, others);
  joined["roles"] = std::move(roles);
  if (!decision.rejoin_ticket.empty()) joined["rejoin"] = decision.rejoin_ticket;
  server_->send(id, joined);
  // Who is already muted or has the camera off, for a participant who joins later.
  for (const auto& [participant_id, other_session] : record.participants) {
    const auto other = sessions_.find(other_session);
    if (other_session == id || other == sessions_.end() || !other->second.media_state) continue;
    server_->send(id, control::make_media_state(participant_id, *other->second.media_state));
  }
  server_->send(id, control::make_call_state(to_string(record.phase)));
  report_change(join.call, record);
  log::info("signalling", "joined",
            {{"call", join.call}, {"participant", join.participant}, {"role", control::to_string(join.role)},
             {"worker", record.worker}});
}

void Relay::Impl::handle_offer(control::SessionId id, Session& session, const control::OfferMessage& offer_message) {
  sdp::SessionDescription offer;
  const sdp::ParseResult parsed = sdp::parse_sdp(offer_message.sdp, offer);
  if (!parsed.ok) {
    send_error(id, control::error_code::kInvalidMessage, parsed.describe());
    log::warn("signalling", "offer rejected",
              {{"call", session.call_id}, {"participant", session.participant_id}, {"reason", parsed.describe()}});
    return;
  }

  CallRecord& record = calls_.at(session.call_id);
  CallWorker& worker = *workers_[static_cast<size_t>(record.worker)];
  const std::string& announced =
      config_.announced_address.empty() ? config_.media_bind_address : config_.announced_address;

  sdp::LocalEndpoint local;
  if (session.answered) {
    local.ice_ufrag = session.answered->local_ufrag;
    local.ice_pwd = session.answered->local_password;
  } else {
    local.ice_ufrag = ice::IceLiteAgent::random_ice_string(ice::kIceUfragLength);
    local.ice_pwd = ice::IceLiteAgent::random_ice_string(ice::kIcePasswordLength);
  }
  local.fingerprint = sdp::Fingerprint{"sha-256", certificate_->fingerprint_sha256()};
  local.candidates.push_back(sdp::LocalCandidate{announced, worker.local_address().port(), "udp", "", kHostUdpPriority, "1"});
  // RFC 6544: a passive candidate's port is the one it listens on. A
  // different foundation, since the transport differs (RFC 8445 5.1.1.3).
  const SocketAddress tcp_address = worker.tcp_local_address();
  if (!tcp_address.empty()) {
    local.candidates.push_back(
        sdp::LocalCandidate{announced, tcp_address.port(), "tcp", "passive", kHostTcpPassivePriority, "2"});
  }
  const uint32_t audio_ssrc = session.answered ? session.answered->audio_ssrc : random_ssrc();
  const uint32_t video_ssrc = session.answered ? session.answered->video_ssrc : random_ssrc();
  const std::string cname = "sightline";
  local.streams.push_back(sdp::LocalStream{sdp::MediaKind::audio, "", audio_ssrc, std::nullopt, cname, "sightline", "audio"});
  local.streams.push_back(sdp::LocalStream{sdp::MediaKind::video, "", video_ssrc, std::nullopt, cname, "sightline", "video"});

  sdp::AnswerResult answer = sdp::build_answer(offer, local);
  // RFC 8839 section 4.4.1.1.2: an offer with new ICE credentials restarts
  // ICE, and the answer then carries new credentials of its own.
  if (answer.ok && session.answered && answer.remote_ice_ufrag != session.answered->remote_ufrag) {
    local.ice_ufrag = ice::IceLiteAgent::random_ice_string(ice::kIceUfragLength);
    local.ice_pwd = ice::IceLiteAgent::random_ice_string(ice::kIcePasswordLength);
    answer = sdp::build_answer(offer, local);
  }
  if (!answer.ok) {
    send_error(id, control::error_code::kInvalidMessage, answer.error);
    log::warn("signalling", "offer rejected",
              {{"call", session.call_id}, {"participant", session.participant_id}, {"reason", answer.error}});
    return;
  }
  // A rejected section (port 0) leaves that track out of the call, so each one is logged with the reason.
  for (const sdp::RejectedSection& rejected : answer.rejected) {
    log::warn("signalling", "offer section rejected",
              {{"call", session.call_id}, {"participant", session.participant_id}, {"mid", rejected.mid},
               {"index", rejected.index}, {"reason", rejected.reason}});
  }

  ParticipantSetup setup;
  setup.call_id = session.call_id;
  setup.participant_id = session.participant_id;
  setup.role = session.role;
  setup.session = id;
  setup.transport.local_ufrag = local.ice_ufrag;
  setup.transport.local_password = local.ice_pwd;
  setup.transport.remote_ufrag = answer.remote_ice_ufrag;
  setup.transport.remote_password = answer.remote_ice_pwd;
  setup.transport.remote_fingerprint_algorithm = answer.remote_fingerprint.algorithm;
  setup.transport.remote_fingerprint = answer.remote_fingerprint.value;
  setup.transport.certificate = certificate_;
  setup.transport.mtu = kDtlsMtuBytes;
  for (const sdp::NegotiatedMedia& media : answer.media) {
    MediaFormat& format = media.kind == sdp::MediaKind::audio ? setup.audio : setup.video;
    format.negotiated = true;
    format.payload_type = media.payload_type;
    format.rtx_payload_type = media.rtx_payload_type.value_or(0);
    format.clock_rate = media.clock_rate;
    // Transport-level settings come from the video section when there is one.
    if (media.kind == sdp::MediaKind::video || !setup.video.negotiated) {
      setup.extensions = media.extension_ids;
      setup.transport_cc = setup.transport_cc || media.feedback.transport_cc;
      setup.remb = setup.remb || media.feedback.remb;
    }
    if (media.kind == sdp::MediaKind::video) setup.simulcast_rids = media.simulcast_rids;
  }
  setup.audio_ssrc = audio_ssrc;
  setup.video_ssrc = video_ssrc;
  setup.cname = cname;
  setup.call_phase = record.phase;
  if (session.role != control::ParticipantRole::officer) setup.tap = hooks_.media_tap;

  session.answered = Session::Answered{audio_ssrc, video_ssrc, local.ice_ufrag, local.ice_pwd, answer.remote_ice_ufrag};

  CallWorker* worker_ptr = &worker;
  worker.media_worker().post([worker_ptr, setup = std::move(setup)]() mutable {
    worker_ptr->add_participant(std::move(setup));
  });
  server_->send(id, control::make_answer(sdp::write_sdp(answer.answer)));
}

void Relay::Impl::leave(control::SessionId id, Session& session) {
  if (!session.joined) return;
  auto call_it = calls_.find(session.call_id);
  session.joined = false;
  session.answered.reset();
  session.media_state.reset();
  if (call_it == calls_.end()) return;
  CallRecord& record = call_it->second;
  record.participants.erase(session.participant_id);

  CallWorker* worker = workers_[static_cast<size_t>(record.worker)].get();
  const std::string call_id = session.call_id;
  const std::string participant_id = session.participant_id;
  const bool last = record.participants.empty();
  worker->media_worker().post([worker, call_id, participant_id, last] {
    worker->remove_participant(call_id, participant_id);
    if (last) worker->destroy_call(call_id);
  });
  for (const auto& [other_id, other_session] : record.participants) {
    server_->send(other_session, control::make_participant_left(participant_id));
  }
  if (last) {
    if (record.parties_met && hooks_.call_ended) {
      hooks_.call_ended(call_id, *record.parties_met, std::chrono::system_clock::now());
    }
    calls_.erase(call_it);
    report_removal(call_id);
  } else {
    report_change(call_id, record);
  }
  log::info("signalling", "left", {{"call", call_id}, {"participant", participant_id}, {"session", id}});
}

bool Relay::Impl::set_call_phase(const std::string& call_id, CallPhase phase) {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return false;
  CallRecord& record = it->second;
  record.phase = phase;
  CallWorker* worker = workers_[static_cast<size_t>(record.worker)].get();
  worker->media_worker().post([worker, call_id, phase] { worker->set_call_phase(call_id, phase); });
  for (const auto& [participant_id, session] : record.participants) {
    server_->send(session, control::make_call_state(to_string(phase)));
  }
  report_change(call_id, record);
  log::info("signalling", "call phase", {{"call", call_id}, {"phase", to_string(phase)}});
  return true;
}

bool Relay::Impl::end_call(const std::string& call_id, const std::string& reason) {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return false;
  // Copied: leave() erases the record with its last participant.
  const std::map<std::string, control::SessionId> participants = it->second.participants;
  for (const auto& [participant_id, session_id] : participants) {
    server_->send(session_id, control::make_call_ended(reason));
    auto session = sessions_.find(session_id);
    if (session != sessions_.end()) leave(session_id, session->second);
    server_->close(session_id, "call ended");
  }
  // A call with no participants left was removed by leave(); one whose
  // participants never joined fully is removed here.
  if (calls_.erase(call_id) != 0) report_removal(call_id);
  log::info("signalling", "call ended", {{"call", call_id}, {"reason", reason}});
  return true;
}

bool Relay::Impl::warn_call(const std::string& call_id, const std::string& reason, const std::string& text) {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return false;
  nlohmann::json warning = control::make_warning(reason);
  if (!text.empty()) warning["text"] = text;
  for (const auto& [participant_id, session_id] : it->second.participants) {
    server_->send(session_id, warning);
  }
  log::info("signalling", "call warned", {{"call", call_id}, {"reason", reason}});
  return true;
}

std::vector<CallSnapshot> Relay::Impl::calls() const {
  std::lock_guard lock(mutex_);
  std::vector<CallSnapshot> result;
  result.reserve(calls_.size());
  for (const auto& [call_id, record] : calls_) result.push_back(snapshot(call_id, record));
  std::sort(result.begin(), result.end(),
            [](const CallSnapshot& a, const CallSnapshot& b) { return a.call_id < b.call_id; });
  return result;
}

void Relay::Impl::send_staff(control::SessionId session, const nlohmann::json& message) {
  if (server_) server_->send(session, message);
}

void Relay::Impl::close_staff(control::SessionId session, std::string reason) {
  if (server_) server_->close(session, std::move(reason));
}

CallSnapshot Relay::Impl::snapshot(const std::string& call_id, const CallRecord& record) const {
  CallSnapshot result;
  result.call_id = call_id;
  result.phase = record.phase;
  result.created = record.created;
  result.parties_met = record.parties_met;
  for (const auto& [participant_id, session_id] : record.participants) {
    const auto session = sessions_.find(session_id);
    if (session == sessions_.end() || !session->second.joined) continue;
    result.participants.push_back({participant_id, session->second.role});
  }
  return result;
}

void Relay::Impl::report_change(const std::string& call_id, const CallRecord& record) {
  if (hooks_.call_changed) hooks_.call_changed(snapshot(call_id, record));
}

void Relay::Impl::report_removal(const std::string& call_id) {
  if (hooks_.call_removed) hooks_.call_removed(call_id);
}

std::optional<CallPhase> Relay::Impl::call_phase(const std::string& call_id) const {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return std::nullopt;
  return it->second.phase;
}

void Relay::Impl::send_error(control::SessionId id, std::string_view code, std::string_view message) {
  server_->send(id, control::make_error(code, message));
}

int Relay::Impl::choose_worker() const {
  // The worker with the fewest calls; calls_ also counts calls whose first
  // participant has not offered yet, which the workers do not know about.
  std::vector<int64_t> load(workers_.size(), 0);
  for (const auto& [id, record] : calls_) ++load[static_cast<size_t>(record.worker)];
  return static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
}

void Relay::Impl::on_participant_connected(const std::string& call_id, const std::string& participant_id,
                                           uint64_t session) {
  server_->send(session, nlohmann::json{{"type", "connected"}, {"call", call_id}, {"participant", participant_id}});
}

void Relay::Impl::on_participant_failed(const std::string& call_id, const std::string& participant_id,
                                        uint64_t session, std::string_view reason) {
  // Call::on_failed has logged it with the reason.
  (void)call_id;
  (void)participant_id;
  server_->send(session, control::make_error("transport-failed", reason));
}

RelayTotals Relay::Impl::totals() const {
  RelayTotals totals;
  for (const auto& worker : workers_) {
    const RelayCounters& c = worker->counters();
    totals.rtp_packets_in += c.rtp_packets_in.value();
    totals.rtp_packets_out += c.rtp_packets_out.value();
    totals.rtp_bytes_in += c.rtp_bytes_in.value();
    totals.rtp_bytes_out += c.rtp_bytes_out.value();
    totals.retransmissions_sent += c.retransmissions_sent.value();
    totals.nacks_received += c.nacks_received.value();
    totals.keyframe_requests_forwarded += c.keyframe_requests_forwarded.value();
    for (size_t i = 0; i < static_cast<size_t>(RejectReason::count_); ++i) {
      totals.rejected_by_reason[i] += c.rejected[i].value();
      if (static_cast<RejectReason>(i) != RejectReason::rtcp_skipped) totals.rejected += c.rejected[i].value();
    }
    totals.calls += c.calls.value();
    totals.participants += c.participants.value();
    const net::UdpSendCounters& udp = worker->media_worker().udp_send_counters();
    totals.udp_datagrams_sent += udp.datagrams_sent();
    totals.udp_messages_sent += udp.messages_sent();
    totals.udp_gso_messages_sent += udp.gso_messages_sent();
  }
  return totals;
}

namespace {

// A per-worker counter and the Prometheus family it is exported as.
struct CounterMetric {
  const char* name;
  const char* help;
  Counter RelayCounters::*counter;
};

constexpr CounterMetric kCounterMetrics[] = {
    {"sightline_rtp_packets_received_total", "RTP packets received and decrypted", &RelayCounters::rtp_packets_in},
    {"sightline_rtp_bytes_received_total", "RTP bytes received and decrypted", &RelayCounters::rtp_bytes_in},
    {"sightline_rtp_packets_sent_total", "RTP packets forwarded to subscribers", &RelayCounters::rtp_packets_out},
    {"sightline_rtp_bytes_sent_total", "RTP bytes forwarded to subscribers", &RelayCounters::rtp_bytes_out},
    {"sightline_rtcp_packets_received_total", "RTCP compound packets received", &RelayCounters::rtcp_packets_in},
    {"sightline_rtcp_packets_sent_total", "RTCP compound packets sent", &RelayCounters::rtcp_packets_out},
    {"sightline_retransmissions_sent_total", "RTP packets resent in answer to NACKs",
     &RelayCounters::retransmissions_sent},
    {"sightline_retransmissions_held_total", "Repeated NACKs not answered because the packet was resent moments before",
     &RelayCounters::retransmissions_held},
    {"sightline_retransmissions_superseded_total",
     "NACKed packets not resent because a later key frame was sent, which replaces them",
     &RelayCounters::retransmissions_superseded},
    {"sightline_keyframe_requests_forwarded_total", "PLI or FIR forwarded to publishers",
     &RelayCounters::keyframe_requests_forwarded},
    {"sightline_transport_feedback_sent_total", "Transport-wide congestion feedback packets sent to publishers",
     &RelayCounters::transport_feedback_sent},
    {"sightline_transport_feedback_received_total", "Transport-wide congestion feedback packets from subscribers",
     &RelayCounters::transport_feedback_received},
    {"sightline_layer_switches_total", "Simulcast layer switches on subscribers' video",
     &RelayCounters::layer_switches},
    {"sightline_layer_switch_keyframe_requests_total", "PLI sent to publishers for a pending layer switch",
     &RelayCounters::layer_switch_keyframe_requests},
    {"sightline_dtls_handshakes_total", "DTLS handshakes completed", &RelayCounters::dtls_handshakes_completed},
    {"sightline_dtls_handshake_failures_total", "DTLS handshakes failed", &RelayCounters::dtls_handshakes_failed},
};


void collect_tcp_metrics(control::MetricsWriter& writer, const net::TcpCounters& tcp, const control::MetricLabels& labels) {
  const auto value = [](const std::atomic<uint64_t>& counter) {
    return static_cast<double>(counter.load(std::memory_order_relaxed));
  };
  writer.counter("sightline_tcp_connections_accepted_total", "ICE-TCP connections accepted", value(tcp.accepted),
                 labels);
  writer.counter("sightline_tcp_connections_refused_total",
                 "ICE-TCP connections refused because the worker had media.tcp-max-connections open",
                 value(tcp.refused_at_limit), labels);
  writer.counter("sightline_tcp_frames_received_total", "RFC 4571 frames received over ICE-TCP",
                 value(tcp.frames_received), labels);
  writer.counter("sightline_tcp_frames_sent_total", "RFC 4571 frames queued for sending over ICE-TCP",
                 value(tcp.frames_sent), labels);
  writer.counter("sightline_tcp_send_queue_drops_total",
                 "Packets dropped because an ICE-TCP connection's send queue was full", value(tcp.send_queue_full),
                 labels);
  for (const auto& [reason, counter] : {std::pair{"empty", &tcp.empty_frames}, std::pair{"oversize", &tcp.oversize_frames}}) {
    control::MetricLabels reason_labels = labels;
    reason_labels.emplace_back("reason", reason);
    writer.counter("sightline_tcp_frames_skipped_total", "RFC 4571 frames skipped, by reason", value(*counter),
                   reason_labels);
  }
  for (size_t i = 0; i < static_cast<size_t>(net::TcpCloseReason::count_); ++i) {
    control::MetricLabels reason_labels = labels;
    reason_labels.emplace_back("reason", net::to_string(static_cast<net::TcpCloseReason>(i)));
    writer.counter("sightline_tcp_connections_closed_total", "ICE-TCP connections closed, by reason",
                   value(tcp.closed[i]), reason_labels);
  }
  writer.gauge("sightline_tcp_connections", "Open ICE-TCP connections",
               static_cast<double>(tcp.open.load(std::memory_order_relaxed)), labels);
}

void collect_udp_send_metrics(control::MetricsWriter& writer, const net::MediaWorker& media,
                              const control::MetricLabels& labels) {
  const net::UdpSendCounters& udp = media.udp_send_counters();
  auto value = [](uint64_t count) { return static_cast<double>(count); };
  writer.counter("sightline_datagrams_sent_total", "UDP datagrams sent on media ports", value(udp.datagrams_sent()),
                 labels);
  writer.counter("sightline_udp_send_messages_total",
                 "UDP messages the kernel accepted on media ports; with GSO one message carries several datagrams",
                 value(udp.messages_sent()), labels);
  writer.counter("sightline_udp_gso_messages_total", "UDP messages sent with GSO (more than one datagram each)",
                 value(udp.gso_messages_sent()), labels);
  writer.counter("sightline_udp_send_errors_total", "UDP datagrams dropped because the kernel refused them",
                 value(udp.send_errors()), labels);
  writer.counter("sightline_udp_gso_fallbacks_total",
                 "Times a media socket turned UDP GSO off because the kernel lacked or rejected it",
                 value(udp.gso_fallbacks()), labels);
  writer.gauge("sightline_udp_gso_active", "1 while the media socket sends with UDP GSO",
               media.udp_gso_active() ? 1.0 : 0.0, labels);
  writer.counter("sightline_udp_gro_messages_total",
                 "UDP messages received with GRO that carried more than one datagram",
                 value(media.udp_coalesced_receives()), labels);
  writer.counter("sightline_udp_gro_segments_dropped_total",
                 "Datagrams of a GRO message beyond the 128 that one receive splits, dropped",
                 value(media.udp_segments_dropped()), labels);
  writer.gauge("sightline_udp_gro_active", "1 while the media socket receives with UDP GRO",
               media.udp_gro_active() ? 1.0 : 0.0, labels);
}

}  // namespace

void Relay::Impl::collect_metrics(control::MetricsWriter& writer) const {
  for (const auto& worker : workers_) {
    const RelayCounters& c = worker->counters();
    const control::MetricLabels labels = {{"worker", std::to_string(worker->media_worker().index())}};
    const net::MediaWorker& media = worker->media_worker();
    writer.counter("sightline_datagrams_received_total", "UDP datagrams received on media ports",
                   static_cast<double>(media.datagrams_received()), labels);
    writer.counter("sightline_datagram_bytes_received_total", "UDP bytes received on media ports",
                   static_cast<double>(media.bytes_received()), labels);
    for (const CounterMetric& metric : kCounterMetrics) {
      writer.counter(metric.name, metric.help, static_cast<double>((c.*metric.counter).value()), labels);
    }
    writer.counter("sightline_decrypt_failures_total", "SRTP or SRTCP packets that failed to decrypt",
                   static_cast<double>(c.rejected_count(RejectReason::srtp_auth_failed) +
                                       c.rejected_count(RejectReason::srtp_replay) +
                                       c.rejected_count(RejectReason::srtp_other)),
                   labels);
    for (size_t i = 0; i < static_cast<size_t>(RejectReason::count_); ++i) {
      control::MetricLabels reason_labels = labels;
      reason_labels.emplace_back("reason", to_string(static_cast<RejectReason>(i)));
      writer.counter("sightline_packets_rejected_total", "Datagrams or packets dropped, by reason",
                     static_cast<double>(c.rejected[i].value()), reason_labels);
    }
    collect_udp_send_metrics(writer, media, labels);
    collect_tcp_metrics(writer, media.tcp().counters(), labels);
    writer.gauge("sightline_calls", "Calls hosted", static_cast<double>(c.calls.value()), labels);
    writer.gauge("sightline_participants", "Participants connected or connecting",
                 static_cast<double>(c.participants.value()), labels);
  }
  writer.gauge("sightline_signalling_sessions", "Open signalling WebSocket sessions",
               static_cast<double>(server_ ? server_->session_count() : 0));
}

size_t Relay::Impl::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

size_t Relay::Impl::call_count() const {
  std::lock_guard lock(mutex_);
  return calls_.size();
}

Relay::Relay(control::RelayConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
void Relay::set_hooks(RelayHooks hooks) { impl_->set_hooks(std::move(hooks)); }
Relay::~Relay() { impl_->stop(); }
std::optional<std::string> Relay::start() { return impl_->start(); }
void Relay::stop() { impl_->stop(); }
bool Relay::set_call_phase(const std::string& call_id, CallPhase phase) { return impl_->set_call_phase(call_id, phase); }
bool Relay::end_call(const std::string& call_id, const std::string& reason) { return impl_->end_call(call_id, reason); }
std::optional<CallPhase> Relay::call_phase(const std::string& call_id) const { return impl_->call_phase(call_id); }
bool Relay::warn_call(const std::string& call_id, const std::string& reason, const std::string& text) {
  return impl_->warn_call(call_id, reason, text);
}
std::vector<CallSnapshot> Relay::calls() const { return impl_->calls(); }
void Relay::send_staff(control::SessionId session, const nlohmann::json& message) { impl_->send_staff(session, message); }
void Relay::close_staff(control::SessionId session, std::string reason) { impl_->close_staff(session, std::move(reason)); }
uint16_t Relay::control_port() const { return impl_->control_port(); }
uint16_t Relay::media_port(int index) const { return impl_->media_port(index); }
uint16_t Relay::tcp_media_port(int index) const { return impl_->tcp_media_port(index); }
RelayTotals Relay::totals() const { return impl_->totals(); }
size_t Relay::session_count() const { return impl_->session_count(); }
size_t Relay::call_count() const { return impl_->call_count(); }

}  // namespace sightline::call

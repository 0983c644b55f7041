// CallWorker: per-worker call table and packet demultiplexing (RFC 7983).
#include "relay/call/call_worker.h"

#include <vector>

#include "relay/base/log.h"
#include "relay/ice/demux.h"
#include "relay/ice/ice_lite_agent.h"
#include "relay/ice/stun_message.h"

namespace sightline::call {

CallWorker::CallWorker(int index, SocketAddress bind_address, CallEvents& events, net::TcpOptions tcp,
                       net::UdpOptions udp)
    : worker_(index, bind_address, tcp, udp), events_(events) {}

CallWorker::~CallWorker() { stop(); }

bool CallWorker::start(std::string* error) { return worker_.start(this, error); }

void CallWorker::stop() {
  if (!worker_.running()) return;
  worker_.run_sync([this] { destroy_all_calls(); });
  worker_.stop();
}

void CallWorker::add_participant(ParticipantSetup setup) {
  auto it = calls_.find(setup.call_id);
  if (it == calls_.end()) {
    it = calls_.emplace(setup.call_id, std::make_unique<Call>(setup.call_id, setup.call_phase, counters_, events_, schedule_)).first;
    log::info("call", "created", {{"call", setup.call_id}, {"worker", worker_.index()}});
  }
  Call& call = *it->second;
  if (Participant* existing = call.find(setup.participant_id)) {
    // A later offer with the same certificate and media is an ICE restart
    // or a plain renegotiation: the browser keeps its DTLS association, so
    // the relay keeps the transport and takes the new ICE credentials.
    if (existing->can_restart_ice(setup)) {
      const std::string old_ufrag = existing->transport().local_ufrag();
      auto old_entry = by_ufrag_.find(old_ufrag);
      if (old_entry != by_ufrag_.end() && old_entry->second == existing) by_ufrag_.erase(old_entry);
      existing->restart_ice(setup);
      by_ufrag_[existing->transport().local_ufrag()] = existing;
      log::info("call", "transport kept for new offer",
                {{"call", setup.call_id}, {"participant", setup.participant_id},
                 {"ice_restart", old_ufrag != existing->transport().local_ufrag()}});
      return;
    }
    // Otherwise (a new certificate, changed media, or a failed transport)
    // the new offer replaces the transport.
    unregister(*existing);
    call.remove(setup.participant_id);
  }
  const std::string ufrag = setup.transport.local_ufrag;
  Participant& participant = call.add(worker_, std::move(setup));
  by_ufrag_[ufrag] = &participant;
}

void CallWorker::remove_participant(const std::string& call_id, const std::string& participant_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  if (Participant* participant = it->second->find(participant_id)) {
    unregister(*participant);
    it->second->remove(participant_id);
    log::info("call", "participant removed", {{"call", call_id}, {"participant", participant_id}});
  }
}

void CallWorker::destroy_call(const std::string& call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  for (const auto& participant : it->second->participants()) unregister(*participant);
  calls_.erase(it);
  log::info("call", "destroyed", {{"call", call_id}});
}

void CallWorker::set_call_phase(const std::string& call_id, CallPhase phase) {
  if (Call* call = find_call(call_id)) call->set_phase(phase, now());
}

Call* CallWorker::find_call(std::string_view call_id) {
  auto it = calls_.find(call_id);
  return it == calls_.end() ? nullptr : it->second.get();
}

void CallWorker::destroy_all_calls() {
  by_path_.clear();
  by_ufrag_.clear();
  calls_.clear();
}

void CallWorker::unregister(Participant& participant) {
  for (const PacketPath& path : participant.transport().validated_paths()) {
    auto it = by_path_.find(path);
    if (it != by_path_.end() && it->second == &participant) {
      by_path_.erase(it);
      // A TCP connection belongs to the transport it authenticated for.
      worker_.close_connection(path, net::TcpCloseReason::released);
    }
  }
  auto it = by_ufrag_.find(participant.transport().local_ufrag());
  if (it != by_ufrag_.end() && it->second == &participant) by_ufrag_.erase(it);
}

void CallWorker::on_datagram(const PacketPath& from, MutableByteView data, TimePoint now) {
  const ice::PacketKind kind = ice::classify_packet(data);
  if (kind == ice::PacketKind::stun) {
    // A binding request on a TCP connection that fails to authenticate is
    // counted like one over UDP and leaves the connection open: the peer
    // may retry, and the handshake timeout closes it if it never succeeds.
    handle_stun(from, data, now);
    return;
  }

  // DTLS and SRTP are accepted only from a path that passed an
  // authenticated binding check (RFC 8445 section 7.3).
  auto it = kind == ice::PacketKind::unknown ? by_path_.end() : by_path_.find(from);
  if (from.is_tcp() && it == by_path_.end() && !by_path_.contains(from)) {
    // A TCP connection exists for ICE: a first frame that is not a binding
    // request means the peer is no ICE agent of a participant here.
    reject_from(RejectReason::tcp_before_binding, from);
    worker_.close_connection(from, net::TcpCloseReason::unauthenticated);
    return;
  }
  if (kind == ice::PacketKind::unknown) {
    reject_from(RejectReason::unknown_kind, from);
    return;
  }
  if (it == by_path_.end()) {
    reject_from(RejectReason::unknown_source, from);
    return;
  }
  WebRtcTransport& transport = it->second->transport();
  if (kind == ice::PacketKind::dtls) {
    transport.handle_dtls(from, data, now);
  } else {
    transport.handle_srtp(from, data, kind, now);
  }
}

void CallWorker::handle_stun(const PacketPath& from, MutableByteView data, TimePoint now) {
  ice::StunMessage message;
  const ice::StunParseError error = ice::parse_stun(data, message);
  if (error != ice::StunParseError::ok) {
    reject_from(RejectReason::stun_malformed, from);
    return;
  }
  // Responses and indications (a peer's keepalives) need no answer.
  if (!message.is_binding_request()) return;
  if (!message.username) {
    reject_from(RejectReason::stun_unauthorized, from);
    return;
  }
  auto it = by_ufrag_.find(ice::IceLiteAgent::local_ufrag_of(*message.username));
  if (it == by_ufrag_.end()) {
    reject_from(RejectReason::stun_unknown_user, from);
    return;
  }
  Participant& participant = *it->second;
  PacketPath evicted;
  if (!participant.transport().handle_stun(from, data, message, now, &evicted)) return;
  by_path_[from] = &participant;
  worker_.connection_authenticated(from);
  if (!evicted.empty()) {
    auto old = by_path_.find(evicted);
    if (old != by_path_.end() && old->second == &participant) {
      by_path_.erase(old);
      worker_.close_connection(evicted, net::TcpCloseReason::released);
    }
  }
}

void CallWorker::on_connection_closed(const PacketPath& path) {
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return;
  Participant& participant = *it->second;
  by_path_.erase(it);
  // May fail the transport, which the call reports like a consent timeout.
  participant.transport().on_path_closed(path);
}

void CallWorker::on_tick(TimePoint now) {
  schedule_.run(now);
  log_rejections(now);
}

void CallWorker::reject_from(RejectReason reason, const PacketPath& from) {
  counters_.reject(reason);
  last_rejected_from_[static_cast<size_t>(reason)] = from;
}

void CallWorker::log_rejections(TimePoint now) {
  // One line per reason and interval with the count, instead of a line per
  // packet, so that a flood of bad packets cannot flood the log.
  constexpr seconds kRejectionLogInterval{10};
  if (next_rejection_log_ && now < *next_rejection_log_) return;
  next_rejection_log_ = now + kRejectionLogInterval;
  for (size_t i = 0; i < logged_rejections_.size(); ++i) {
    const uint64_t total = counters_.rejected[i].value();
    if (total == logged_rejections_[i]) continue;
    const auto reason = static_cast<RejectReason>(i);
    nlohmann::json fields = {{"worker", worker_.index()},
                                   {"reason", to_string(reason)},
                                   {"count", total - logged_rejections_[i]},
                                   {"interval_s", kRejectionLogInterval.count()}};
    if (std::optional<PacketPath>& from = last_rejected_from_[i]) {
      fields["last_source"] = from->address.to_string();
      if (from->is_tcp()) fields["last_source_transport"] = "tcp";
      from.reset();
    }
    // Skipped RTCP (extended reports and the like) is normal browser traffic.
    if (reason == RejectReason::rtcp_skipped) {
      log::debug("media", "packets rejected", fields);
    } else {
      log::warn("media", "packets rejected", fields);
    }
    logged_rejections_[i] = total;
  }
}

}  // namespace sightline::call

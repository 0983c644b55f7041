// WebRtcTransport: ICE-lite, DTLS and SRTP for one participant.
#include "relay/call/webrtc_transport.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "relay/base/log.h"

namespace sightline::call {

namespace {
// Authenticated addresses remembered per participant: enough for an ICE
// restart or a network change, small enough to bound the 5-tuple table.
constexpr size_t kMaxValidatedAddresses = 8;
// Space for a binding response: header, XOR-MAPPED-ADDRESS (IPv6), MESSAGE-INTEGRITY, FINGERPRINT.
constexpr size_t kStunResponseBytes = 256;
}  // namespace

const char* to_string(WebRtcTransport::State state) {
  switch (state) {
    case WebRtcTransport::State::new_: return "new";
    case WebRtcTransport::State::checking: return "checking";
    case WebRtcTransport::State::connected: return "connected";
    case WebRtcTransport::State::failed: return "failed";
    case WebRtcTransport::State::closed: return "closed";
  }
  return "unknown";
}

WebRtcTransport::WebRtcTransport(net::PacketSender& sender, RelayCounters& counters, TransportParams params,
                                 TransportListener& listener)
    : sender_(sender),
      counters_(counters),
      params_(std::move(params)),
      listener_(listener),
      ice_(params_.local_ufrag, params_.local_password) {
  ice_.set_remote_credentials(params_.remote_ufrag, params_.remote_password);
  crypto::DtlsTransport::Listener& dtls_listener = *this;
  dtls_ = std::make_unique<crypto::DtlsTransport>(crypto::DtlsRole::server, params_.certificate, dtls_listener);
  dtls_->set_remote_fingerprint(params_.remote_fingerprint_algorithm, params_.remote_fingerprint);
  dtls_->set_mtu(params_.mtu);
}

WebRtcTransport::~WebRtcTransport() = default;

bool WebRtcTransport::handle_stun(const PacketPath& from, ByteView datagram, const ice::StunMessage& message,
                                  TimePoint now, PacketPath* evicted) {
  struct PathRefresh {
    WebRtcTransport& self;
    ~PathRefresh() {
      const std::optional<PacketPath> path = self.ice_.selected_path();
      self.selected_path_cache_ = path ? *path : PacketPath();
    }
  } refresh{*this};

  counters_.stun_requests.add();
  std::array<uint8_t, kStunResponseBytes> response{};
  const ice::BindingResult result = ice_.handle_binding_request(datagram, message, from, now, MutableByteView(response));
  if (result.response_size > 0) sender_.queue_send(from, ByteView(response.data(), result.response_size));
  if (result.status != ice::BindingStatus::ok) {
    counters_.reject(RejectReason::stun_unauthorized);
    return false;
  }

  if (state_ == State::new_) state_ = State::checking;
  if (!is_validated(from)) {
    if (validated_paths_.size() == kMaxValidatedAddresses) {
      if (evicted) *evicted = validated_paths_.front();
      validated_paths_.erase(validated_paths_.begin());
    }
    validated_paths_.push_back(from);
    log::info("ice", "path validated",
              {{"ufrag", params_.local_ufrag}, {"address", from.address.to_string()}, {"tcp", from.is_tcp()}});
  }
  return true;
}

void WebRtcTransport::handle_dtls(const PacketPath& from, ByteView datagram, TimePoint now) {
  if (state_ == State::failed || state_ == State::closed) return;
  dtls_peer_ = from;
  ice_.on_authenticated_traffic(now);
  dtls_->handle_datagram(datagram);
}

void WebRtcTransport::handle_srtp(const PacketPath& from, MutableByteView datagram, ice::PacketKind kind,
                                  TimePoint now) {
  if (!srtp_in_) {
    counters_.reject(RejectReason::srtp_before_keys);
    return;
  }

  size_t length = datagram.size();
  const bool is_rtcp = kind == ice::PacketKind::rtcp;
  const crypto::SrtpResult result = is_rtcp ? srtp_in_->unprotect_rtcp(datagram.data(), length)
                                            : srtp_in_->unprotect_rtp(datagram.data(), length);
  if (result != crypto::SrtpResult::ok) {
    ++srtp_failures_;
    switch (result) {
      case crypto::SrtpResult::auth_failed: counters_.reject(RejectReason::srtp_auth_failed); break;
      case crypto::SrtpResult::replay_old:
      case crypto::SrtpResult::replay_duplicate: counters_.reject(RejectReason::srtp_replay); break;
      default: counters_.reject(RejectReason::srtp_other); break;
    }
    return;
  }

  // Authenticated media is consent (RFC 7675 section 5.1 allows any
  // authenticated traffic to refresh it) and follows the sender's address.
  ice_.on_authenticated_traffic(now);
  dtls_peer_ = from;

  if (is_rtcp) {
    counters_.rtcp_packets_in.add();
    listener_.on_rtcp(*this, ByteView(datagram.data(), length), now);
    return;
  }
  rtp::RtpPacket packet;
  if (rtp::RtpPacket::parse(MutableByteView(datagram.data(), length), packet) != rtp::RtpParseError::ok) {
    counters_.reject(RejectReason::rtp_malformed);
    return;
  }
  counters_.rtp_packets_in.add();
  counters_.rtp_bytes_in.add(length);
  listener_.on_rtp(*this, packet, now);
}

void WebRtcTransport::restart_ice(std::string local_ufrag, std::string local_password, std::string remote_ufrag,
                                  std::string remote_password) {
  params_.local_ufrag = std::move(local_ufrag);
  params_.local_password = std::move(local_password);
  params_.remote_ufrag = std::move(remote_ufrag);
  params_.remote_password = std::move(remote_password);
  ice_.set_local_credentials(params_.local_ufrag, params_.local_password);
  ice_.set_remote_credentials(params_.remote_ufrag, params_.remote_password);
}

void WebRtcTransport::tick(TimePoint now) {
  if (state_ == State::failed || state_ == State::closed) return;
  if (dtls_ && dtls_->state() == crypto::DtlsState::connecting) {
    const auto remaining = dtls_->time_until_timeout();
    if (remaining && remaining->count() <= 0) dtls_->handle_timeout();
  }
  if (state_ != State::new_ && ice_.consent_expired(now)) {
    counters_.consent_expired.add();
    fail("ICE consent expired: no authenticated traffic for 30 s");
  }
}

TimePoint WebRtcTransport::next_timeout(TimePoint now) const {
  if (state_ != State::connected || (dtls_ && dtls_->state() == crypto::DtlsState::connecting)) return now;
  return ice_.consent_deadline().value_or(now);
}

void WebRtcTransport::close() {
  if (state_ == State::closed) return;
  if (dtls_ && dtls_->state() == crypto::DtlsState::connected) dtls_->close();
  state_ = State::closed;
}

bool WebRtcTransport::send_rtp(ByteView packet) { return send_protected(packet, false); }

bool WebRtcTransport::send_rtcp(ByteView compound) { return send_protected(compound, true); }

bool WebRtcTransport::send_protected(ByteView packet, bool rtcp) {
  MutableByteView slot = begin_send();
  if (slot.size() < packet.size()) return false;
  std::memcpy(slot.data(), packet.data(), packet.size());
  return commit_send(packet.size(), rtcp);
}

MutableByteView WebRtcTransport::begin_send() {
  if (!srtp_out_ || state_ != State::connected || send_path().empty()) return {};
  return sender_.begin_send(send_path());
}

bool WebRtcTransport::commit_send(size_t length, bool rtcp) {
  const PacketPath& to = send_path();
  if (!srtp_out_ || to.empty()) return false;
  MutableByteView slot = sender_.begin_send(to);
  if (slot.size() < length) return false;
  const crypto::SrtpResult result = rtcp ? srtp_out_->protect_rtcp(slot.data(), length, slot.size())
                                         : srtp_out_->protect_rtp(slot.data(), length, slot.size());
  if (result != crypto::SrtpResult::ok) return false;
  sender_.commit_send(to, length);
  if (rtcp) {
    counters_.rtcp_packets_out.add();
  } else {
    counters_.rtp_packets_out.add();
    counters_.rtp_bytes_out.add(length);
  }
  return true;
}

const PacketPath& WebRtcTransport::send_path() const {
  // The nominated path; before nomination, wherever DTLS came from.
  return selected_path_cache_.empty() ? dtls_peer_ : selected_path_cache_;
}

void WebRtcTransport::on_dtls_send(ByteView datagram) {
  // Handshake flights answer the address the peer's DTLS came from.
  const PacketPath& to = !dtls_peer_.empty() ? dtls_peer_ : selected_path_cache_;
  if (to.empty()) return;
  sender_.queue_send(to, datagram);
}

void WebRtcTransport::on_dtls_connected(const crypto::SrtpKeys& keys) {
  std::string error;
  srtp_in_ = crypto::SrtpSession::create(keys.profile, keys.remote_key_salt, crypto::SrtpDirection::inbound, &error);
  if (srtp_in_) {
    srtp_out_ = crypto::SrtpSession::create(keys.profile, keys.local_key_salt, crypto::SrtpDirection::outbound, &error);
  }
  if (!srtp_in_ || !srtp_out_) {
    fail("SRTP session setup failed: " + error);
    return;
  }
  counters_.dtls_handshakes_completed.add();
  state_ = State::connected;
  log::info("dtls", "connected", {{"ufrag", params_.local_ufrag}, {"srtp_profile", crypto::to_string(keys.profile)}});
  listener_.on_transport_connected(*this);
}

void WebRtcTransport::on_dtls_failed(std::string_view reason) {
  counters_.dtls_handshakes_failed.add();
  fail(std::string("DTLS failed: ") + std::string(reason));
}

void WebRtcTransport::on_dtls_closed() {
  if (state_ == State::closed || state_ == State::failed) return;
  state_ = State::closed;
  listener_.on_transport_closed(*this);
}

void WebRtcTransport::fail(std::string_view reason) {
  if (state_ == State::failed || state_ == State::closed) return;
  state_ = State::failed;
  srtp_in_.reset();
  srtp_out_.reset();
  log::warn("transport", "failed", {{"ufrag", params_.local_ufrag}, {"reason", reason}});
  listener_.on_transport_failed(*this, reason);
}

bool WebRtcTransport::is_validated(const PacketPath& path) const {
  return std::find(validated_paths_.begin(), validated_paths_.end(), path) != validated_paths_.end();
}

void WebRtcTransport::on_path_closed(const PacketPath& path) {
  const auto found = std::find(validated_paths_.begin(), validated_paths_.end(), path);
  if (found == validated_paths_.end()) return;
  validated_paths_.erase(found);
  const bool was_selected = ice_.forget_path(path);
  if (was_selected) selected_path_cache_ = PacketPath();
  const bool was_dtls_peer = dtls_peer_ == path;
  if (!was_selected && !was_dtls_peer) return;

  if (validated_paths_.empty()) {
    fail("the ICE-TCP connection closed and no other path was validated");
    return;
  }
  // The newest validated path is the one the peer used last; if it is dead
  // too, consent expires on it as on any other path.
  dtls_peer_ = validated_paths_.back();
  log::info("ice", "path closed, media moved",
            {{"ufrag", params_.local_ufrag}, {"tcp", dtls_peer_.is_tcp()}});
}

}  // namespace sightline::call

// PeerTransport: ICE (controlling), DTLS client and SRTP of a synthetic participant.
#include "tools/peer/peer_transport.h"

#include <array>
#include <cstring>

#include "relay/base/log.h"
#include "relay/ice/demux.h"
#include "relay/ice/stun_builder.h"
#include "relay/ice/stun_message.h"

namespace sightline::peer {

namespace {
constexpr size_t kStunRequestBytes = 256;
}  // namespace

PeerTransport::PeerTransport(net::UdpSocket& socket, PeerTransportParams params, PeerTransportListener& listener)
    : socket_(socket),
      params_(std::move(params)),
      listener_(listener),
      ice_(params_.local_ufrag, params_.remote_ufrag, params_.remote_password),
      dtls_(crypto::DtlsRole::client, params_.certificate, *this),
      loss_random_(params_.loss_seed),
      loss_(params_.incoming_loss) {
  dtls_.set_remote_fingerprint(params_.remote_fingerprint_algorithm, params_.remote_fingerprint);
  if (!dtls_.set_srtp_profiles(params_.srtp_profiles)) {
    log::warn("peer", "srtp_profiles_rejected", {{"profiles", params_.srtp_profiles.size()}});
  }
}

PeerTransport::~PeerTransport() = default;

void PeerTransport::on_datagram(const SocketAddress& from, MutableByteView data, TimePoint now) {
  if (!(from == params_.relay_address)) return;
  ++counters_.datagrams_received;
  const ice::PacketKind kind = ice::classify_packet(data);
  switch (kind) {
    case ice::PacketKind::stun: {
      ice::StunMessage message;
      if (ice::parse_stun(data, message) != ice::StunParseError::ok) return;
      if (message.is_binding_request()) {
        answer_binding_request(data, message);
      } else {
        ice_.handle_response(data, message, now);
      }
      return;
    }
    case ice::PacketKind::dtls:
      dtls_.handle_datagram(data);
      return;
    case ice::PacketKind::rtp:
    case ice::PacketKind::rtcp:
      break;
    case ice::PacketKind::unknown:
      return;
  }

  if (kind == ice::PacketKind::rtp && params_.incoming_loss > 0) {
    if (compare_with_dropped(data)) return;
  }
  if (!srtp_in_) return;
  if (kind == ice::PacketKind::rtp && params_.decrypt_every > 1) {
    if (++rtp_since_decrypt_ < params_.decrypt_every) {
      pass_unverified_rtp(data, now);
      return;
    }
    rtp_since_decrypt_ = 0;
  }
  size_t length = data.size();
  const crypto::SrtpResult result = kind == ice::PacketKind::rtcp ? srtp_in_->unprotect_rtcp(data.data(), length)
                                                                  : srtp_in_->unprotect_rtp(data.data(), length);
  if (result != crypto::SrtpResult::ok) {
    ++counters_.decrypt_failures;
    return;
  }
  if (kind == ice::PacketKind::rtcp) {
    listener_.on_rtcp(ByteView(data.data(), length), now);
    return;
  }
  if (kind == ice::PacketKind::rtp) ++counters_.rtp_decrypted;
  rtp::RtpPacket packet;
  if (rtp::RtpPacket::parse(MutableByteView(data.data(), length), packet) != rtp::RtpParseError::ok) {
    ++counters_.rtp_malformed;
    return;
  }
  listener_.on_rtp(packet, now);
}

bool PeerTransport::compare_with_dropped(ByteView datagram) {
  if (datagram.size() < rtp::RtpPacket::kFixedHeaderSize) return false;
  const uint64_t key = uint64_t{load_be32(datagram.data() + 8)} << 16 | load_be16(datagram.data() + 2);
  uint64_t hash = 0xcbf29ce484222325ull;
  for (uint8_t byte : datagram) hash = (hash ^ byte) * 0x100000001b3ull;

  const auto dropped = dropped_packets_.find(key);
  if (dropped != dropped_packets_.end()) {
    if (dropped->second == hash) {
      ++counters_.rtp_retransmissions_identical;
    } else {
      ++counters_.rtp_retransmissions_changed;
    }
    dropped_packets_.erase(dropped);
    return false;
  }
  if (!loss_(loss_random_)) return false;

  ++counters_.rtp_dropped_by_loss;
  // Bounded: a packet never resent is forgotten once many others were dropped.
  if (dropped_packets_.size() >= 4096) dropped_packets_.clear();
  dropped_packets_[key] = hash;
  return true;
}

void PeerTransport::pass_unverified_rtp(MutableByteView data, TimePoint now) {
  // The RTP header of an SRTP packet is in the clear (RFC 3711 section 3.1);
  // the authentication tag trails the encrypted payload.
  const size_t tag_bytes = crypto::profile_info(srtp_in_->profile()).rtp_overhead_bytes;
  if (data.size() < rtp::RtpPacket::kFixedHeaderSize + tag_bytes) {
    ++counters_.rtp_malformed;
    return;
  }
  rtp::RtpPacket packet;
  if (rtp::RtpPacket::parse(data.first(data.size() - tag_bytes), packet) != rtp::RtpParseError::ok) {
    ++counters_.rtp_malformed;
    return;
  }
  ++counters_.rtp_unverified;
  listener_.on_rtp(packet, now);
}

void PeerTransport::answer_binding_request(ByteView datagram, const ice::StunMessage& request) {
  if (params_.local_password.empty()) return;
  const std::string expected_username = params_.local_ufrag + ":" + params_.remote_ufrag;
  if (!request.username || *request.username != expected_username ||
      !ice::verify_message_integrity(datagram, request, params_.local_password)) {
    ++counters_.binding_requests_rejected;
    return;
  }
  std::array<uint8_t, kStunRequestBytes> response{};
  const size_t size = ice::build_binding_success(MutableByteView(response), request.transaction_id,
                                                 params_.relay_address, params_.local_password);
  if (size == 0) return;
  socket_.queue_send(params_.relay_address, ByteView(response.data(), size));
  ++counters_.binding_requests_answered;
}

void PeerTransport::tick(TimePoint now) {
  if (failed_) return;
  if (now >= ice_.next_send_time()) {
    std::array<uint8_t, kStunRequestBytes> request{};
    // One candidate pair: nominate it on every check, as the controlling
    // agent facing an ICE-lite relay (RFC 8445 section 8.1.1).
    const size_t size = ice_.make_binding_request(now, MutableByteView(request), true);
    if (size > 0) socket_.queue_send(params_.relay_address, ByteView(request.data(), size));
  }
  if (ice_.connected() && !dtls_started_) {
    dtls_started_ = true;
    dtls_.start();
  }
  if (dtls_.state() == crypto::DtlsState::connecting) {
    const auto remaining = dtls_.time_until_timeout();
    if (remaining && remaining->count() <= 0) dtls_.handle_timeout();
  }
  if (ice_.connected() && ice_.consent_expired(now)) fail("ICE consent to the relay expired");
}

void PeerTransport::close() {
  if (dtls_.state() == crypto::DtlsState::connected) dtls_.close();
  connected_ = false;
}

bool PeerTransport::send_rtp(ByteView packet) { return send_protected(packet, false); }
bool PeerTransport::send_rtcp(ByteView compound) { return send_protected(compound, true); }

bool PeerTransport::send_protected(ByteView packet, bool rtcp) {
  if (!connected_ || !srtp_out_) return false;
  MutableByteView slot = socket_.begin_send();
  if (slot.size() < packet.size()) return false;
  std::memcpy(slot.data(), packet.data(), packet.size());
  size_t length = packet.size();
  const crypto::SrtpResult result = rtcp ? srtp_out_->protect_rtcp(slot.data(), length, slot.size())
                                         : srtp_out_->protect_rtp(slot.data(), length, slot.size());
  if (result != crypto::SrtpResult::ok) return false;
  socket_.commit_send(params_.relay_address, length);
  return true;
}

std::string_view PeerTransport::srtp_profile() const { return profile_ ? crypto::to_string(*profile_) : ""; }

void PeerTransport::on_dtls_send(ByteView datagram) { socket_.queue_send(params_.relay_address, datagram); }

void PeerTransport::on_dtls_connected(const crypto::SrtpKeys& keys) {
  std::string error;
  srtp_in_ = crypto::SrtpSession::create(keys.profile, keys.remote_key_salt, crypto::SrtpDirection::inbound, &error);
  srtp_out_ = crypto::SrtpSession::create(keys.profile, keys.local_key_salt, crypto::SrtpDirection::outbound, &error);
  if (!srtp_in_ || !srtp_out_) {
    fail("SRTP setup failed: " + error);
    return;
  }
  profile_ = keys.profile;
  connected_ = true;
  listener_.on_transport_connected();
}

void PeerTransport::on_dtls_failed(std::string_view reason) { fail(std::string("DTLS failed: ") + std::string(reason)); }

void PeerTransport::on_dtls_closed() { fail("the relay closed DTLS"); }

void PeerTransport::fail(std::string_view reason) {
  if (failed_) return;
  failed_ = true;
  connected_ = false;
  listener_.on_transport_failed(reason);
}

}  // namespace sightline::peer

// The peer's end of a WebRTC transport towards the relay: a full ICE agent
// in the controlling role with one candidate pair, the DTLS client, and SRTP.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "relay/base/bytes.h"
#include "relay/base/clock.h"
#include "relay/base/socket_address.h"
#include "relay/crypto/dtls_certificate.h"
#include "relay/crypto/dtls_transport.h"
#include "relay/crypto/srtp_session.h"
#include "relay/ice/ice_client.h"
#include "relay/ice/stun_message.h"
#include "relay/net/udp_socket.h"
#include "relay/rtp/rtp_packet.h"

namespace sightline::peer {

class PeerTransportListener {
 public:
  virtual ~PeerTransportListener() = default;
  virtual void on_transport_connected() = 0;
  virtual void on_transport_failed(std::string_view reason) = 0;
  virtual void on_rtp(rtp::RtpPacket& packet, TimePoint now) = 0;
  virtual void on_rtcp(ByteView compound, TimePoint now) = 0;
};

struct PeerTransportParams {
  SocketAddress relay_address;
  std::string local_ufrag;
  // When set, Binding requests from the relay's address that carry this
  // agent's USERNAME and a MESSAGE-INTEGRITY keyed with this password get a
  // success response (RFC 8445 section 7.3). Servers whose ICE agent checks
  // the path back before it accepts a nomination, such as libnice in Janus
  // even in ICE-lite mode, need the answer. Empty: requests are ignored.
  std::string local_password;
  std::string remote_ufrag;
  std::string remote_password;
  std::shared_ptr<crypto::DtlsCertificate> certificate;
  std::string remote_fingerprint_algorithm;
  std::string remote_fingerprint;
  // Fraction of incoming RTP datagrams dropped before decryption, to exercise
  // NACK and keyframe recovery.
  double incoming_loss = 0.0;
  uint32_t loss_seed = 1;
  // Decrypts and authenticates one incoming SRTP packet in this many (1:
  // every packet). The others reach the listener unverified: parsed from
  // their clear RTP header, with the payload still encrypted and the
  // authentication tag cut off. Only for load generation, where the
  // receiver reads header fields only and must cost less than the relay it
  // measures. RTCP is always decrypted.
  uint32_t decrypt_every = 1;
  // SRTP profiles offered in the DTLS use_srtp extension, most preferred
  // first. Without AES-256-GCM, because a server that takes its own first
  // choice among the offered ones, as Janus 1.1 does, would otherwise pick it
  // and a comparison of servers would run different ciphers.
  std::vector<crypto::SrtpProfile> srtp_profiles = {crypto::SrtpProfile::aead_aes_128_gcm,
                                                    crypto::SrtpProfile::aes_cm_128_hmac_sha1_80};
};

struct PeerTransportCounters {
  uint64_t datagrams_received = 0;
  uint64_t rtp_dropped_by_loss = 0;
  // Packets arriving with the SSRC and sequence number of a packet dropped
  // by the simulated loss: retransmissions. A resend under the same SRTP
  // index must repeat the original bytes (AES-GCM reuses the nonce), so
  // `changed` counts those whose bytes differ.
  uint64_t rtp_retransmissions_identical = 0;
  uint64_t rtp_retransmissions_changed = 0;
  uint64_t decrypt_failures = 0;
  // RTP packets decrypted and authenticated, and those passed on from
  // their clear header without either (see decrypt_every).
  uint64_t rtp_decrypted = 0;
  uint64_t rtp_unverified = 0;
  uint64_t rtp_malformed = 0;
  uint64_t binding_requests_answered = 0;
  uint64_t binding_requests_rejected = 0;
};

class PeerTransport final : private crypto::DtlsTransport::Listener {
 public:
  PeerTransport(net::UdpSocket& socket, PeerTransportParams params, PeerTransportListener& listener);
  ~PeerTransport() override;

  void on_datagram(const SocketAddress& from, MutableByteView data, TimePoint now);
  // Connectivity checks, consent checks and DTLS retransmissions.
  void tick(TimePoint now);
  void close();

  bool connected() const { return connected_; }
  bool send_rtp(ByteView packet);
  bool send_rtcp(ByteView compound);
  const PeerTransportCounters& counters() const { return counters_; }
  std::string_view srtp_profile() const;

 private:
  // Applies the simulated loss to one incoming RTP datagram and checks
  // retransmissions of dropped packets. Returns true when it is dropped.
  bool compare_with_dropped(ByteView datagram);
  void on_dtls_send(ByteView datagram) override;
  void on_dtls_connected(const crypto::SrtpKeys& keys) override;
  void on_dtls_failed(std::string_view reason) override;
  void on_dtls_closed() override;
  bool send_protected(ByteView packet, bool rtcp);
  // Hands an RTP packet to the listener without decrypting it.
  void pass_unverified_rtp(MutableByteView data, TimePoint now);
  void answer_binding_request(ByteView datagram, const ice::StunMessage& request);
  void fail(std::string_view reason);

  net::UdpSocket& socket_;
  PeerTransportParams params_;
  PeerTransportListener& listener_;
  ice::IceClient ice_;
  crypto::DtlsTransport dtls_;
  std::unique_ptr<crypto::SrtpSession> srtp_in_;
  std::unique_ptr<crypto::SrtpSession> srtp_out_;
  std::optional<crypto::SrtpProfile> profile_;
  bool dtls_started_ = false;
  bool connected_ = false;
  bool failed_ = false;
  std::mt19937 loss_random_;
  std::bernoulli_distribution loss_;
  // FNV-1a hash of each dropped packet's encrypted bytes, by SSRC << 16 | sequence number.
  std::unordered_map<uint64_t, uint64_t> dropped_packets_;
  // RTP packets received since the last one that was decrypted.
  uint32_t rtp_since_decrypt_ = 0;
  PeerTransportCounters counters_;
};

}  // namespace sightline::peer

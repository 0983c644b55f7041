// The relay's end of one participant's WebRTC transport: ICE-lite checks,
// the DTLS handshake (server role), SRTP and SRTCP with keys exported from
// DTLS, and consent freshness. Runs on the participant's media worker.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "relay/base/bytes.h"
#include "relay/base/clock.h"
#include "relay/base/packet_path.h"
#include "relay/call/relay_counters.h"
#include "relay/crypto/dtls_certificate.h"
#include "relay/crypto/dtls_transport.h"
#include "relay/crypto/srtp_session.h"
#include "relay/ice/demux.h"
#include "relay/ice/ice_lite_agent.h"
#include "relay/ice/stun_message.h"
#include "relay/net/packet_io.h"
#include "relay/rtp/rtp_packet.h"

namespace sightline::call {

class WebRtcTransport;

class TransportListener {
 public:
  virtual ~TransportListener() = default;
  virtual void on_transport_connected(WebRtcTransport& transport) = 0;
  // ICE consent expired or DTLS failed: the transport carries no more media.
  virtual void on_transport_failed(WebRtcTransport& transport, std::string_view reason) = 0;
  // The peer closed DTLS (close_notify), as it does when it hangs up.
  virtual void on_transport_closed(WebRtcTransport& transport) = 0;
  // A decrypted RTP packet; it may be modified in place.
  virtual void on_rtp(WebRtcTransport& transport, rtp::RtpPacket& packet, TimePoint now) = 0;
  // A decrypted RTCP compound packet.
  virtual void on_rtcp(WebRtcTransport& transport, ByteView compound, TimePoint now) = 0;
};

struct TransportParams {
  std::string local_ufrag;
  std::string local_password;
  std::string remote_ufrag;
  std::string remote_password;
  std::string remote_fingerprint_algorithm;
  std::string remote_fingerprint;
  std::shared_ptr<crypto::DtlsCertificate> certificate;
  // Largest datagram the DTLS handshake sends.
  size_t mtu = 1200;
};

class WebRtcTransport final : private crypto::DtlsTransport::Listener {
 public:
  enum class State { new_, checking, connected, failed, closed };

  WebRtcTransport(net::PacketSender& sender, RelayCounters& counters, TransportParams params,
                  TransportListener& listener);
  ~WebRtcTransport() override;
  WebRtcTransport(const WebRtcTransport&) = delete;
  WebRtcTransport& operator=(const WebRtcTransport&) = delete;

  const std::string& local_ufrag() const { return params_.local_ufrag; }
  State state() const { return state_; }
  bool connected() const { return state_ == State::connected; }
  // Paths (UDP addresses and TCP connections) that passed an authenticated
  // binding check, for the worker's 5-tuple table.
  const std::vector<PacketPath>& validated_paths() const { return validated_paths_; }
  // The path media leaves by: the nominated one, else where DTLS came from.
  const PacketPath& send_path() const;

  // Answers a binding request addressed to this transport. Returns true when
  // it authenticated, which validates the sender's path; when that pushes
  // the oldest validated path out, *evicted receives it.
  bool handle_stun(const PacketPath& from, ByteView datagram, const ice::StunMessage& message, TimePoint now,
                   PacketPath* evicted);
  void handle_dtls(const PacketPath& from, ByteView datagram, TimePoint now);
  // Decrypts SRTP or SRTCP in place and hands it to the listener.
  void handle_srtp(const PacketPath& from, MutableByteView datagram, ice::PacketKind kind, TimePoint now);
  // Handles the close of one of this transport's TCP connections. Media
  // moves to the most recently validated path left, a UDP path that may
  // still be alive. With none left, the transport fails as on consent expiry.
  void on_path_closed(const PacketPath& path);
  // Takes new ICE credentials from a renegotiation that restarts ICE (RFC
  // 8445 section 9). DTLS and SRTP carry on, as the peer's do: binding
  // requests with the old credentials are rejected from now on, and media
  // keeps its path until the peer nominates one with the new credentials.
  void restart_ice(std::string local_ufrag, std::string local_password, std::string remote_ufrag,
                   std::string remote_password);
  // DTLS retransmission timer and ICE consent freshness.
  void tick(TimePoint now);
  // The earliest time tick() has work while connected: the consent
  // deadline. Returns `now` when tick() must run at every worker tick:
  // before and during the DTLS handshake, and once the transport failed.
  TimePoint next_timeout(TimePoint now) const;
  // Sends a DTLS close_notify; no media after this.
  void close();

  // Sends a plain RTP or RTCP packet: copies it into the socket's send batch
  // and encrypts it there. Returns false when there are no keys or no path.
  bool send_rtp(ByteView packet);
  bool send_rtcp(ByteView compound);
  // The zero-copy form of send_rtp: build the plain packet in the returned
  // slot of the send batch, then commit_send() encrypts it in place and
  // queues it. The slot is empty when the transport cannot send.
  MutableByteView begin_send();
  bool commit_send(size_t length, bool rtcp);

  uint64_t srtp_failures() const { return srtp_failures_; }

 private:
  void on_dtls_send(ByteView datagram) override;
  void on_dtls_connected(const crypto::SrtpKeys& keys) override;
  void on_dtls_failed(std::string_view reason) override;
  void on_dtls_closed() override;
  void fail(std::string_view reason);
  bool is_validated(const PacketPath& path) const;
  bool send_protected(ByteView packet, bool rtcp);

  net::PacketSender& sender_;
  RelayCounters& counters_;
  TransportParams params_;
  TransportListener& listener_;
  ice::IceLiteAgent ice_;
  std::unique_ptr<crypto::DtlsTransport> dtls_;
  std::unique_ptr<crypto::SrtpSession> srtp_in_;
  std::unique_ptr<crypto::SrtpSession> srtp_out_;
  std::vector<PacketPath> validated_paths_;
  PacketPath dtls_peer_;
  // The ICE agent's selected path, copied after each binding request so the
  // per-packet send path reads it without an optional copy.
  PacketPath selected_path_cache_;
  State state_ = State::new_;
  uint64_t srtp_failures_ = 0;
};

const char* to_string(WebRtcTransport::State state);

}  // namespace sightline::call

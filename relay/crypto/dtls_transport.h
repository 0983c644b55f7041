// DTLS 1.2 handshake for DTLS-SRTP (RFC 5764) over OpenSSL memory BIOs: the
// caller moves datagrams in and out, so no socket is touched here.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/base/bytes.h"
#include "relay/crypto/dtls_context.h"
#include "relay/crypto/srtp_session.h"

namespace sightline::crypto {

class DtlsCertificate;

enum class DtlsRole { client, server };
std::string_view to_string(DtlsRole role);

// The states of the W3C RTCDtlsTransportState; not_started is its "new".
enum class DtlsState { not_started, connecting, connected, failed, closed };
std::string_view to_string(DtlsState state);

// SRTP master keys exported from the handshake (RFC 5764 section 4.2),
// already assigned to this side: protect with local_key_salt, unprotect
// with remote_key_salt. Each is the master key followed by the salt.
struct SrtpKeys {
  SrtpProfile profile;
  std::vector<uint8_t> local_key_salt;
  std::vector<uint8_t> remote_key_salt;
};

class DtlsTransport {
 public:
  // Callbacks run synchronously inside the DtlsTransport call that caused
  // them. They must not destroy the transport or call into it.
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void on_dtls_send(ByteView datagram) = 0;
    virtual void on_dtls_connected(const SrtpKeys& keys) = 0;
    virtual void on_dtls_failed(std::string_view reason) = 0;
    // The peer sent close_notify.
    virtual void on_dtls_closed() = 0;
  };

  // Default size of the largest datagram sent: fits a 1280-byte IPv6
  // minimum MTU after IP, UDP and TURN channel headers.
  static constexpr size_t kDefaultMtuBytes = 1200;

  DtlsTransport(DtlsRole role, std::shared_ptr<DtlsCertificate> certificate, Listener& listener);
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;
  ~DtlsTransport();

  // Sets the peer's a=fingerprint from SDP. `algorithm` is "sha-256",
  // "sha-384" or "sha-512", and any other returns false. A peer certificate
  // that does not match fails the handshake.
  bool set_remote_fingerprint(std::string algorithm, std::string value);

  // Sets the largest datagram the transport sends; handshake messages are
  // fragmented to fit. Returns false if OpenSSL rejects it as too small
  // (OpenSSL 3.0.19 requires at least 228 bytes on a memory BIO).
  bool set_mtu(size_t mtu_bytes);

  // Sets the SRTP profiles offered (client) or accepted (server), most
  // preferred first. Call before start(). The default is GCM, then CM.
  bool set_srtp_profiles(const std::vector<SrtpProfile>& profiles);

  // Starts the handshake: a client sends its ClientHello, a server waits.
  void start();

  // Feeds one received DTLS datagram. A server that was not started yet
  // starts on its first datagram.
  void handle_datagram(ByteView datagram);

  // Time until the handshake retransmission timer (RFC 6347 section 4.2.4)
  // expires, or nullopt when no timer runs. OpenSSL measures it on its own
  // real-time clock, not on an injected TimePoint.
  std::optional<std::chrono::milliseconds> time_until_timeout() const;
  // Retransmits the last flight if the timer expired. Fails the transport
  // when OpenSSL gives up after its maximum number of retransmissions.
  void handle_timeout();

  // Sends close_notify when connected and moves to closed. Does not call
  // on_dtls_closed.
  void close();

  DtlsState state() const { return state_; }
  DtlsRole role() const { return role_; }

 private:
  void continue_handshake();
  void read_after_handshake();
  void complete_handshake();
  bool export_srtp_keys(SrtpKeys& keys, std::string& error);
  void send_pending_datagrams();
  void fail(std::string reason);

  DtlsRole role_;
  std::shared_ptr<DtlsCertificate> certificate_;
  Listener& listener_;
  DtlsState state_ = DtlsState::not_started;
  SSL* ssl_ = nullptr;
  BIO* incoming_ = nullptr;  // owned by ssl_
  BIO* outgoing_ = nullptr;  // owned by ssl_
  size_t mtu_bytes_ = kDefaultMtuBytes;
  ExpectedFingerprint expected_fingerprint_;
  // Set when the SSL object could not be created; reported by start().
  std::string setup_error_;
};

}  // namespace sightline::crypto

// The two sides of a media worker's packet I/O, over UDP and ICE-TCP alike:
// a handler receives what arrives, and a sender takes what leaves.
#pragma once

#include <cstdint>

#include "relay/base/bytes.h"
#include "relay/base/clock.h"
#include "relay/base/packet_path.h"

namespace sightline::net {

// Reason a media TCP connection was closed, used as a Prometheus label value.
enum class TcpCloseReason : uint8_t {
  peer_closed,        // the peer closed or reset the connection
  read_error,         // recv() failed
  write_error,        // send() failed
  unauthenticated,    // a frame other than an authenticated binding request before one
  handshake_timeout,  // no authenticated binding request within the handshake timeout
  silent,             // nothing received for the consent timeout after authenticating
  released,           // the participant that used it left or was replaced
  stopped,            // the worker stopped
  count_,
};

const char* to_string(TcpCloseReason reason);

// Receives everything that arrives on a worker's ports, on the worker thread.
class DatagramHandler {
 public:
  virtual ~DatagramHandler() = default;
  // A UDP datagram or one RFC 4571 frame of a TCP connection. data may be
  // modified in place (SRTP decrypts in place); it is valid only during the
  // call.
  virtual void on_datagram(const PacketPath& from, MutableByteView data, TimePoint now) = 0;
  // A TCP connection closed; its path carries nothing more.
  virtual void on_connection_closed(const PacketPath& path) { (void)path; }
  // Runs every tick interval: timers of ICE, DTLS, RTCP and NACK.
  virtual void on_tick(TimePoint now) = 0;
};

// Sends packets on the path they belong to, without allocating: UDP goes
// into the socket's send batch, TCP into the connection's bounded queue.
class PacketSender {
 public:
  virtual ~PacketSender() = default;
  // A slot of kMaxDatagramBytes to build one packet for `to` in place, then
  // commit_send() sends it. Empty when the path cannot take a packet now (a
  // TCP connection that is closed or whose queue is full, which is counted).
  virtual MutableByteView begin_send(const PacketPath& to) = 0;
  virtual void commit_send(const PacketPath& to, size_t length) = 0;
  // Copies data and sends it. Returns false when it was dropped.
  virtual bool queue_send(const PacketPath& to, ByteView data) = 0;
  // Asks to close a TCP connection, for example one whose first frame was
  // not an authenticated binding request; no-op for UDP.
  virtual void close_connection(const PacketPath& path, TcpCloseReason reason) {
    (void)path;
    (void)reason;
  }
  // An authenticated binding request arrived over this TCP connection, so
  // it is no longer subject to the handshake timeout; no-op for UDP.
  virtual void connection_authenticated(const PacketPath& path) { (void)path; }
};

}  // namespace sightline::net

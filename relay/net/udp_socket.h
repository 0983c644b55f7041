// A non-blocking UDP socket with batched receive (recvmmsg) and batched send
// (sendmmsg) over preallocated buffers: no allocation per datagram.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "relay/base/bytes.h"
#include "relay/base/socket_address.h"

namespace sightline::net {

// Largest datagram the media plane accepts. WebRTC packets stay under the
// path MTU (about 1200 to 1500 bytes); anything larger is truncated and dropped.
constexpr size_t kMaxDatagramBytes = 2048;
// Datagrams moved per recvmmsg or sendmmsg system call.
constexpr size_t kBatchSize = 64;

struct ReceivedDatagram {
  SocketAddress from;
  MutableByteView data;
  bool truncated = false;
};

class UdpSocket {
 public:
  UdpSocket();
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // Binds to address (port 0 picks a free port). Returns false and fills
  // error with the system's reason on failure.
  bool bind(const SocketAddress& address, std::string* error);
  void close();
  int fd() const { return fd_; }
  SocketAddress local_address() const;

  // Receives up to kBatchSize datagrams into the socket's own buffers. The
  // views stay valid until the next call. Returns the count (0 when none is
  // waiting) or -1 on a socket error.
  int receive_batch();
  const ReceivedDatagram& received(int index) const { return received_[index]; }

  // Queues a copy of data for sending; flushes first when the batch is full.
  // Datagrams larger than kMaxDatagramBytes are dropped and counted.
  void queue_send(const SocketAddress& to, ByteView data);
  // Returns a slot to fill in place (for encryption straight into the send
  // buffer); commit_send() queues it. The slot holds kMaxDatagramBytes.
  MutableByteView begin_send();
  void commit_send(const SocketAddress& to, size_t length);
  // Sends everything queued. Datagrams the kernel refuses (buffer full) are
  // dropped and counted: media is real-time and a late packet is worthless.
  void flush();

  uint64_t send_errors() const { return send_errors_; }
  uint64_t oversized_dropped() const { return oversized_dropped_; }
  uint64_t datagrams_sent() const { return datagrams_sent_; }
  uint64_t send_calls() const { return send_calls_; }
  uint64_t receive_calls() const { return receive_calls_; }

 private:
  struct Batch;

  int fd_ = -1;
  std::unique_ptr<Batch> receive_;
  std::unique_ptr<Batch> send_;
  std::array<ReceivedDatagram, kBatchSize> received_{};
  size_t queued_ = 0;
  uint64_t send_errors_ = 0;
  uint64_t oversized_dropped_ = 0;
  uint64_t datagrams_sent_ = 0;
  uint64_t send_calls_ = 0;
  uint64_t receive_calls_ = 0;
};

}  // namespace sightline::net

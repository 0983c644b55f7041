// A non-blocking UDP socket with batched receive (recvmmsg) and batched send
// (sendmmsg) over preallocated buffers: no allocation per datagram. With UDP
// generic segmentation offload (GSO) on, a run of equal-size datagrams to one
// destination leaves as one message that the kernel splits.
#pragma once

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "relay/base/bytes.h"
#include "relay/base/socket_address.h"

namespace sightline::net {

// Largest datagram the media plane accepts. WebRTC packets stay under the
// path MTU (about 1200 to 1500 bytes); anything larger is truncated and dropped.
constexpr size_t kMaxDatagramBytes = 2048;
// Datagrams moved per recvmmsg or sendmmsg system call.
constexpr size_t kBatchSize = 64;
// Segments in one GSO message: the kernel's UDP_MAX_SEGMENTS, 64 since Linux
// 4.18 (later kernels raised it to 128, so 64 is accepted everywhere).
constexpr size_t kMaxGsoSegments = 64;
// Payload bytes in one GSO message: 65535 less the IPv6 and UDP headers
// (40 + 8), which also fits IPv4 (65535 less 20 + 8).
constexpr size_t kMaxGsoPayloadBytes = 65535 - 40 - 8;
// Messages per recvmmsg call with UDP_GRO, each in a buffer of
// kMaxGroMessageBytes, the largest UDP payload with room to spare.
constexpr size_t kGroBatchSize = 16;
constexpr size_t kMaxGroMessageBytes = 65535;
// Datagrams in one coalesced message. The kernel's GRO coalesces at most 64
// (UDP_GRO_CNT_MAX), and a GSO message from a local sender, which arrives
// whole, contains at most UDP_MAX_SEGMENTS (64, raised to 128 in later
// kernels). Any beyond this are dropped and counted.
constexpr size_t kMaxGroSegments = 128;

struct UdpOptions {
  // Send runs of equal-size datagrams to one destination as one message with
  // a UDP_SEGMENT control message (Linux 4.18 or later). When the kernel
  // rejects it, the socket falls back to one message per datagram.
  bool gso = false;
  // Receive runs of equal-size datagrams from one source as one message
  // (UDP_GRO, Linux 5.0 or later), which receive_batch() splits again. The
  // kernel coalesces a run that arrives in one receive poll of the network
  // device. It passes a local sender's GSO message on whole, so the sender
  // pays neither for splitting it nor for the receive path of each part.
  bool gro = false;
};

struct ReceivedDatagram {
  SocketAddress from;
  MutableByteView data;
  bool truncated = false;
};

// Send counters, written by the socket's thread only and readable from any
// thread (relaxed loads, for metrics).
class UdpSendCounters {
 public:
  uint64_t datagrams_sent() const { return load(datagrams_sent_); }
  // Messages the kernel accepted: one per datagram without GSO, one per run
  // of datagrams with it.
  uint64_t messages_sent() const { return load(messages_sent_); }
  // Messages that carried more than one datagram (UDP_SEGMENT).
  uint64_t gso_messages_sent() const { return load(gso_messages_sent_); }
  uint64_t send_calls() const { return load(send_calls_); }
  // Datagrams dropped because the kernel refused them (buffer full,
  // unreachable address).
  uint64_t send_errors() const { return load(send_errors_); }
  // Times GSO was turned off: the option probe failed or the kernel rejected
  // a segmented message. At most one per bind.
  uint64_t gso_fallbacks() const { return load(gso_fallbacks_); }

 private:
  friend class UdpSocket;
  static uint64_t load(const std::atomic<uint64_t>& value) { return value.load(std::memory_order_relaxed); }
  static void add(std::atomic<uint64_t>& value, uint64_t amount) {
    value.store(value.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
  }

  std::atomic<uint64_t> datagrams_sent_{0};
  std::atomic<uint64_t> messages_sent_{0};
  std::atomic<uint64_t> gso_messages_sent_{0};
  std::atomic<uint64_t> send_calls_{0};
  std::atomic<uint64_t> send_errors_{0};
  std::atomic<uint64_t> gso_fallbacks_{0};
};

class UdpSocket {
 public:
  explicit UdpSocket(UdpOptions options = {});
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // Binds to address (port 0 picks a free port). Returns false and fills
  // error with the system's reason on failure. With options.gso, probes the
  // UDP_SEGMENT option and sends without GSO when the kernel lacks it.
  bool bind(const SocketAddress& address, std::string* error);
  void close();
  int fd() const { return fd_; }
  SocketAddress local_address() const;

  // Receives up to kBatchSize messages (kGroBatchSize with GRO) into the
  // socket's own buffers, and splits coalesced ones. The views stay valid
  // until the next call. Returns the count of datagrams (0 when none is
  // waiting) or -1 on a socket error.
  int receive_batch();
  const ReceivedDatagram& received(int index) const { return received_[index]; }
  // The last receive_batch() filled every message buffer, so more may be waiting.
  bool receive_filled() const { return receive_filled_; }

  // Queues a copy of data for sending; flushes first when the batch is full.
  // Datagrams larger than kMaxDatagramBytes are dropped and counted.
  void queue_send(const SocketAddress& to, ByteView data);
  // Returns a slot to fill in place (for encryption straight into the send
  // buffer); commit_send() queues it. The slot holds kMaxDatagramBytes.
  MutableByteView begin_send();
  void commit_send(const SocketAddress& to, size_t length);
  // Sends everything queued. Datagrams to one destination leave in the order
  // they were queued; datagrams to different destinations may be reordered.
  // Datagrams the kernel refuses (buffer full) are dropped and counted:
  // media is real-time and a late packet is worthless.
  void flush();

  // True while sends use GSO: requested, probed and not rejected since.
  bool gso_active() const { return gso_active_.load(std::memory_order_relaxed); }
  // True when the kernel accepted the UDP_GRO option at bind().
  bool gro_active() const { return gro_active_.load(std::memory_order_relaxed); }
  // Received messages that carried more than one datagram. Written by the
  // socket's thread, readable from any thread.
  uint64_t coalesced_receives() const { return coalesced_receives_.load(std::memory_order_relaxed); }
  // Datagrams of a coalesced message beyond kMaxGroSegments, dropped.
  uint64_t segments_dropped() const { return segments_dropped_.load(std::memory_order_relaxed); }
  // Test hook: the next segmented message fails as if the kernel returned
  // error_number (EIO, EINVAL or ENOPROTOOPT exercise the fallback).
  void fail_next_gso_send_for_testing(int error_number) { gso_test_error_ = error_number; }

  const UdpSendCounters& send_counters() const { return counters_; }
  uint64_t send_errors() const { return counters_.send_errors(); }
  uint64_t oversized_dropped() const { return oversized_dropped_; }
  uint64_t datagrams_sent() const { return counters_.datagrams_sent(); }
  uint64_t send_calls() const { return counters_.send_calls(); }
  uint64_t receive_calls() const { return receive_calls_; }

 private:
  struct ReceiveBatch;
  struct SendBatch;

  // Fills the send batch's messages for the queued datagrams: one per
  // datagram, or with GSO one per run of equal size to one destination.
  void plan_messages();
  // Replaces the messages from index first_message on with one message per
  // datagram, keeping their order.
  void split_messages_from(size_t first_message);
  // Sends the messages from index first on in one sendmmsg call and counts
  // what the kernel accepted. Returns sendmmsg's result.
  int send_messages(size_t first);
  void disable_gso(int error_number, const char* reason);

  const UdpOptions options_;
  int fd_ = -1;
  std::atomic<bool> gso_active_{false};
  std::atomic<bool> gro_active_{false};
  int gso_test_error_ = 0;
  std::unique_ptr<ReceiveBatch> receive_;
  std::unique_ptr<SendBatch> send_;
  std::vector<ReceivedDatagram> received_;
  bool receive_filled_ = false;
  std::atomic<uint64_t> coalesced_receives_{0};
  std::atomic<uint64_t> segments_dropped_{0};
  size_t queued_ = 0;
  UdpSendCounters counters_;
  uint64_t oversized_dropped_ = 0;
  uint64_t receive_calls_ = 0;
};

}  // namespace sightline::net

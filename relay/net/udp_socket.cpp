// UdpSocket: recvmmsg/sendmmsg batching over buffers allocated once per
// socket, and the grouping of queued datagrams into UDP GSO messages.
#include "relay/net/udp_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "relay/base/log.h"

namespace sightline::net {

namespace {
// Kernel socket buffers: a burst of video keyframes from many calls arrives
// faster than one loop iteration drains it.
constexpr int kSocketBufferBytes = 8 * 1024 * 1024;
// Marks the end of a destination's list of queued datagrams.
constexpr uint8_t kNoDatagram = 0xff;
// Slots of the destination table: twice kBatchSize, so probing always ends.
constexpr size_t kDestinationSlots = 2 * kBatchSize;
static_assert(kBatchSize < kNoDatagram, "datagram indexes must fit in uint8_t");
static_assert(kMaxGsoSegments <= kBatchSize, "a GSO message never holds more than one batch");

// Errors with which the kernel rejects a segmented message it cannot send:
// EIO when the device has no checksum offload, EINVAL for a segment size
// above the path MTU, ENOPROTOOPT without UDP_SEGMENT support.
bool is_gso_rejection(int error_number) {
  return error_number == EIO || error_number == EINVAL || error_number == ENOPROTOOPT;
}
}  // namespace

// Message buffers for recvmmsg: kBatchSize of kMaxDatagramBytes, or with GRO
// kGroBatchSize of kMaxGroMessageBytes.
struct UdpSocket::ReceiveBatch {
  struct alignas(cmsghdr) GroControl {
    uint8_t bytes[CMSG_SPACE(sizeof(int))];
  };

  size_t buffer_bytes;
  // Left uninitialised: the kernel writes only what arrives, so the pages of
  // a large GRO buffer beyond the usual message stay unmapped.
  std::unique_ptr<uint8_t[]> storage;
  std::vector<mmsghdr> headers;
  std::vector<iovec> vectors;
  std::vector<sockaddr_storage> addresses;
  std::vector<GroControl> controls;

  ReceiveBatch(size_t messages, size_t bytes_per_message, bool gro)
      : buffer_bytes(bytes_per_message),
        storage(new uint8_t[messages * bytes_per_message]),
        headers(messages),
        vectors(messages),
        addresses(messages),
        controls(gro ? messages : 0) {
    for (size_t i = 0; i < messages; ++i) {
      vectors[i] = {storage.get() + i * buffer_bytes, buffer_bytes};
      std::memset(&headers[i], 0, sizeof(mmsghdr));
      headers[i].msg_hdr.msg_iov = &vectors[i];
      headers[i].msg_hdr.msg_iovlen = 1;
      headers[i].msg_hdr.msg_name = &addresses[i];
    }
  }

  // The segment size of a coalesced message, 0 when it contains one datagram.
  size_t segment_size(size_t message) const {
    const msghdr& header = headers[message].msg_hdr;
    for (const cmsghdr* control = CMSG_FIRSTHDR(&header); control != nullptr;
         control = CMSG_NXTHDR(const_cast<msghdr*>(&header), const_cast<cmsghdr*>(control))) {
      if (control->cmsg_level != SOL_UDP || control->cmsg_type != UDP_GRO) continue;
      int size = 0;
      std::memcpy(&size, CMSG_DATA(control), sizeof size);
      return size > 0 ? static_cast<size_t>(size) : 0;
    }
    return 0;
  }
};

// Queued datagrams, indexed in queue order, and the messages flush() builds
// over them. A message's datagrams are consecutive entries of vectors, so a
// GSO message needs no copy: the kernel reads the segments from the slots.
struct UdpSocket::SendBatch {
  struct alignas(cmsghdr) SegmentControl {
    uint8_t bytes[CMSG_SPACE(sizeof(uint16_t))];
  };

  std::array<std::array<uint8_t, kMaxDatagramBytes>, kBatchSize> buffers;
  std::array<SocketAddress, kBatchSize> destinations;
  std::array<size_t, kBatchSize> lengths{};

  std::array<mmsghdr, kBatchSize> headers{};
  std::array<iovec, kBatchSize> vectors{};
  // The queued datagram behind each entry of vectors.
  std::array<uint8_t, kBatchSize> vector_datagram{};
  // Per message: its first entry in vectors, and its UDP_SEGMENT control
  // message when it carries more than one datagram.
  std::array<uint8_t, kBatchSize> message_first_vector{};
  std::array<SegmentControl, kBatchSize> controls{};
  size_t message_count = 0;
  size_t vector_count = 0;

  // Grouping by destination: the next queued datagram to the same
  // destination, the first and last of each destination, and a hash table
  // from destination to its group.
  std::array<uint8_t, kBatchSize> next_same_destination{};
  std::array<uint8_t, kBatchSize> group_first{};
  std::array<uint8_t, kBatchSize> group_last{};
  std::array<uint8_t, kDestinationSlots> slots{};

  // Appends a message over vectors [first, vector_count), sent to the
  // destination of queued datagram `destination_datagram`.
  void add_message(size_t first, size_t destination_datagram) {
    const SocketAddress& destination = destinations[destination_datagram];
    const size_t segments = vector_count - first;
    mmsghdr& header = headers[message_count];
    std::memset(&header, 0, sizeof header);
    header.msg_hdr.msg_name = const_cast<sockaddr*>(destination.sockaddr_ptr());
    header.msg_hdr.msg_namelen = destination.length();
    header.msg_hdr.msg_iov = &vectors[first];
    header.msg_hdr.msg_iovlen = segments;
    if (segments > 1) {
      SegmentControl& control = controls[message_count];
      header.msg_hdr.msg_control = control.bytes;
      header.msg_hdr.msg_controllen = sizeof control.bytes;
      cmsghdr* message = CMSG_FIRSTHDR(&header.msg_hdr);
      message->cmsg_level = SOL_UDP;
      message->cmsg_type = UDP_SEGMENT;
      message->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const auto segment_size = static_cast<uint16_t>(vectors[first].iov_len);
      std::memcpy(CMSG_DATA(message), &segment_size, sizeof segment_size);
    }
    message_first_vector[message_count] = static_cast<uint8_t>(first);
    ++message_count;
  }

  void add_vector(size_t datagram) {
    vectors[vector_count] = {buffers[datagram].data(), lengths[datagram]};
    vector_datagram[vector_count] = static_cast<uint8_t>(datagram);
    ++vector_count;
  }

  size_t message_segments(size_t message) const { return headers[message].msg_hdr.msg_iovlen; }
};

UdpSocket::UdpSocket(UdpOptions options)
    : options_(options),
      receive_(options.gro ? std::make_unique<ReceiveBatch>(kGroBatchSize, kMaxGroMessageBytes, true)
                           : std::make_unique<ReceiveBatch>(kBatchSize, kMaxDatagramBytes, false)),
      send_(std::make_unique<SendBatch>()),
      received_(options.gro ? kGroBatchSize * kMaxGroSegments : kBatchSize) {}

UdpSocket::~UdpSocket() { close(); }

bool UdpSocket::bind(const SocketAddress& address, std::string* error) {
  close();
  fd_ = ::socket(address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd_ < 0) {
    if (error) *error = std::string("socket() failed: ") + std::strerror(errno);
    return false;
  }
  const int buffer_bytes = kSocketBufferBytes;
  // Best effort: the kernel caps these at net.core.rmem_max / wmem_max.
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
  if (::bind(fd_, address.sockaddr_ptr(), address.length()) != 0) {
    if (error) *error = "bind to " + address.to_string() + " failed: " + std::strerror(errno);
    close();
    return false;
  }
  if (options_.gro) {
    // Kernels before 5.0 have no UDP_GRO option and reject it. The socket
    // then receives one datagram per message, which the large buffers hold too.
    const int enable = 1;
    gro_active_.store(::setsockopt(fd_, SOL_UDP, UDP_GRO, &enable, sizeof enable) == 0, std::memory_order_relaxed);
    if (!gro_active()) {
      log::warn("media", "UDP GRO option rejected, receiving one datagram per message",
                {{"error", std::strerror(errno)}, {"address", address.to_string()}});
    }
  }
  if (options_.gso) {
    // Kernels before 4.18 have no UDP_SEGMENT option and fail this read.
    int segment_size = 0;
    socklen_t size_length = sizeof segment_size;
    gso_active_.store(true, std::memory_order_relaxed);
    if (::getsockopt(fd_, SOL_UDP, UDP_SEGMENT, &segment_size, &size_length) != 0) {
      disable_gso(errno, "the UDP_SEGMENT option probe failed");
    }
  }
  return true;
}

void UdpSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  queued_ = 0;
  gso_active_.store(false, std::memory_order_relaxed);
  gro_active_.store(false, std::memory_order_relaxed);
}

SocketAddress UdpSocket::local_address() const {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (fd_ < 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return {};
  return SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&storage));
}

int UdpSocket::receive_batch() {
  ReceiveBatch& batch = *receive_;
  const size_t messages = batch.headers.size();
  for (size_t i = 0; i < messages; ++i) {
    msghdr& header = batch.headers[i].msg_hdr;
    header.msg_namelen = sizeof(sockaddr_storage);
    header.msg_flags = 0;
    if (!batch.controls.empty()) {
      // recvmmsg shortens msg_controllen to what it wrote, so it is reset each time.
      header.msg_control = batch.controls[i].bytes;
      header.msg_controllen = sizeof batch.controls[i].bytes;
    }
  }
  ++receive_calls_;
  receive_filled_ = false;
  const int count = ::recvmmsg(fd_, batch.headers.data(), static_cast<unsigned>(messages), MSG_DONTWAIT, nullptr);
  if (count < 0) {
    return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
  }
  receive_filled_ = static_cast<size_t>(count) == messages;

  size_t datagrams = 0;
  for (int i = 0; i < count; ++i) {
    const auto message = static_cast<size_t>(i);
    const SocketAddress from =
        SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&batch.addresses[message]));
    uint8_t* data = batch.storage.get() + message * batch.buffer_bytes;
    const size_t length = batch.headers[message].msg_len;
    const bool truncated = (batch.headers[message].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    const size_t segment = batch.controls.empty() ? 0 : batch.segment_size(message);
    if (segment == 0 || length <= segment) {
      received_[datagrams++] = ReceivedDatagram{from, MutableByteView(data, length), truncated};
      continue;
    }
    // Every segment has the run's size except the last, which may be shorter.
    // Single writer: a relaxed load and store, no locked instruction.
    coalesced_receives_.store(coalesced_receives_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    size_t offset = 0;
    for (size_t part = 0; offset < length; ++part, offset += segment) {
      if (part == kMaxGroSegments) {
        const uint64_t dropped = (length - offset + segment - 1) / segment;
        segments_dropped_.store(segments_dropped_.load(std::memory_order_relaxed) + dropped,
                                std::memory_order_relaxed);
        break;
      }
      const size_t part_length = std::min(segment, length - offset);
      received_[datagrams++] = ReceivedDatagram{from, MutableByteView(data + offset, part_length), truncated};
    }
  }
  return static_cast<int>(datagrams);
}

void UdpSocket::queue_send(const SocketAddress& to, ByteView data) {
  if (data.size() > kMaxDatagramBytes) {
    ++oversized_dropped_;
    return;
  }
  MutableByteView slot = begin_send();
  // An empty view may have a null data pointer, which memcpy must not get.
  if (!data.empty()) std::memcpy(slot.data(), data.data(), data.size());
  commit_send(to, data.size());
}

MutableByteView UdpSocket::begin_send() {
  if (queued_ == kBatchSize) flush();
  return MutableByteView(send_->buffers[queued_].data(), kMaxDatagramBytes);
}

void UdpSocket::commit_send(const SocketAddress& to, size_t length) {
  SendBatch& batch = *send_;
  batch.destinations[queued_] = to;
  batch.lengths[queued_] = length;
  ++queued_;
}

void UdpSocket::plan_messages() {
  SendBatch& batch = *send_;
  batch.message_count = 0;
  batch.vector_count = 0;
  if (!gso_active()) {
    for (size_t i = 0; i < queued_; ++i) {
      batch.add_vector(i);
      batch.add_message(i, i);
    }
    return;
  }

  // Group the queued datagrams by destination, keeping queue order within
  // each group and ordering the groups by their first datagram.
  size_t group_count = 0;
  batch.slots.fill(kNoDatagram);
  for (size_t i = 0; i < queued_; ++i) {
    batch.next_same_destination[i] = kNoDatagram;
    size_t slot = batch.destinations[i].hash() % kDestinationSlots;
    while (batch.slots[slot] != kNoDatagram &&
           !(batch.destinations[batch.group_first[batch.slots[slot]]] == batch.destinations[i])) {
      slot = (slot + 1) % kDestinationSlots;
    }
    if (batch.slots[slot] == kNoDatagram) {
      batch.slots[slot] = static_cast<uint8_t>(group_count);
      batch.group_first[group_count] = static_cast<uint8_t>(i);
      batch.group_last[group_count] = static_cast<uint8_t>(i);
      ++group_count;
    } else {
      const uint8_t group = batch.slots[slot];
      batch.next_same_destination[batch.group_last[group]] = static_cast<uint8_t>(i);
      batch.group_last[group] = static_cast<uint8_t>(i);
    }
  }

  // Cut each group into runs that the kernel splits back into the same
  // datagrams: every segment has the first one's size except the last,
  // which may be shorter but not empty (an empty one would vanish).
  for (size_t group = 0; group < group_count; ++group) {
    size_t datagram = batch.group_first[group];
    while (datagram != kNoDatagram) {
      const size_t first_vector = batch.vector_count;
      const size_t segment_size = batch.lengths[datagram];
      size_t payload = segment_size;
      batch.add_vector(datagram);
      const size_t destination = datagram;
      datagram = batch.next_same_destination[datagram];
      while (datagram != kNoDatagram && segment_size > 0) {
        const size_t length = batch.lengths[datagram];
        if (length == 0 || length > segment_size) break;
        if (batch.vector_count - first_vector == kMaxGsoSegments || payload + length > kMaxGsoPayloadBytes) break;
        batch.add_vector(datagram);
        payload += length;
        datagram = batch.next_same_destination[datagram];
        if (length < segment_size) break;  // a shorter segment ends the run
      }
      batch.add_message(first_vector, destination);
    }
  }
}

void UdpSocket::split_messages_from(size_t first_message) {
  SendBatch& batch = *send_;
  const size_t first_vector = batch.message_first_vector[first_message];
  const size_t vector_count = batch.vector_count;
  // Message j takes vector first_vector + (j - first_message) >= j, so each
  // rewrite reads only vectors and destinations, never a header not yet
  // rewritten.
  batch.message_count = first_message;
  for (size_t v = first_vector; v < vector_count; ++v) {
    batch.vector_count = v + 1;
    batch.add_message(v, batch.vector_datagram[v]);
  }
  batch.vector_count = vector_count;
}

void UdpSocket::disable_gso(int error_number, const char* reason) {
  gso_active_.store(false, std::memory_order_relaxed);
  UdpSendCounters::add(counters_.gso_fallbacks_, 1);
  log::warn("media", "UDP GSO turned off, sending one datagram per message",
            {{"address", local_address().to_string()}, {"reason", reason}, {"error", std::strerror(error_number)}});
}

int UdpSocket::send_messages(size_t first) {
  SendBatch& batch = *send_;
  size_t end = batch.message_count;
  if (gso_test_error_ != 0) {
    // Like the kernel, which stops at the message it rejects: the messages
    // before the first segmented one go out, then that one fails.
    end = first;
    while (end < batch.message_count && batch.message_segments(end) == 1) ++end;
    if (end == first) {
      errno = gso_test_error_;
      gso_test_error_ = 0;
      return -1;
    }
  }
  UdpSendCounters::add(counters_.send_calls_, 1);
  const int count = ::sendmmsg(fd_, batch.headers.data() + first, static_cast<unsigned>(end - first), 0);
  if (count <= 0) return count;

  uint64_t datagrams = 0;
  uint64_t segmented = 0;
  for (size_t m = first; m < first + static_cast<size_t>(count); ++m) {
    datagrams += batch.message_segments(m);
    if (batch.message_segments(m) > 1) ++segmented;
  }
  UdpSendCounters::add(counters_.datagrams_sent_, datagrams);
  UdpSendCounters::add(counters_.messages_sent_, static_cast<uint64_t>(count));
  UdpSendCounters::add(counters_.gso_messages_sent_, segmented);
  return count;
}

void UdpSocket::flush() {
  if (queued_ == 0 || fd_ < 0) {
    queued_ = 0;
    return;
  }
  plan_messages();
  const SendBatch& batch = *send_;
  // After a segmented message is rejected, its first datagram is retried
  // alone. If the kernel takes it, GSO was the cause and is turned off. If
  // that fails too (a destination port of 0 gives EINVAL either way), the
  // datagram was the cause and GSO stays on.
  constexpr size_t kNoMessage = kBatchSize;
  size_t retried_message = kNoMessage;
  int rejection_error = 0;
  size_t sent = 0;
  while (sent < batch.message_count) {
    const size_t segments = batch.message_segments(sent);
    const int count = send_messages(sent);
    if (count < 0) {
      const int error_number = errno;
      if (error_number == EINTR) continue;
      if (segments > 1 && is_gso_rejection(error_number)) {
        // The kernel sent nothing of this message, so it and the rest of
        // the batch go again, one datagram per message.
        split_messages_from(sent);
        retried_message = sent;
        rejection_error = error_number;
        continue;
      }
      if (sent == retried_message) retried_message = kNoMessage;
      // Skip the message the kernel refused (EAGAIN when the buffer is full,
      // or an unreachable address) and carry on with the rest.
      UdpSendCounters::add(counters_.send_errors_, segments);
      ++sent;
      continue;
    }
    if (retried_message != kNoMessage && sent == retried_message) {
      // NOTE: EINVAL also comes from a segment larger than the path MTU,
      // which the kernel fragments when sent alone. Such a datagram turns
      // GSO off for the socket, although WebRTC keeps packets under the MTU.
      disable_gso(rejection_error, "the kernel rejected a segmented message");
      retried_message = kNoMessage;
    }
    sent += static_cast<size_t>(count);
  }
  queued_ = 0;
}

}  // namespace sightline::net

// UdpSocket: recvmmsg/sendmmsg batching over buffers allocated once per socket.
#include "relay/net/udp_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sightline::net {

namespace {
// Kernel socket buffers: a burst of video keyframes from many calls arrives
// faster than one loop iteration drains it.
constexpr int kSocketBufferBytes = 8 * 1024 * 1024;
}  // namespace

struct UdpSocket::Batch {
  std::array<std::array<uint8_t, kMaxDatagramBytes>, kBatchSize> buffers;
  std::array<mmsghdr, kBatchSize> headers;
  std::array<iovec, kBatchSize> vectors;
  std::array<sockaddr_storage, kBatchSize> addresses;

  Batch() {
    for (size_t i = 0; i < kBatchSize; ++i) {
      vectors[i] = {buffers[i].data(), buffers[i].size()};
      std::memset(&headers[i], 0, sizeof(mmsghdr));
      headers[i].msg_hdr.msg_iov = &vectors[i];
      headers[i].msg_hdr.msg_iovlen = 1;
      headers[i].msg_hdr.msg_name = &addresses[i];
      headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
  }
};

UdpSocket::UdpSocket() : receive_(std::make_unique<Batch>()), send_(std::make_unique<Batch>()) {}

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
  return true;
}

void UdpSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  queued_ = 0;
}

SocketAddress UdpSocket::local_address() const {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (fd_ < 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return {};
  return SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&storage));
}

int UdpSocket::receive_batch() {
  Batch& batch = *receive_;
  for (size_t i = 0; i < kBatchSize; ++i) {
    batch.headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    batch.headers[i].msg_hdr.msg_flags = 0;
  }
  ++receive_calls_;
  const int count = ::recvmmsg(fd_, batch.headers.data(), kBatchSize, MSG_DONTWAIT, nullptr);
  if (count < 0) {
    return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
  }
  for (int i = 0; i < count; ++i) {
    ReceivedDatagram& out = received_[i];
    out.from = SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&batch.addresses[i]));
    out.data = MutableByteView(batch.buffers[i].data(), batch.headers[i].msg_len);
    out.truncated = (batch.headers[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
  }
  return count;
}

void UdpSocket::queue_send(const SocketAddress& to, ByteView data) {
  if (data.size() > kMaxDatagramBytes) {
    ++oversized_dropped_;
    return;
  }
  MutableByteView slot = begin_send();
  std::memcpy(slot.data(), data.data(), data.size());
  commit_send(to, data.size());
}

MutableByteView UdpSocket::begin_send() {
  if (queued_ == kBatchSize) flush();
  return MutableByteView(send_->buffers[queued_].data(), kMaxDatagramBytes);
}

void UdpSocket::commit_send(const SocketAddress& to, size_t length) {
  Batch& batch = *send_;
  std::memcpy(&batch.addresses[queued_], to.sockaddr_ptr(), to.length());
  batch.headers[queued_].msg_hdr.msg_namelen = to.length();
  batch.vectors[queued_].iov_len = length;
  ++queued_;
}

void UdpSocket::flush() {
  Batch& batch = *send_;
  size_t sent = 0;
  while (sent < queued_ && fd_ >= 0) {
    ++send_calls_;
    const int count = ::sendmmsg(fd_, batch.headers.data() + sent, static_cast<unsigned>(queued_ - sent), 0);
    if (count < 0) {
      if (errno == EINTR) continue;
      // Skip the datagram the kernel refused (EAGAIN when the buffer is full,
      // or an unreachable address) and carry on with the rest.
      ++send_errors_;
      ++sent;
      continue;
    }
    sent += static_cast<size_t>(count);
    datagrams_sent_ += static_cast<uint64_t>(count);
  }
  queued_ = 0;
}

}  // namespace sightline::net

// The path a media packet arrived on or leaves by: a UDP datagram to or from
// a remote address, or an ICE-TCP connection of a media worker (RFC 6544).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "relay/base/socket_address.h"

namespace sightline {

struct PacketPath {
  // The remote address: the UDP sender, or the TCP connection's peer.
  SocketAddress address;
  // 0 for UDP; otherwise the worker's id of the TCP connection, which stays
  // unique on that worker while the connection is open.
  uint32_t connection = 0;

  PacketPath() = default;
  // A UDP path. Implicit, so that code that handles only UDP reads as before.
  PacketPath(const SocketAddress& udp_address) : address(udp_address) {}  // NOLINT(google-explicit-constructor)
  PacketPath(const SocketAddress& remote, uint32_t tcp_connection) : address(remote), connection(tcp_connection) {}

  bool empty() const { return address.empty(); }
  bool is_tcp() const { return connection != 0; }

  friend bool operator==(const PacketPath& a, const PacketPath& b) {
    return a.connection == b.connection && a.address == b.address;
  }
};

struct PacketPathHash {
  size_t operator()(const PacketPath& path) const {
    return path.address.hash() ^ (std::hash<uint32_t>{}(path.connection) * 0x9E3779B97F4A7C15ull);
  }
};

}  // namespace sightline

// An IPv4 or IPv6 transport address (IP and port), comparable and hashable so
// that the media plane can map a 5-tuple to its transport.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sightline {

class SocketAddress {
 public:
  SocketAddress() = default;
  // Copies from a sockaddr of family AF_INET or AF_INET6; anything else gives
  // an empty address.
  static SocketAddress from_sockaddr(const sockaddr* address);
  // Parses "127.0.0.1" or "::1" with a port; returns nullopt when invalid.
  static std::optional<SocketAddress> parse(std::string_view ip, uint16_t port);

  bool empty() const { return family() == AF_UNSPEC; }
  int family() const { return storage_.ss_family; }
  bool is_ipv6() const { return family() == AF_INET6; }
  uint16_t port() const;
  void set_port(uint16_t port);
  const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t length() const;
  // The address bytes: 4 for IPv4, 16 for IPv6.
  const uint8_t* ip_bytes() const;
  size_t ip_length() const { return is_ipv6() ? 16 : 4; }

  // "127.0.0.1" or "::1".
  std::string ip_string() const;
  // "127.0.0.1:5000" or "[::1]:5000".
  std::string to_string() const;

  bool operator==(const SocketAddress& other) const;
  size_t hash() const;

 private:
  sockaddr_storage storage_{};
};

struct SocketAddressHash {
  size_t operator()(const SocketAddress& address) const { return address.hash(); }
};

}  // namespace sightline

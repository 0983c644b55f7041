// SocketAddress: conversions, comparison and hashing of IPv4 and IPv6 addresses.
#include "relay/base/socket_address.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace sightline {

SocketAddress SocketAddress::from_sockaddr(const sockaddr* address) {
  SocketAddress result;
  if (address == nullptr) return result;
  if (address->sa_family == AF_INET) {
    std::memcpy(&result.storage_, address, sizeof(sockaddr_in));
  } else if (address->sa_family == AF_INET6) {
    std::memcpy(&result.storage_, address, sizeof(sockaddr_in6));
  }
  return result;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view ip, uint16_t port) {
  const std::string text(ip);
  SocketAddress result;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&result.storage_);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&result.storage_);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return result;
  }
  result = SocketAddress();
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return result;
  }
  return std::nullopt;
}

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

void SocketAddress::set_port(uint16_t port) {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

socklen_t SocketAddress::length() const {
  if (family() == AF_INET) return sizeof(sockaddr_in);
  if (family() == AF_INET6) return sizeof(sockaddr_in6);
  return 0;
}

const uint8_t* SocketAddress::ip_bytes() const {
  if (is_ipv6()) return reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr.s6_addr;
  return reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr);
}

std::string SocketAddress::ip_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (empty()) return "";
  inet_ntop(family(), ip_bytes(), buffer, sizeof buffer);
  return buffer;
}

std::string SocketAddress::to_string() const {
  if (empty()) return "(none)";
  char buffer[INET6_ADDRSTRLEN + 16];
  std::snprintf(buffer, sizeof buffer, is_ipv6() ? "[%s]:%u" : "%s:%u", ip_string().c_str(), port());
  return buffer;
}

bool SocketAddress::operator==(const SocketAddress& other) const {
  return family() == other.family() && port() == other.port() &&
         std::memcmp(ip_bytes(), other.ip_bytes(), ip_length()) == 0;
}

size_t SocketAddress::hash() const {
  // FNV-1a over family, port and address bytes: cheap and good enough for a
  // table keyed by a few thousand peers.
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](uint8_t byte) {
    h ^= byte;
    h *= 1099511628211ULL;
  };
  mix(static_cast<uint8_t>(family()));
  const uint16_t p = port();
  mix(static_cast<uint8_t>(p >> 8));
  mix(static_cast<uint8_t>(p));
  const uint8_t* bytes = ip_bytes();
  for (size_t i = 0; i < ip_length(); ++i) mix(bytes[i]);
  return static_cast<size_t>(h);
}

}  // namespace sightline

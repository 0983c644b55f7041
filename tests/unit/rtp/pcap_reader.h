// Minimal reader of classic pcap captures for tests: returns the UDP payloads
// of IPv4 and IPv6 packets over Ethernet or raw IP links.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace sightline::test {

struct UdpDatagram {
  int64_t timestamp_us = 0;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  std::vector<uint8_t> payload;
};

namespace pcap_detail {

constexpr uint32_t kMagicMicroseconds = 0xA1B2C3D4;
constexpr uint32_t kMagicNanoseconds = 0xA1B23C4D;
constexpr uint32_t kLinkEthernet = 1;
constexpr uint32_t kLinkRawIp = 101;
constexpr size_t kGlobalHeaderSize = 24;
constexpr size_t kRecordHeaderSize = 16;
constexpr size_t kEthernetHeaderSize = 14;
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr uint16_t kEtherTypeVlan = 0x8100;
constexpr uint8_t kProtocolUdp = 17;
constexpr size_t kIpv6HeaderSize = 40;
constexpr size_t kUdpHeaderSize = 8;

inline uint32_t load32(const uint8_t* p, bool swapped) {
  const uint32_t little = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
  return swapped ? __builtin_bswap32(little) : little;
}
inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// Appends the UDP payload of one IP packet to `out`; ignores anything else,
// including IPv6 packets with extension headers.
inline void add_ip_packet(const uint8_t* p, size_t size, int64_t timestamp_us, std::vector<UdpDatagram>& out) {
  if (size < 1) return;
  size_t header_size = 0;
  uint8_t protocol = 0;
  if ((p[0] >> 4) == 4) {
    header_size = static_cast<size_t>(p[0] & 0x0F) * 4;
    if (size < 20 || size < header_size) return;
    protocol = p[9];
  } else if ((p[0] >> 4) == 6) {
    header_size = kIpv6HeaderSize;
    if (size < header_size) return;
    protocol = p[6];
  } else {
    return;
  }
  if (protocol != kProtocolUdp || size - header_size < kUdpHeaderSize) return;

  const uint8_t* udp = p + header_size;
  const size_t udp_length = load_be16(udp + 4);
  if (udp_length < kUdpHeaderSize || udp_length > size - header_size) return;
  UdpDatagram datagram;
  datagram.timestamp_us = timestamp_us;
  datagram.source_port = load_be16(udp);
  datagram.destination_port = load_be16(udp + 2);
  datagram.payload.assign(udp + kUdpHeaderSize, udp + udp_length);
  out.push_back(std::move(datagram));
}

}  // namespace pcap_detail

// Reads every UDP datagram from the capture at `path`. Sets `error` and
// returns what was read so far when the file is missing or malformed.
inline std::vector<UdpDatagram> read_pcap_udp(const std::string& path, std::string& error) {
  using namespace pcap_detail;
  std::vector<UdpDatagram> datagrams;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = "cannot open " + path;
    return datagrams;
  }
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (bytes.size() < kGlobalHeaderSize) {
    error = "file shorter than the pcap global header";
    return datagrams;
  }

  const uint32_t magic = load32(bytes.data(), false);
  const bool swapped = magic == __builtin_bswap32(kMagicMicroseconds) || magic == __builtin_bswap32(kMagicNanoseconds);
  const uint32_t native_magic = swapped ? __builtin_bswap32(magic) : magic;
  if (native_magic != kMagicMicroseconds && native_magic != kMagicNanoseconds) {
    error = "not a classic pcap file (bad magic number)";
    return datagrams;
  }
  const bool nanoseconds = native_magic == kMagicNanoseconds;
  const uint32_t link_type = load32(bytes.data() + 20, swapped);
  if (link_type != kLinkEthernet && link_type != kLinkRawIp) {
    error = "unsupported link type " + std::to_string(link_type);
    return datagrams;
  }

  size_t offset = kGlobalHeaderSize;
  while (offset < bytes.size()) {
    if (bytes.size() - offset < kRecordHeaderSize) {
      error = "truncated record header";
      return datagrams;
    }
    const uint8_t* record = bytes.data() + offset;
    const int64_t seconds = load32(record, swapped);
    const int64_t fraction = load32(record + 4, swapped);
    const size_t captured = load32(record + 8, swapped);
    offset += kRecordHeaderSize;
    if (bytes.size() - offset < captured) {
      error = "truncated record";
      return datagrams;
    }
    const int64_t timestamp_us = seconds * 1'000'000 + (nanoseconds ? fraction / 1000 : fraction);

    const uint8_t* frame = bytes.data() + offset;
    if (link_type == kLinkRawIp) {
      add_ip_packet(frame, captured, timestamp_us, datagrams);
    } else if (captured >= kEthernetHeaderSize) {
      size_t ether_offset = 12;
      uint16_t ether_type = load_be16(frame + ether_offset);
      if (ether_type == kEtherTypeVlan && captured >= kEthernetHeaderSize + 4) {
        ether_offset += 4;
        ether_type = load_be16(frame + ether_offset);
      }
      if (ether_type == kEtherTypeIpv4 || ether_type == kEtherTypeIpv6) {
        add_ip_packet(frame + ether_offset + 2, captured - ether_offset - 2, timestamp_us, datagrams);
      }
    }
    offset += captured;
  }
  return datagrams;
}

}  // namespace sightline::test

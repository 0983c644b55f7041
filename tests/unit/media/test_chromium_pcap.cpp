// Depacketizes and decodes the VP8 stream of a real Chromium call captured
// without media encryption: Chromium's descriptors (X=0), its frame sizes and
// its packet order, as the relay and the peer will receive them.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "relay/base/bytes.h"
#include "tests/support/shared_test_data.h"
#include "tools/media/vp8_decoder.h"
#include "tools/media/vp8_frame_assembler.h"

namespace sightline::media {
namespace {

const char kPcapFile[] = "rtp/chromium-156-vp8-foreman.pcap";
constexpr uint8_t kVp8PayloadType = 96;  // From the capture's SDP answer.

constexpr size_t kPcapHeaderBytes = 24;
constexpr size_t kPcapRecordHeaderBytes = 16;
constexpr uint32_t kPcapMagicMicroseconds = 0xA1B2C3D4;
constexpr uint32_t kLinkTypeEthernet = 1;
constexpr size_t kEthernetHeaderBytes = 14;
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr uint8_t kIpProtocolUdp = 17;
constexpr size_t kIpv6HeaderBytes = 40;
constexpr size_t kUdpHeaderBytes = 8;
constexpr size_t kRtpHeaderBytes = 12;

uint32_t load_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

struct RtpPacket {
  uint32_t ssrc = 0;
  uint8_t payload_type = 0;
  Vp8RtpPacket vp8;
};

// Returns the UDP payload of an Ethernet frame carrying IPv4 or IPv6 UDP
// without IPv6 extension headers, or an empty view.
ByteView udp_payload(ByteView frame) {
  if (frame.size() < kEthernetHeaderBytes) return {};
  const uint16_t ether_type = load_be16(&frame[12]);
  ByteView ip = frame.subspan(kEthernetHeaderBytes);
  ByteView udp;
  if (ether_type == kEtherTypeIpv4) {
    if (ip.size() < 20) return {};
    const size_t header_bytes = static_cast<size_t>(ip[0] & 0x0F) * 4;
    if (ip[9] != kIpProtocolUdp || ip.size() < header_bytes) return {};
    udp = ip.subspan(header_bytes);
  } else if (ether_type == kEtherTypeIpv6) {
    if (ip.size() < kIpv6HeaderBytes || ip[6] != kIpProtocolUdp) return {};
    udp = ip.subspan(kIpv6HeaderBytes);
  } else {
    return {};
  }
  if (udp.size() < kUdpHeaderBytes) return {};
  const size_t udp_length = load_be16(&udp[4]);
  if (udp_length < kUdpHeaderBytes || udp_length > udp.size()) return {};
  return udp.subspan(kUdpHeaderBytes, udp_length - kUdpHeaderBytes);
}

// Parses the fixed RTP header, CSRCs, extension block and padding
// (RFC 3550 section 5.1). Returns false for STUN, RTCP and malformed data.
bool parse_rtp(ByteView data, RtpPacket& out) {
  if (data.size() < kRtpHeaderBytes || (data[0] >> 6) != 2) return false;
  const uint8_t payload_type = data[1] & 0x7F;
  // RTCP packet types 192..223 appear as these with rtcp-mux (RFC 5761 section 4).
  if (payload_type >= 64 && payload_type <= 95) return false;
  size_t offset = kRtpHeaderBytes + static_cast<size_t>(data[0] & 0x0F) * 4;
  if ((data[0] & 0x10) != 0) {
    if (data.size() < offset + 4) return false;
    offset += 4 + static_cast<size_t>(load_be16(&data[offset + 2])) * 4;
  }
  size_t end = data.size();
  if ((data[0] & 0x20) != 0) {
    if (end == 0 || data[end - 1] > end - offset) return false;
    end -= data[end - 1];
  }
  if (offset > end) return false;
  out.payload_type = payload_type;
  out.ssrc = load_be32(&data[8]);
  out.vp8.marker = (data[1] & 0x80) != 0;
  out.vp8.sequence_number = load_be16(&data[2]);
  out.vp8.timestamp = load_be32(&data[4]);
  out.vp8.payload = data.subspan(offset, end - offset);
  return true;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

TEST(ChromiumPcap, EveryVp8FrameDecodes) {
  const std::string pcap_path = test::shared_test_file(kPcapFile);
  const std::vector<uint8_t> pcap = read_file(pcap_path);
  ASSERT_GE(pcap.size(), kPcapHeaderBytes) << "cannot read " << pcap_path;
  ASSERT_EQ(load_le32(&pcap[0]), kPcapMagicMicroseconds) << "expected a little-endian classic pcap";
  ASSERT_EQ(load_le32(&pcap[20]), kLinkTypeEthernet);

  std::string error;
  auto decoder = Vp8Decoder::create(error);
  ASSERT_NE(decoder, nullptr) << error;
  int frames_ok = 0;
  int frames_failed = 0;
  int keyframes = 0;
  I420Frame picture;
  auto on_frame = [&](const Vp8AssembledFrame& frame) {
    const DecodeResult result = decoder->decode(frame.bytes, picture);
    if (result.status == DecodeStatus::kOk) {
      ++frames_ok;
    } else {
      ++frames_failed;
      ADD_FAILURE() << "frame at RTP timestamp " << frame.rtp_timestamp << ": " << result.message;
    }
    keyframes += frame.keyframe ? 1 : 0;
  };

  // One assembler per VP8 SSRC: the capture contains one video stream, but a
  // second would otherwise corrupt the first.
  std::map<uint32_t, Vp8FrameAssembler> assemblers;
  int vp8_packets = 0;
  size_t offset = kPcapHeaderBytes;
  while (offset + kPcapRecordHeaderBytes <= pcap.size()) {
    const size_t captured = load_le32(&pcap[offset + 8]);
    offset += kPcapRecordHeaderBytes;
    ASSERT_LE(offset + captured, pcap.size()) << "truncated pcap record";
    const ByteView frame(&pcap[offset], captured);
    offset += captured;

    RtpPacket packet;
    if (!parse_rtp(udp_payload(frame), packet) || packet.payload_type != kVp8PayloadType) continue;
    ++vp8_packets;
    auto it = assemblers.try_emplace(packet.ssrc, on_frame).first;
    it->second.insert(packet.vp8);
  }
  for (auto& [ssrc, assembler] : assemblers) assembler.flush();

  ASSERT_EQ(assemblers.size(), 1u);
  const Vp8AssemblerStats& stats = assemblers.begin()->second.stats();
  std::printf("Chromium capture: %d VP8 packets, %d frames decoded (%d key frames), %d failed, "
              "%llu packets lost, %llu incomplete frames, %llu delta frames dropped; %dx%d\n",
              vp8_packets, frames_ok, keyframes, frames_failed, static_cast<unsigned long long>(stats.packets_lost),
              static_cast<unsigned long long>(stats.frames_incomplete),
              static_cast<unsigned long long>(stats.delta_frames_dropped), picture.width, picture.height);

  // About 298 frames in the capture; at least 95% must decode.
  EXPECT_GE(frames_ok, 283);
  EXPECT_EQ(frames_failed, 0);
  EXPECT_GE(keyframes, 1);
  EXPECT_EQ(picture.width, 352);
  EXPECT_EQ(picture.height, 288);
}

}  // namespace
}  // namespace sightline::media

// Classification of datagrams on the shared media port by first and second byte.
#include "relay/ice/demux.h"

#include <gtest/gtest.h>

#include <vector>

namespace sightline::ice {
namespace {

// A datagram of `size` bytes starting with `first` and `second`.
std::vector<uint8_t> datagram(uint8_t first, uint8_t second, size_t size = 64) {
  std::vector<uint8_t> bytes(size, 0);
  bytes[0] = first;
  if (size > 1) bytes[1] = second;
  return bytes;
}

struct FirstByteCase {
  uint8_t first;
  PacketKind expected;
};

TEST(Demux, FirstByteBoundaries) {
  // The second byte 0x60 (RTP payload type 96) keeps 128..191 on RTP.
  const FirstByteCase cases[] = {
      {0, PacketKind::stun},     {3, PacketKind::stun},    {4, PacketKind::unknown},
      {19, PacketKind::unknown}, {20, PacketKind::dtls},   {63, PacketKind::dtls},
      {64, PacketKind::unknown}, {127, PacketKind::unknown}, {128, PacketKind::rtp},
      {191, PacketKind::rtp},    {192, PacketKind::unknown}, {255, PacketKind::unknown},
  };
  for (const FirstByteCase& test : cases) {
    const auto bytes = datagram(test.first, 0x60);
    EXPECT_EQ(classify_packet(bytes), test.expected) << "first byte " << int(test.first);
  }
}

TEST(Demux, RtcpVersusRtp) {
  // 0x80 is version 2 with no padding, extension or CSRC.
  EXPECT_EQ(classify_packet(datagram(0x80, 200)), PacketKind::rtcp);  // sender report
  EXPECT_EQ(classify_packet(datagram(0x81, 201)), PacketKind::rtcp);  // receiver report
  EXPECT_EQ(classify_packet(datagram(0x80, 192)), PacketKind::rtcp);
  EXPECT_EQ(classify_packet(datagram(0x80, 223)), PacketKind::rtcp);
  EXPECT_EQ(classify_packet(datagram(0x80, 96)), PacketKind::rtp);
  EXPECT_EQ(classify_packet(datagram(0x80, 96 | 0x80)), PacketKind::rtp);  // marker set
  EXPECT_EQ(classify_packet(datagram(0x80, 111)), PacketKind::rtp);
  EXPECT_EQ(classify_packet(datagram(0x80, 111 | 0x80)), PacketKind::rtp);
  EXPECT_EQ(classify_packet(datagram(0x80, 224)), PacketKind::rtp);
  EXPECT_EQ(classify_packet(datagram(0x80, 191)), PacketKind::rtp);
}

TEST(Demux, TooShortForKind) {
  EXPECT_EQ(classify_packet({}), PacketKind::unknown);
  EXPECT_EQ(classify_packet(datagram(0x00, 0x01, 19)), PacketKind::unknown);
  EXPECT_EQ(classify_packet(datagram(0x00, 0x01, 20)), PacketKind::stun);
  EXPECT_EQ(classify_packet(datagram(22, 0xFE, 12)), PacketKind::unknown);
  EXPECT_EQ(classify_packet(datagram(22, 0xFE, 13)), PacketKind::dtls);
  EXPECT_EQ(classify_packet(datagram(0x80, 96, 11)), PacketKind::unknown);
  EXPECT_EQ(classify_packet(datagram(0x80, 96, 12)), PacketKind::rtp);
  EXPECT_EQ(classify_packet(datagram(0x80, 200, 7)), PacketKind::unknown);
  EXPECT_EQ(classify_packet(datagram(0x80, 200, 8)), PacketKind::rtcp);
  EXPECT_EQ(classify_packet(datagram(0x80, 0, 1)), PacketKind::unknown);
}

TEST(Demux, KindNames) {
  EXPECT_STREQ(to_string(PacketKind::stun), "stun");
  EXPECT_STREQ(to_string(PacketKind::dtls), "dtls");
  EXPECT_STREQ(to_string(PacketKind::rtp), "rtp");
  EXPECT_STREQ(to_string(PacketKind::rtcp), "rtcp");
  EXPECT_STREQ(to_string(PacketKind::unknown), "unknown");
}

}  // namespace
}  // namespace sightline::ice

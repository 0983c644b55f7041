// Malformed packets sent into a live call: each is rejected and counted by
// reason, and the call keeps flowing. RTP and RTCP come from an
// authenticated participant (inside SRTP), STUN from a stray socket.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "relay/base/bytes.h"
#include "relay/net/udp_socket.h"
#include "tests/integration/relay_fixture.h"

namespace sightline::testing {
namespace {

using namespace std::chrono_literals;
using call::RejectReason;

class MalformedInput : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(relay_.start(), std::nullopt);
    peer::PeerOptions sender_options = peer_options(relay_, "call-m", "sender", "caller");
    sender_options.video_path = default_clip();
    sender_ = std::make_unique<peer::Peer>(sender_options);
    receiver_ = std::make_unique<peer::Peer>(peer_options(relay_, "call-m", "receiver", "terminal"));
    ASSERT_EQ(sender_->start(), std::nullopt);
    ASSERT_EQ(receiver_->start(), std::nullopt);
    ASSERT_TRUE(wait_until([&] { return receiver_->stats().frames_decoded > 5; }, 10s));
  }

  void TearDown() override {
    if (sender_) sender_->stop();
    if (receiver_) receiver_->stop();
    relay_.stop();
  }

  uint64_t rejected(RejectReason reason) const {
    return relay_.totals().rejected_by_reason[static_cast<size_t>(reason)];
  }

  // Waits until the count for reason grows past before, then checks that
  // video still reaches the receiver.
  void expect_rejected_and_still_serving(RejectReason reason, uint64_t before) {
    EXPECT_TRUE(wait_until([&] { return rejected(reason) > before; }, 2s)) << call::to_string(reason) << describe();
    const uint64_t decoded = receiver_->stats().frames_decoded;
    EXPECT_TRUE(wait_until([&] { return receiver_->stats().frames_decoded > decoded + 5; }, 3s));
  }

  // Every non-zero rejection count, for failure messages.
  std::string describe() const {
    const call::RelayTotals totals = relay_.totals();
    std::string text;
    for (size_t i = 0; i < static_cast<size_t>(RejectReason::count_); ++i) {
      if (totals.rejected_by_reason[i] == 0) continue;
      text += std::string(" ") + call::to_string(static_cast<RejectReason>(i)) + "=" +
              std::to_string(totals.rejected_by_reason[i]);
    }
    return text;
  }

  call::Relay relay_{loopback_relay_config()};
  std::unique_ptr<peer::Peer> sender_;
  std::unique_ptr<peer::Peer> receiver_;
};

uint64_t srtp_rejections(const call::RelayTotals& totals) {
  return totals.rejected_by_reason[static_cast<size_t>(RejectReason::srtp_auth_failed)] +
         totals.rejected_by_reason[static_cast<size_t>(RejectReason::srtp_other)];
}

TEST_F(MalformedInput, RtcpReceiverReportWithZeroLength) {
  // Too short for SRTCP, which needs the sender SSRC, so it can only arrive
  // unencrypted: the demultiplexer rejects it as shorter than any RTCP
  // packet with its SSRC, before decryption.
  const uint64_t before = rejected(RejectReason::unknown_kind);
  ASSERT_TRUE(sender_->send_unprotected({0x81, 0xC9, 0x00, 0x00}));
  EXPECT_TRUE(wait_until([&] { return rejected(RejectReason::unknown_kind) > before; }, 2s)) << describe();

  // Inside SRTCP with its sender SSRC after it: the length field ends the
  // report after 4 bytes and the SSRC then fails as the next packet's header.
  const uint64_t malformed_before = rejected(RejectReason::rtcp_malformed);
  ASSERT_TRUE(sender_->send_raw_rtcp({0x81, 0xC9, 0x00, 0x00, 0x11, 0x11, 0x11, 0x11}));
  expect_rejected_and_still_serving(RejectReason::rtcp_malformed, malformed_before);
}

TEST_F(MalformedInput, RtcpReportBlockAnnouncedButAbsent) {
  const uint64_t before = rejected(RejectReason::rtcp_malformed);
  ASSERT_TRUE(sender_->send_raw_rtcp({0x81, 0xC9, 0x00, 0x01, 0xDE, 0xAD, 0xBE, 0xEF}));
  expect_rejected_and_still_serving(RejectReason::rtcp_malformed, before);
}

TEST_F(MalformedInput, RtcpApplicationFeedbackWithoutFci) {
  // PSFB FMT 15 with sender and media SSRC and no REMB identifier: skipped
  // and counted as unknown feedback, never read past its end.
  const uint64_t before = rejected(RejectReason::rtcp_skipped);
  ASSERT_TRUE(sender_->send_raw_rtcp({0x8F, 0xCE, 0x00, 0x02, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22}));
  expect_rejected_and_still_serving(RejectReason::rtcp_skipped, before);
}

TEST_F(MalformedInput, RtcpTwoBlocksRoomForOneThenSdes) {
  std::vector<uint8_t> compound = {0x82, 0xC9, 0x00, 0x07, 0x11, 0x11, 0x11, 0x11};
  compound.resize(compound.size() + 24, 0x00);  // one report block
  const std::vector<uint8_t> sdes = {0x81, 0xCA, 0x00, 0x02, 0x11, 0x11, 0x11, 0x11, 0x01, 0x01, 0x41, 0x00};
  compound.insert(compound.end(), sdes.begin(), sdes.end());
  const uint64_t before = rejected(RejectReason::rtcp_malformed);
  ASSERT_TRUE(sender_->send_raw_rtcp(compound));
  expect_rejected_and_still_serving(RejectReason::rtcp_malformed, before);
}

TEST_F(MalformedInput, RtpExtensionClaimingTooManyWords) {
  // One-byte extension block claiming 255 words with 4 bytes present. SRTP
  // cannot carry it (libsrtp parses the header to find the payload), so it
  // arrives unencrypted from the participant's address and fails there.
  const std::vector<uint8_t> packet = {0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22,
                                       0x33, 0x44, 0xBE, 0xDE, 0x00, 0xFF, 0x10, 0xAA, 0x00, 0x00};
  const uint64_t before = srtp_rejections(relay_.totals());
  ASSERT_TRUE(sender_->send_unprotected(packet));
  EXPECT_TRUE(wait_until([&] { return srtp_rejections(relay_.totals()) > before; }, 2s));
  const uint64_t decoded = receiver_->stats().frames_decoded;
  EXPECT_TRUE(wait_until([&] { return receiver_->stats().frames_decoded > decoded + 5; }, 3s));
}

TEST_F(MalformedInput, RtpReservedExtensionIdIsForwarded) {
  // ID 15 ends extension parsing (RFC 8285 section 4.2) but the packet is
  // valid: it is not rejected. Audio payload type, so that the receiver's
  // video is untouched.
  std::vector<uint8_t> packet = {0x90, 111, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22,
                                 0x33, 0x44, 0xBE, 0xDE, 0x00, 0x01, 0xF0, 0x00, 0x00, 0x00};
  packet.insert(packet.end(), {0xF8, 0xFF, 0xFE});
  const call::RelayTotals before = relay_.totals();
  ASSERT_TRUE(sender_->send_raw_rtp(packet));
  EXPECT_TRUE(wait_until([&] { return relay_.totals().rtp_packets_in > before.rtp_packets_in + 50; }, 2s));
  EXPECT_EQ(rejected(RejectReason::rtp_malformed), before.rejected_by_reason[static_cast<size_t>(RejectReason::rtp_malformed)]);
}

TEST_F(MalformedInput, StunWithBadAttributesFromStraySocket) {
  const SocketAddress relay_media = *SocketAddress::parse("127.0.0.1", relay_.media_port(0));
  net::UdpSocket stray;
  std::string error;
  ASSERT_TRUE(stray.bind(*SocketAddress::parse("127.0.0.1", 0), &error)) << error;

  // A binding request whose FINGERPRINT attribute has length 0.
  const std::vector<uint8_t> request = {0x00, 0x01, 0x00, 0x04, 0x21, 0x12, 0xA4, 0x42, 0x01, 0x02, 0x03, 0x04,
                                        0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x80, 0x28, 0x00, 0x00};
  const uint64_t before = rejected(RejectReason::stun_malformed);
  stray.queue_send(relay_media, request);
  stray.flush();
  expect_rejected_and_still_serving(RejectReason::stun_malformed, before);

  // Media from an address that never passed a binding check.
  const uint64_t unknown_before = rejected(RejectReason::unknown_source);
  const std::vector<uint8_t> rtp = {0x80, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44, 0xAB};
  stray.queue_send(relay_media, rtp);
  stray.flush();
  expect_rejected_and_still_serving(RejectReason::unknown_source, unknown_before);
}

}  // namespace
}  // namespace sightline::testing

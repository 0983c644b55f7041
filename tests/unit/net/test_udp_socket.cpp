// UdpSocket send batching on loopback. With UDP GSO, runs of equal-size
// datagrams to one destination leave as one message. Every datagram must
// arrive intact and in order per destination: with GSO, without it, and
// after the fallback from a rejected segmented message.
#include "relay/net/udp_socket.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

namespace sightline::net {
namespace {

using Datagram = std::vector<uint8_t>;

// A payload that differs for every destination, sequence number and byte
// position, so a reordered, merged or cut datagram never compares equal.
Datagram make_datagram(size_t destination, size_t sequence, size_t length) {
  Datagram data(length);
  for (size_t i = 0; i < length; ++i) data[i] = static_cast<uint8_t>(destination * 31 + sequence * 7 + i);
  return data;
}

struct Receiver {
  explicit Receiver(bool gro) : socket(UdpOptions{.gro = gro}) {}
  UdpSocket socket;
  SocketAddress address;
  std::vector<Datagram> expected;
  std::vector<Datagram> received;
};

class UdpSocketSendTest : public ::testing::Test {
 protected:
  void open_receivers(size_t count, const char* ip = "127.0.0.1", bool gro = false) {
    for (size_t i = 0; i < count; ++i) {
      auto receiver = std::make_unique<Receiver>(gro);
      std::string error;
      ASSERT_TRUE(receiver->socket.bind(*SocketAddress::parse(ip, 0), &error)) << error;
      ASSERT_EQ(receiver->socket.gro_active(), gro);
      receiver->address = receiver->socket.local_address();
      receivers_.push_back(std::move(receiver));
    }
  }

  void open_sender(bool gso, const char* ip = "127.0.0.1") {
    UdpOptions options;
    options.gso = gso;
    sender_ = std::make_unique<UdpSocket>(options);
    std::string error;
    ASSERT_TRUE(sender_->bind(*SocketAddress::parse(ip, 0), &error)) << error;
    ASSERT_EQ(sender_->gso_active(), gso);
  }

  // Queues one datagram of `length` bytes to receiver `destination`, with
  // queue_send or with the in-place begin_send/commit_send pair.
  void queue(size_t destination, size_t length, bool in_place = false) {
    Receiver& receiver = *receivers_[destination];
    Datagram data = make_datagram(destination, receiver.expected.size(), length);
    if (in_place) {
      MutableByteView slot = sender_->begin_send();
      std::copy(data.begin(), data.end(), slot.data());
      sender_->commit_send(receiver.address, length);
    } else {
      sender_->queue_send(receiver.address, ByteView(data.data(), data.size()));
    }
    receiver.expected.push_back(std::move(data));
  }

  // Receives until every receiver has its expected count or two seconds
  // pass without a datagram.
  void receive_all() {
    for (auto& receiver : receivers_) {
      while (receiver->received.size() < receiver->expected.size()) {
        pollfd descriptor{receiver->socket.fd(), POLLIN, 0};
        if (::poll(&descriptor, 1, 2000) <= 0) break;
        const int count = receiver->socket.receive_batch();
        ASSERT_GE(count, 0);
        for (int i = 0; i < count; ++i) {
          const ReceivedDatagram& datagram = receiver->socket.received(i);
          EXPECT_FALSE(datagram.truncated);
          receiver->received.emplace_back(datagram.data.data(), datagram.data.data() + datagram.data.size());
        }
      }
    }
  }

  void expect_all_delivered() {
    for (size_t i = 0; i < receivers_.size(); ++i) {
      const Receiver& receiver = *receivers_[i];
      ASSERT_EQ(receiver.received.size(), receiver.expected.size()) << "destination " << i;
      for (size_t j = 0; j < receiver.expected.size(); ++j) {
        EXPECT_EQ(receiver.received[j].size(), receiver.expected[j].size()) << "destination " << i << " datagram " << j;
        EXPECT_EQ(receiver.received[j], receiver.expected[j]) << "destination " << i << " datagram " << j;
      }
    }
  }

  // Three destinations, interleaved in the queue: 23 datagrams in 6 runs.
  // Destination 0: ten of 1200 bytes and a shorter one of 800 (one run),
  // then five of 1200 (one run). Destination 1: 1001, 1000, 1001, 1000,
  // as a packetizer that spreads a frame evenly makes (two runs of two).
  // Destination 2: 300, then 700 and 700 (a longer size starts a run).
  void queue_mixed_pattern(bool in_place = false) {
    const std::vector<std::vector<size_t>> sizes = {
        {1200, 1200, 1200, 1200, 1200, 1200, 1200, 1200, 1200, 1200, 800, 1200, 1200, 1200, 1200, 1200},
        {1001, 1000, 1001, 1000},
        {300, 700, 700},
    };
    std::vector<size_t> next(sizes.size(), 0);
    for (bool queued = true; queued;) {
      queued = false;
      for (size_t destination = 0; destination < sizes.size(); ++destination) {
        if (next[destination] == sizes[destination].size()) continue;
        queue(destination, sizes[destination][next[destination]++], in_place);
        queued = true;
      }
    }
  }

  std::vector<std::unique_ptr<Receiver>> receivers_;
  std::unique_ptr<UdpSocket> sender_;
};

TEST_F(UdpSocketSendTest, GsoRunsMixedSizesSeveralDestinations) {
  open_receivers(3);
  open_sender(true);
  queue_mixed_pattern();
  sender_->flush();
  receive_all();

  expect_all_delivered();
  const UdpSendCounters& counters = sender_->send_counters();
  EXPECT_EQ(counters.datagrams_sent(), 23u);
  EXPECT_EQ(counters.messages_sent(), 6u);
  EXPECT_EQ(counters.gso_messages_sent(), 5u);
  EXPECT_EQ(counters.send_calls(), 1u);
  EXPECT_EQ(counters.send_errors(), 0u);
  EXPECT_EQ(counters.gso_fallbacks(), 0u);
  EXPECT_TRUE(sender_->gso_active());
}

TEST_F(UdpSocketSendTest, GsoInPlaceSlots) {
  open_receivers(3);
  open_sender(true);
  queue_mixed_pattern(/*in_place=*/true);
  sender_->flush();
  receive_all();

  expect_all_delivered();
  EXPECT_EQ(sender_->send_counters().messages_sent(), 6u);
}

TEST_F(UdpSocketSendTest, WithoutGsoOneMessagePerDatagram) {
  open_receivers(3);
  open_sender(false);
  queue_mixed_pattern();
  sender_->flush();
  receive_all();

  expect_all_delivered();
  const UdpSendCounters& counters = sender_->send_counters();
  EXPECT_EQ(counters.datagrams_sent(), 23u);
  EXPECT_EQ(counters.messages_sent(), 23u);
  EXPECT_EQ(counters.gso_messages_sent(), 0u);
  EXPECT_EQ(counters.gso_fallbacks(), 0u);
}

TEST_F(UdpSocketSendTest, GsoRunCutAtPayloadLimit) {
  // 64 datagrams of 1200 bytes fill one batch: 54 fit under the 65487-byte
  // payload limit of one message, the other 10 go in a second message.
  open_receivers(1);
  open_sender(true);
  for (size_t i = 0; i < kBatchSize; ++i) queue(0, 1200);
  sender_->flush();
  receive_all();

  expect_all_delivered();
  EXPECT_EQ(sender_->send_counters().datagrams_sent(), kBatchSize);
  EXPECT_EQ(sender_->send_counters().messages_sent(), 2u);
}

TEST_F(UdpSocketSendTest, GsoFullBatchOfSmallDatagrams) {
  // 64 datagrams of 100 bytes: one message of kMaxGsoSegments segments.
  open_receivers(1);
  open_sender(true);
  for (size_t i = 0; i < kBatchSize; ++i) queue(0, 100);
  sender_->flush();
  receive_all();

  expect_all_delivered();
  EXPECT_EQ(sender_->send_counters().messages_sent(), 1u);
}

TEST_F(UdpSocketSendTest, GsoBeyondOneBatchFlushesInOrder) {
  // 150 datagrams: begin_send() flushes each full batch of 64 on the way.
  open_receivers(2);
  open_sender(true);
  for (size_t i = 0; i < 150; ++i) queue(i % 2, i % 10 == 9 ? 500 : 1100);
  sender_->flush();
  receive_all();

  expect_all_delivered();
  EXPECT_EQ(sender_->send_counters().datagrams_sent(), 150u);
  EXPECT_LT(sender_->send_counters().messages_sent(), 40u);
}

TEST_F(UdpSocketSendTest, GsoKeepsEmptyDatagrams) {
  // An empty datagram cannot be a segment: it would vanish from the run.
  open_receivers(1);
  open_sender(true);
  queue(0, 100);
  queue(0, 0);
  queue(0, 100);
  queue(0, 100);
  sender_->flush();
  receive_all();

  expect_all_delivered();
  EXPECT_EQ(sender_->send_counters().messages_sent(), 3u);
}

// Receivers with UDP_GRO take each GSO message whole and split it again:
// every datagram arrives intact, in order, the shorter last one included.
TEST_F(UdpSocketSendTest, GroReceiverSplitsGsoRuns) {
  open_receivers(3, "127.0.0.1", true);
  open_sender(true);
  queue_mixed_pattern();
  sender_->flush();
  receive_all();

  expect_all_delivered();
  EXPECT_EQ(sender_->send_counters().messages_sent(), 6u);
  uint64_t coalesced = 0;
  for (const auto& receiver : receivers_) {
    coalesced += receiver->socket.coalesced_receives();
    EXPECT_EQ(receiver->socket.segments_dropped(), 0u);
  }
  // The five GSO messages arrived as coalesced messages.
  EXPECT_EQ(coalesced, 5u);
}

TEST_F(UdpSocketSendTest, GroReceiverTakesPlainDatagrams) {
  open_receivers(3, "127.0.0.1", true);
  open_sender(false);
  queue_mixed_pattern();
  sender_->flush();
  receive_all();

  expect_all_delivered();
  for (const auto& receiver : receivers_) EXPECT_EQ(receiver->socket.coalesced_receives(), 0u);
}

TEST_F(UdpSocketSendTest, GroReceiverManyMessages) {
  // More GSO messages than one receive takes: 40 runs of three datagrams,
  // so receive_batch() fills its kGroBatchSize buffers and is called again.
  open_receivers(1, "127.0.0.1", true);
  open_sender(true);
  for (size_t run = 0; run < 40; ++run) {
    for (size_t i = 0; i < 3; ++i) queue(0, 1000 + run);
  }
  sender_->flush();
  const int first = [&] {
    pollfd descriptor{receivers_[0]->socket.fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&descriptor, 1, 2000), 1);
    return receivers_[0]->socket.receive_batch();
  }();
  ASSERT_EQ(first, static_cast<int>(3 * kGroBatchSize));
  EXPECT_TRUE(receivers_[0]->socket.receive_filled());
  for (int i = 0; i < first; ++i) {
    const ReceivedDatagram& datagram = receivers_[0]->socket.received(i);
    receivers_[0]->received.emplace_back(datagram.data.data(), datagram.data.data() + datagram.data.size());
  }
  receive_all();

  expect_all_delivered();
  EXPECT_FALSE(receivers_[0]->socket.receive_filled());
}

TEST_F(UdpSocketSendTest, GsoOverIpv6Loopback) {
  UdpSocket probe;
  std::string error;
  if (!probe.bind(*SocketAddress::parse("::1", 0), &error)) GTEST_SKIP() << "no IPv6 loopback: " << error;
  open_receivers(3, "::1");
  open_sender(true, "::1");
  queue_mixed_pattern();
  sender_->flush();
  receive_all();

  expect_all_delivered();
  EXPECT_EQ(sender_->send_counters().messages_sent(), 6u);
}

TEST_F(UdpSocketSendTest, FallbackAtFirstMessageDeliversAll) {
  open_receivers(3);
  open_sender(true);
  sender_->fail_next_gso_send_for_testing(EIO);
  queue_mixed_pattern();
  sender_->flush();
  receive_all();

  expect_all_delivered();
  const UdpSendCounters& counters = sender_->send_counters();
  EXPECT_FALSE(sender_->gso_active());
  EXPECT_EQ(counters.gso_fallbacks(), 1u);
  EXPECT_EQ(counters.datagrams_sent(), 23u);
  EXPECT_EQ(counters.messages_sent(), 23u);
  EXPECT_EQ(counters.gso_messages_sent(), 0u);
  EXPECT_EQ(counters.send_errors(), 0u);
}

TEST_F(UdpSocketSendTest, FallbackMidBatchDeliversAll) {
  // The first two messages are single datagrams, so the rejection hits the
  // run after them, as when sendmmsg stops at the message the kernel rejects.
  open_receivers(2);
  open_sender(true);
  sender_->fail_next_gso_send_for_testing(EINVAL);
  queue(0, 400);
  queue(1, 900);
  queue(1, 900);
  queue(1, 900);
  queue(0, 500);
  sender_->flush();
  receive_all();

  expect_all_delivered();
  const UdpSendCounters& counters = sender_->send_counters();
  EXPECT_FALSE(sender_->gso_active());
  EXPECT_EQ(counters.gso_fallbacks(), 1u);
  EXPECT_EQ(counters.datagrams_sent(), 5u);
  // Destination 0's two single datagrams went first, then destination 1's
  // run of three went one datagram per message.
  EXPECT_EQ(counters.messages_sent(), 5u);
  EXPECT_EQ(counters.gso_messages_sent(), 0u);
  EXPECT_EQ(counters.send_calls(), 2u);
}

TEST_F(UdpSocketSendTest, AfterFallbackLaterFlushesSendPlain) {
  open_receivers(3);
  open_sender(true);
  sender_->fail_next_gso_send_for_testing(ENOPROTOOPT);
  queue_mixed_pattern();
  sender_->flush();
  queue_mixed_pattern();
  sender_->flush();
  receive_all();

  expect_all_delivered();
  EXPECT_EQ(sender_->send_counters().datagrams_sent(), 46u);
  EXPECT_EQ(sender_->send_counters().messages_sent(), 46u);
  EXPECT_EQ(sender_->send_counters().gso_fallbacks(), 1u);
}

TEST_F(UdpSocketSendTest, BadDestinationKeepsGso) {
  // The kernel rejects destination port 0 with EINVAL, with or without GSO.
  // The run to it is retried alone, fails again and is dropped, and GSO
  // stays on because the datagrams were at fault, not segmentation.
  open_receivers(1);
  open_sender(true);
  const SocketAddress port_zero = *SocketAddress::parse("127.0.0.1", 0);
  const Datagram data = make_datagram(9, 0, 700);
  for (int i = 0; i < 3; ++i) sender_->queue_send(port_zero, ByteView(data.data(), data.size()));
  queue(0, 1000);
  queue(0, 1000);
  sender_->flush();
  receive_all();

  expect_all_delivered();
  const UdpSendCounters& counters = sender_->send_counters();
  EXPECT_TRUE(sender_->gso_active());
  EXPECT_EQ(counters.gso_fallbacks(), 0u);
  EXPECT_EQ(counters.send_errors(), 3u);
  EXPECT_EQ(counters.datagrams_sent(), 2u);

  // The next flush still segments.
  queue(0, 1000);
  queue(0, 1000);
  sender_->flush();
  receive_all();

  expect_all_delivered();
  EXPECT_EQ(counters.gso_messages_sent(), 1u);
}

TEST_F(UdpSocketSendTest, OtherErrorDropsOnlyThatMessage) {
  // EAGAIN (buffer full) is no GSO rejection: the run is dropped and
  // counted, and GSO stays on.
  open_receivers(2);
  open_sender(true);
  sender_->fail_next_gso_send_for_testing(EAGAIN);
  queue(0, 500);
  queue(0, 500);
  queue(1, 600);
  sender_->flush();
  receivers_[0]->expected.clear();
  receive_all();

  expect_all_delivered();
  EXPECT_TRUE(sender_->gso_active());
  EXPECT_EQ(sender_->send_counters().send_errors(), 2u);
  EXPECT_EQ(sender_->send_counters().datagrams_sent(), 1u);
  EXPECT_EQ(sender_->send_counters().gso_fallbacks(), 0u);
}

}  // namespace
}  // namespace sightline::net

// The relay's UDP send path on loopback, with and without UDP GSO: queue a
// batch of forwarded packets as the media worker does after one receive
// batch, then flush it. The receivers are drained outside the timed part.
// The kernel's loopback delivery into the receiving sockets runs in the
// sending thread, but whether its softirq time counts as that thread's CPU
// time depends on the kernel's IRQ time accounting.
#include <benchmark/benchmark.h>

#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "relay/net/udp_socket.h"

namespace {

using namespace sightline;
using net::UdpOptions;
using net::UdpSocket;

constexpr size_t kDestinations = 48;

struct Loopback {
  std::vector<std::unique_ptr<UdpSocket>> receivers;
  std::vector<SocketAddress> addresses;
  std::unique_ptr<UdpSocket> sender;

  explicit Loopback(bool gso) {
    std::string error;
    for (size_t i = 0; i < kDestinations; ++i) {
      auto receiver = std::make_unique<UdpSocket>();
      if (!receiver->bind(*SocketAddress::parse("127.0.0.1", 0), &error)) throw std::runtime_error(error);
      addresses.push_back(receiver->local_address());
      receivers.push_back(std::move(receiver));
    }
    UdpOptions options;
    options.gso = gso;
    sender = std::make_unique<UdpSocket>(options);
    if (!sender->bind(*SocketAddress::parse("127.0.0.1", 0), &error)) throw std::runtime_error(error);
  }

  void drain() {
    for (auto& receiver : receivers) {
      while (receiver->receive_batch() > 0) {
      }
    }
  }
};

void queue(UdpSocket& socket, const SocketAddress& to, size_t length) {
  MutableByteView slot = socket.begin_send();
  slot.data()[0] = 0x80;
  socket.commit_send(to, length);
}

// Eight destinations each get one video frame of five packets, cut as an
// evenly spreading packetizer does (two of 1181 bytes, three of 1180), and
// one audio packet of 120 bytes. That makes 48 datagrams per flush,
// interleaved as frames from several publishers arrive in one receive batch.
void BM_UdpSendFrames(benchmark::State& state) {
  Loopback loopback(state.range(0) != 0);
  const size_t sizes[] = {1181, 1181, 1180, 1180, 1180, 120};
  size_t datagrams = 0;
  size_t round = 0;
  for (auto _ : state) {
    const size_t first = (round++ * 8) % kDestinations;
    for (size_t packet = 0; packet < std::size(sizes); ++packet) {
      for (size_t d = 0; d < 8; ++d) queue(*loopback.sender, loopback.addresses[first + d], sizes[packet]);
    }
    loopback.sender->flush();
    datagrams += 8 * std::size(sizes);
    state.PauseTiming();
    loopback.drain();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(datagrams));
  const auto& counters = loopback.sender->send_counters();
  state.counters["datagrams_per_message"] =
      static_cast<double>(counters.datagrams_sent()) / static_cast<double>(counters.messages_sent());
  state.counters["send_errors"] = static_cast<double>(counters.send_errors());
}
BENCHMARK(BM_UdpSendFrames)->ArgName("gso")->Arg(0)->Arg(1);

// 48 datagrams of 1180 bytes to 48 destinations, one each: no run to
// segment, so this is the cost of grouping when GSO cannot help.
void BM_UdpSendSingles(benchmark::State& state) {
  Loopback loopback(state.range(0) != 0);
  size_t datagrams = 0;
  for (auto _ : state) {
    for (size_t d = 0; d < kDestinations; ++d) queue(*loopback.sender, loopback.addresses[d], 1180);
    loopback.sender->flush();
    datagrams += kDestinations;
    state.PauseTiming();
    loopback.drain();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(datagrams));
  state.counters["send_errors"] = static_cast<double>(loopback.sender->send_counters().send_errors());
}
BENCHMARK(BM_UdpSendSingles)->ArgName("gso")->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();

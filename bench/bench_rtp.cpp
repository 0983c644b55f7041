// Micro-benchmarks of the per-packet RTP and RTCP paths: parse, header
// rewrite, compound RTCP parse and the retransmission cache.
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "relay/rtp/retransmission_cache.h"
#include "relay/rtp/rtcp_packet.h"
#include "relay/rtp/rtcp_writer.h"
#include "relay/rtp/rtp_packet.h"

namespace {

using namespace sightline;
using namespace sightline::rtp;

// A VP8 packet shaped like Chromium's: abs-send-time, transport-wide
// sequence number and mid in a one-byte extension block, 1000 bytes of payload.
std::vector<uint8_t> make_video_packet() {
  std::vector<uint8_t> packet = {0x90, 0x60, 0x12, 0x34, 0x00, 0x01, 0x5F, 0x90, 0x11, 0x36, 0xCF, 0x3B,
                                 0xBE, 0xDE, 0x00, 0x03, 0x22, 0x01, 0x02, 0x03, 0x31, 0x00, 0x07,
                                 0x40, 0x31, 0x00, 0x00, 0x00};
  packet.resize(packet.size() + 1000, 0xAB);
  return packet;
}

void BM_RtpParse(benchmark::State& state) {
  std::vector<uint8_t> buffer = make_video_packet();
  for (auto _ : state) {
    RtpPacket packet;
    benchmark::DoNotOptimize(RtpPacket::parse(buffer, packet));
    benchmark::DoNotOptimize(packet.find_extension(3).data());
  }
}
BENCHMARK(BM_RtpParse);

void BM_RtpRewrite(benchmark::State& state) {
  std::vector<uint8_t> buffer = make_video_packet();
  uint16_t seq = 0;
  const uint8_t transport_seq[] = {0x00, 0x00};
  for (auto _ : state) {
    RtpPacket packet;
    RtpPacket::parse(buffer, packet);
    packet.set_ssrc(0xCAFEBABE);
    packet.set_sequence_number(++seq);
    packet.set_timestamp(seq * 3000u);
    packet.set_extension_value(3, transport_seq);
    benchmark::DoNotOptimize(buffer.data());
  }
}
BENCHMARK(BM_RtpRewrite);

class CountingVisitor : public RtcpVisitor {
 public:
  void on_sender_report(const SenderInfo& sender, ReportBlockList) override { count += sender.packet_count; }
  void on_receiver_report(uint32_t, ReportBlockList blocks) override { count += blocks.size(); }
  void on_sdes(std::span<const SdesChunk> chunks) override { count += chunks.size(); }
  void on_nack(uint32_t, uint32_t, NackList items) override { count += items.size(); }
  uint64_t count = 0;
};

void BM_RtcpParseSenderReportSdes(benchmark::State& state) {
  std::array<uint8_t, 128> buffer{};
  RtcpWriter writer(buffer);
  writer.add_sender_report(SenderInfo{0x1136CF3B, 0xEEBD96F5E8E1932DULL, 0x0DE6711C, 48, 32746}, {});
  writer.add_sdes_cname(0x1136CF3B, "tBW3bkSN05HISjar");
  CountingVisitor visitor;
  for (auto _ : state) benchmark::DoNotOptimize(parse_rtcp_compound(writer.data(), visitor));
}
BENCHMARK(BM_RtcpParseSenderReportSdes);

void BM_RtcpParseReceiverReportNack(benchmark::State& state) {
  std::array<uint8_t, 128> buffer{};
  RtcpWriter writer(buffer);
  ReportBlock block;
  block.ssrc = 0x1136CF3B;
  block.extended_highest_sequence = 70000;
  const std::array<ReportBlock, 1> blocks = {block};
  writer.add_receiver_report(0xFA17FA17, blocks);
  const std::array<uint16_t, 5> lost = {100, 101, 105, 140, 141};
  writer.add_nack(0xFA17FA17, 0x1136CF3B, lost);
  CountingVisitor visitor;
  for (auto _ : state) benchmark::DoNotOptimize(parse_rtcp_compound(writer.data(), visitor));
}
BENCHMARK(BM_RtcpParseReceiverReportNack);

void BM_RetransmissionCacheStoreFind(benchmark::State& state) {
  RetransmissionCache cache;
  const std::vector<uint8_t> packet = make_video_packet();
  TimePoint now{};
  uint16_t seq = 0;
  for (auto _ : state) {
    cache.store(packet, seq, now);
    benchmark::DoNotOptimize(cache.find(static_cast<uint16_t>(seq - 100), now));
    ++seq;
    now += microseconds(500);
  }
}
BENCHMARK(BM_RetransmissionCacheStoreFind);

}  // namespace

BENCHMARK_MAIN();

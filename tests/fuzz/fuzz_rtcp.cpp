// libFuzzer target for the RTCP compound parser, with a visitor that reads
// every field and list entry it is given.
#include <cstddef>
#include <cstdint>

#include "relay/rtp/rtcp_packet.h"

namespace {

using namespace sightline::rtp;

class TouchingVisitor : public RtcpVisitor {
 public:
  void on_sender_report(const SenderInfo& sender, ReportBlockList blocks) override {
    sum_ += sender.ssrc + sender.ntp_timestamp + sender.octet_count;
    touch(blocks);
  }
  void on_receiver_report(uint32_t sender_ssrc, ReportBlockList blocks) override {
    sum_ += sender_ssrc;
    touch(blocks);
  }
  void on_sdes(std::span<const SdesChunk> chunks) override {
    for (const SdesChunk& chunk : chunks) {
      sum_ += chunk.ssrc;
      for (char c : chunk.cname) sum_ += static_cast<uint8_t>(c);
    }
  }
  void on_bye(SsrcList ssrcs, std::string_view reason) override {
    for (uint32_t ssrc : ssrcs) sum_ += ssrc;
    for (char c : reason) sum_ += static_cast<uint8_t>(c);
  }
  void on_nack(uint32_t sender_ssrc, uint32_t media_ssrc, NackList items) override {
    sum_ += sender_ssrc + media_ssrc;
    for (const NackItem& item : items) for_each_lost_sequence(item, [this](uint16_t seq) { sum_ += seq; });
  }
  void on_pli(uint32_t sender_ssrc, uint32_t media_ssrc) override { sum_ += sender_ssrc + media_ssrc; }
  void on_fir(uint32_t sender_ssrc, FirList entries) override {
    sum_ += sender_ssrc;
    for (const FirEntry& entry : entries) sum_ += entry.ssrc + entry.sequence_number;
  }
  void on_remb(uint32_t sender_ssrc, uint64_t bitrate_bps, SsrcList ssrcs) override {
    sum_ += sender_ssrc + bitrate_bps;
    for (uint32_t ssrc : ssrcs) sum_ += ssrc;
  }
  void on_transport_feedback(const TransportFeedback& feedback) override {
    size_t packets = 0;
    size_t received = 0;
    feedback.for_each_packet([&](uint16_t seq, bool was_received, int64_t delta_us) {
      ++packets;
      received += was_received;
      sum_ += seq + static_cast<uint64_t>(delta_us);
    });
    if (packets != feedback.packet_status_count() || received != feedback.received_count()) __builtin_trap();
    sum_ += static_cast<uint64_t>(feedback.reference_time_us()) + feedback.feedback_count();
  }
  void on_skipped(uint8_t packet_type, uint8_t format, RtcpSkipReason) override { sum_ += packet_type + format; }

  uint64_t sum() const { return sum_; }

 private:
  void touch(ReportBlockList blocks) {
    for (const ReportBlock& block : blocks) {
      sum_ += block.ssrc + block.fraction_lost + static_cast<uint32_t>(block.cumulative_lost) +
              block.extended_highest_sequence + block.jitter + block.last_sr + block.delay_since_last_sr;
    }
  }

  uint64_t sum_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  TouchingVisitor visitor;
  parse_rtcp_compound(sightline::ByteView(data, size), visitor);
  volatile uint64_t sink = visitor.sum();
  (void)sink;
  return 0;
}

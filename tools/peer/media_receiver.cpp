// MediaReceiver: depacketising, decoding and scoring of received media.
#include "tools/peer/media_receiver.h"

#include <cmath>

#include "relay/base/log.h"
#include "tools/media/psnr.h"
#include "tools/media/y4m_reader.h"

namespace sightline::peer {

namespace {
constexpr uint32_t kVideoClockRateHz = 90000;
constexpr uint32_t kAudioClockRateHz = 48000;
// Reference frames kept in memory for PSNR: 20 s of CIF at 15 fps is 45 MB.
// Longer clips are sent but not scored.
constexpr size_t kMaxReferenceFrames = 300;
// The assembler waits this many packets for a missing one, long enough for a
// NACKed retransmission on a short path to arrive.
constexpr int kReorderWindowPackets = media::kMaxVp8ReorderWindowPackets;
constexpr size_t kMaxNacksPerTick = 64;
}  // namespace

MediaReceiver::MediaReceiver(MediaReceiverConfig config)
    : config_(std::move(config)),
      assembler_([this](const media::Vp8AssembledFrame& frame) { on_video_frame(frame); }, kReorderWindowPackets) {
  nacks_.resize(kMaxNacksPerTick);
}

std::unique_ptr<MediaReceiver> MediaReceiver::create(const MediaReceiverConfig& config, std::string& error) {
  std::unique_ptr<MediaReceiver> receiver(new MediaReceiver(config));
  receiver->decoder_ = media::Vp8Decoder::create(error);
  if (!receiver->decoder_) return nullptr;
  receiver->audio_decoder_ = media::OpusAudioDecoder::create(1, error);
  if (!receiver->audio_decoder_) return nullptr;

  if (!config.reference_path.empty()) {
    auto reader = media::Y4mReader::open(config.reference_path, false, error);
    if (!reader) return nullptr;
    receiver->reference_fps_ = reader->frame_rate();
    media::I420Frame frame;
    while (receiver->reference_.size() < kMaxReferenceFrames && reader->read_frame(frame)) {
      receiver->reference_.push_back(frame);
    }
    // PSNR needs every frame of the looped clip to map a frame index to a
    // reference frame, so a longer clip is not scored.
    if (receiver->reference_.size() == kMaxReferenceFrames && reader->read_frame(frame)) {
      receiver->reference_.clear();
      return receiver;
    }
    if (receiver->reference_.empty()) {
      error = "reference clip " + config.reference_path + " has no frames";
      return nullptr;
    }
  }
  return receiver;
}

void MediaReceiver::on_rtp(const rtp::RtpPacket& packet, TimePoint now) {
  now_ = now;
  ++counters_.rtp_packets_received;
  counters_.rtp_bytes_received += packet.size();

  if (packet.payload_type() == config_.audio_payload_type) {
    if (!audio_statistics_ || audio_statistics_->ssrc() != packet.ssrc()) {
      audio_statistics_ = std::make_unique<rtp::ReceiveStatistics>(packet.ssrc(), kAudioClockRateHz);
      audio_ssrc_ = packet.ssrc();
    }
    audio_statistics_->on_packet(packet.sequence_number(), packet.timestamp(), now);
    if (audio_decoder_->decode(packet.payload(), pcm_)) ++counters_.audio_frames_decoded;
    return;
  }
  if (packet.payload_type() != config_.video_payload_type) {
    ++counters_.unknown_payload_type;
    return;
  }

  if (!video_statistics_ || video_statistics_->ssrc() != packet.ssrc()) {
    video_statistics_ = std::make_unique<rtp::ReceiveStatistics>(packet.ssrc(), kVideoClockRateHz);
    video_ssrc_ = packet.ssrc();
  }
  video_statistics_->on_packet(packet.sequence_number(), packet.timestamp(), now);
  if (!has_video_timestamp_ || static_cast<int32_t>(packet.timestamp() - newest_video_timestamp_) > 0) {
    newest_video_timestamp_ = packet.timestamp();
    has_video_timestamp_ = true;
  }
  nack_generator_.on_packet(packet.sequence_number(), now);
  counters_.video_packets_lost = static_cast<uint64_t>(std::max<int64_t>(0, video_statistics_->cumulative_lost()));
  counters_.video_jitter_rtp = video_statistics_->jitter();

  media::Vp8RtpPacket vp8;
  vp8.sequence_number = packet.sequence_number();
  vp8.timestamp = packet.timestamp();
  vp8.marker = packet.marker();
  vp8.payload = packet.payload();
  assembler_.insert(vp8);
}

std::span<const uint16_t> MediaReceiver::collect_nacks(TimePoint now) {
  const size_t count = nack_generator_.collect_nacks(now, std::span<uint16_t>(nacks_));
  return std::span<const uint16_t>(nacks_.data(), count);
}

bool MediaReceiver::take_keyframe_request() { return assembler_.take_keyframe_request(); }

void MediaReceiver::set_rtt(Duration rtt) { nack_generator_.set_rtt(rtt); }

void MediaReceiver::on_video_frame(const media::Vp8AssembledFrame& frame) {
  const media::DecodeResult result = decoder_->decode(frame.bytes, decoded_);
  if (result.status == media::DecodeStatus::kError) return;
  if (result.status == media::DecodeStatus::kCorrupt) {
    ++counters_.frames_corrupt;
    return;
  }
  ++counters_.frames_decoded;
  if (frame.keyframe) {
    ++counters_.keyframes_decoded;
    last_keyframe_decoded_ = now_;
    last_keyframe_timestamp_ = frame.rtp_timestamp;
    log::debug("peer", "keyframe decoded", {{"rtp_timestamp", frame.rtp_timestamp}});
  }
  if (!reference_.empty()) score(frame.rtp_timestamp);
}

void MediaReceiver::score(uint32_t rtp_timestamp) {
  const size_t index = reference_index_for(rtp_timestamp);
  const std::optional<media::Psnr> psnr = media::compute_psnr(reference_[index], decoded_);
  if (!psnr) return;
  counters_.psnr_sum_db += psnr->y_db;
  counters_.psnr_min_db = counters_.frames_scored == 0 ? psnr->y_db : std::min(counters_.psnr_min_db, psnr->y_db);
  ++counters_.frames_scored;
}

size_t MediaReceiver::reference_index_for(uint32_t rtp_timestamp) {
  if (!first_index_) {
    // The sender's RTP timestamps advance by exactly one frame interval per
    // source frame. The first decoded frame is matched against every
    // reference frame; later ones follow from the timestamp difference.
    double best = -1;
    size_t best_index = 0;
    for (size_t i = 0; i < reference_.size(); ++i) {
      const std::optional<media::Psnr> psnr = media::compute_psnr(reference_[i], decoded_);
      if (psnr && psnr->y_db > best) {
        best = psnr->y_db;
        best_index = i;
      }
    }
    first_index_ = best_index;
    first_timestamp_ = rtp_timestamp;
    return best_index;
  }
  const double ticks_per_frame = kVideoClockRateHz / reference_fps_;
  const auto elapsed = static_cast<int64_t>(static_cast<int32_t>(rtp_timestamp - first_timestamp_));
  const auto frames = static_cast<int64_t>(std::llround(static_cast<double>(elapsed) / ticks_per_frame));
  const auto count = static_cast<int64_t>(reference_.size());
  return static_cast<size_t>(((static_cast<int64_t>(*first_index_) + frames) % count + count) % count);
}

}  // namespace sightline::peer

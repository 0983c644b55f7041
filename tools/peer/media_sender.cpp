// MediaSender: paced VP8 and Opus RTP from real media files.
#include "tools/peer/media_sender.h"

#include <openssl/rand.h>

#include <algorithm>

#include "relay/base/bytes.h"
#include "relay/base/log.h"

namespace sightline::peer {

namespace {
constexpr uint32_t kVideoClockRateHz = 90000;
constexpr size_t kRtpHeaderBytes = 12;
// Frames sent in one tick at most when the loop fell behind: catching up in
// a burst would look like a network problem to the receiver.
constexpr int64_t kMaxCatchUpFrames = 2;
constexpr double kToneFrequencyHz = 440.0;

template <typename T>
T random_value() {
  T value{};
  RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
  return value;
}
}  // namespace

MediaSender::MediaSender(MediaSenderConfig config, SendFunction send)
    : config_(std::move(config)), send_(std::move(send)) {
  video_sequence_ = random_value<uint16_t>();
  audio_sequence_ = random_value<uint16_t>();
  video_timestamp_base_ = random_value<uint32_t>();
  audio_timestamp_base_ = random_value<uint32_t>();
  packet_buffer_.resize(1500);
}

std::unique_ptr<MediaSender> MediaSender::create(const MediaSenderConfig& config, SendFunction send,
                                                 std::string& error) {
  std::unique_ptr<MediaSender> sender(new MediaSender(config, std::move(send)));
  if (!config.video_path.empty()) {
    sender->video_source_ = media::Y4mReader::open(config.video_path, true, error);
    if (!sender->video_source_) return nullptr;
    media::Vp8EncoderConfig encoder_config;
    encoder_config.width = sender->video_source_->width();
    encoder_config.height = sender->video_source_->height();
    encoder_config.frame_rate = static_cast<int>(sender->video_source_->frame_rate() + 0.5);
    encoder_config.target_bitrate_kbps = config.video_bitrate_kbps;
    sender->encoder_ = media::Vp8Encoder::create(encoder_config, error);
    if (!sender->encoder_) return nullptr;
  }
  if (config.send_audio) {
    if (config.audio_path.empty()) {
      sender->audio_source_ = std::make_unique<media::ToneGenerator>(kToneFrequencyHz);
    } else {
      sender->audio_source_ = media::WavReader::open(config.audio_path, error);
      if (!sender->audio_source_) return nullptr;
    }
    media::OpusEncoderConfig opus_config;
    opus_config.channels = sender->audio_source_->channels();
    sender->audio_encoder_ = media::OpusAudioEncoder::create(opus_config, error);
    if (!sender->audio_encoder_) return nullptr;
  }
  return sender;
}

void MediaSender::tick(TimePoint now) {
  if (!start_) start_ = now;
  const int64_t elapsed_us = to_us(now - *start_);

  if (video_source_) {
    const double fps = video_source_->frame_rate();
    const auto due = static_cast<int64_t>(static_cast<double>(elapsed_us) * fps / 1e6) + 1;
    // Frames skipped to catch up are read and dropped too, so that frame n
    // of the clip always carries the RTP timestamp of frame n.
    while (due - video_frames_due_ > kMaxCatchUpFrames) {
      video_source_->read_frame(frame_);
      ++video_frames_due_;
    }
    while (video_frames_due_ < due) {
      send_video_frame(now);
      ++video_frames_due_;
    }
  }
  if (audio_encoder_) {
    const int64_t due = elapsed_us / (media::kOpusFrameMs * 1000) + 1;
    while (due - audio_frames_due_ > kMaxCatchUpFrames) {
      audio_source_->read_frame(pcm_);
      ++audio_frames_due_;
    }
    while (audio_frames_due_ < due) {
      send_audio_frame(now);
      ++audio_frames_due_;
    }
  }
}

void MediaSender::send_video_frame(TimePoint now) {
  if (!video_source_->read_frame(frame_)) return;
  const double fps = video_source_->frame_rate();
  // The RTP timestamp follows the frame index, not the wall clock, so that
  // the receiver can tell which source frame it decoded.
  const auto pts = static_cast<int64_t>(static_cast<double>(video_frames_due_) * kVideoClockRateHz / fps + 0.5);
  encoded_.clear();
  if (!encoder_->encode(frame_, pts, encoded_)) return;
  const uint32_t timestamp = video_timestamp_base_ + static_cast<uint32_t>(pts);
  for (const media::EncodedFrame& encoded : encoded_) {
    payloads_.clear();
    if (!packetizer_.packetize(encoded.bytes, payloads_)) continue;
    for (size_t i = 0; i < payloads_.size(); ++i) {
      send_rtp(config_.video_payload_type, config_.video_ssrc, video_sequence_, timestamp, i + 1 == payloads_.size(),
               payloads_[i], video_clock_, now, &video_cache_);
    }
    ++counters_.frames_sent;
    if (encoded.keyframe) {
      ++counters_.keyframes_sent;
      log::debug("peer", "keyframe sent", {{"ssrc", config_.video_ssrc}, {"rtp_timestamp", timestamp}});
    }
  }
}

void MediaSender::send_audio_frame(TimePoint now) {
  if (!audio_source_->read_frame(pcm_)) return;
  if (!audio_encoder_->encode(pcm_, opus_packet_)) return;
  const uint32_t timestamp =
      audio_timestamp_base_ + static_cast<uint32_t>(audio_frames_due_ * media::kOpusFrameSamplesPerChannel);
  // The first packet of a talkspurt carries the marker bit (RFC 7587 section 4.2): only the first here.
  send_rtp(config_.audio_payload_type, config_.audio_ssrc, audio_sequence_, timestamp, audio_frames_due_ == 0,
           opus_packet_, audio_clock_, now, nullptr);
  ++counters_.audio_frames_sent;
}

void MediaSender::send_rtp(uint8_t payload_type, uint32_t ssrc, uint16_t& sequence_number, uint32_t timestamp,
                           bool marker, ByteView payload, StreamClock& clock, TimePoint now,
                           rtp::RetransmissionCache* cache) {
  const size_t size = kRtpHeaderBytes + payload.size();
  if (size > packet_buffer_.size()) return;
  uint8_t* p = packet_buffer_.data();
  p[0] = 0x80;  // version 2, no padding, no extension, no CSRC
  p[1] = static_cast<uint8_t>((marker ? 0x80 : 0) | (payload_type & 0x7F));
  store_be16(p + 2, sequence_number);
  store_be32(p + 4, timestamp);
  store_be32(p + 8, ssrc);
  std::copy(payload.begin(), payload.end(), p + kRtpHeaderBytes);
  const ByteView packet(p, size);

  if (cache) cache->store(packet, sequence_number, now);
  if (send_(packet)) {
    ++counters_.rtp_packets_sent;
    counters_.rtp_bytes_sent += size;
  }
  ++sequence_number;
  clock.rtp_timestamp = timestamp;
  clock.sent_at = now;
  ++clock.packets;
  clock.octets += payload.size();
}

void MediaSender::request_keyframe() {
  ++counters_.keyframe_requests_received;
  log::debug("peer", "keyframe requested", {{"ssrc", config_.video_ssrc}});
  if (encoder_) encoder_->request_keyframe();
}

void MediaSender::answer_nack(uint16_t sequence_number, TimePoint now) {
  const std::optional<ByteView> packet = video_cache_.find(sequence_number, now);
  if (packet && send_(*packet)) ++counters_.retransmissions_sent;
}

}  // namespace sightline::peer

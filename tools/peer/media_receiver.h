// The receiving side of a synthetic participant. VP8 is reassembled, decoded
// and scored by PSNR against the source clip, Opus is decoded and counted,
// and loss is repaired with NACKs and keyframe requests.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "relay/base/clock.h"
#include "relay/rtp/nack_generator.h"
#include "relay/rtp/receive_statistics.h"
#include "relay/rtp/rtp_packet.h"
#include "tools/media/i420_frame.h"
#include "tools/media/opus_codec.h"
#include "tools/media/vp8_decoder.h"
#include "tools/media/vp8_frame_assembler.h"

namespace sightline::peer {

struct MediaReceiverConfig {
  uint8_t video_payload_type = 96;
  uint8_t audio_payload_type = 111;
  // The clip the other party sends, for PSNR; empty skips PSNR.
  std::string reference_path;
};

struct MediaReceiverCounters {
  uint64_t rtp_packets_received = 0;
  uint64_t rtp_bytes_received = 0;
  uint64_t frames_decoded = 0;
  uint64_t keyframes_decoded = 0;
  uint64_t frames_corrupt = 0;
  uint64_t frames_scored = 0;
  double psnr_sum_db = 0;
  double psnr_min_db = 0;
  uint64_t audio_frames_decoded = 0;
  uint64_t video_packets_lost = 0;
  uint32_t video_jitter_rtp = 0;
  uint64_t unknown_payload_type = 0;
};

class MediaReceiver {
 public:
  static std::unique_ptr<MediaReceiver> create(const MediaReceiverConfig& config, std::string& error);

  void on_rtp(const rtp::RtpPacket& packet, TimePoint now);
  // Sequence numbers to NACK now (empty when none).
  std::span<const uint16_t> collect_nacks(TimePoint now);
  // True once after a frame was lost and a keyframe is needed.
  bool take_keyframe_request();
  void set_rtt(Duration rtt);

  std::optional<uint32_t> video_ssrc() const { return video_ssrc_; }
  std::optional<uint32_t> audio_ssrc() const { return audio_ssrc_; }
  rtp::ReceiveStatistics* video_statistics() { return video_statistics_.get(); }
  rtp::ReceiveStatistics* audio_statistics() { return audio_statistics_.get(); }
  // When the most recent keyframe was decoded, and its RTP timestamp.
  std::optional<TimePoint> last_keyframe_decoded() const { return last_keyframe_decoded_; }
  uint32_t last_keyframe_timestamp() const { return last_keyframe_timestamp_; }
  // The newest video RTP timestamp received so far, 0 before any.
  uint32_t newest_video_timestamp() const { return newest_video_timestamp_; }
  const MediaReceiverCounters& counters() const { return counters_; }

 private:
  explicit MediaReceiver(MediaReceiverConfig config);
  void on_video_frame(const media::Vp8AssembledFrame& frame);
  void score(uint32_t rtp_timestamp);
  size_t reference_index_for(uint32_t rtp_timestamp);

  MediaReceiverConfig config_;
  std::unique_ptr<media::Vp8Decoder> decoder_;
  std::unique_ptr<media::OpusAudioDecoder> audio_decoder_;
  media::Vp8FrameAssembler assembler_;
  rtp::NackGenerator nack_generator_;
  std::unique_ptr<rtp::ReceiveStatistics> video_statistics_;
  std::unique_ptr<rtp::ReceiveStatistics> audio_statistics_;
  std::optional<uint32_t> video_ssrc_;
  std::optional<uint32_t> audio_ssrc_;
  media::I420Frame decoded_;
  std::vector<int16_t> pcm_;
  std::vector<uint16_t> nacks_;
  TimePoint now_{};
  std::optional<TimePoint> last_keyframe_decoded_;
  uint32_t last_keyframe_timestamp_ = 0;
  uint32_t newest_video_timestamp_ = 0;
  bool has_video_timestamp_ = false;

  // Reference frames of the source clip and the alignment of RTP time to them.
  std::vector<media::I420Frame> reference_;
  double reference_fps_ = 0;
  std::optional<size_t> first_index_;
  uint32_t first_timestamp_ = 0;

  MediaReceiverCounters counters_;
};

}  // namespace sightline::peer

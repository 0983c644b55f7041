// What a synthetic participant sends: VP8 video encoded from a Y4M clip and
// Opus audio from a WAV file or a tone, as RTP with the right timing, with a
// retransmission cache for the relay's NACKs and keyframes on request.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relay/base/bytes.h"
#include "relay/base/clock.h"
#include "relay/rtp/retransmission_cache.h"
#include "tools/media/audio_source.h"
#include "tools/media/i420_frame.h"
#include "tools/media/opus_codec.h"
#include "tools/media/vp8_encoder.h"
#include "tools/media/vp8_packetizer.h"
#include "tools/media/y4m_reader.h"

namespace sightline::peer {

struct MediaSenderConfig {
  std::string video_path;  // Y4M, looped; empty sends no video
  std::string audio_path;  // WAV (48 kHz PCM16); empty sends a 440 Hz tone
  bool send_audio = true;
  int video_bitrate_kbps = 600;
  uint8_t video_payload_type = 96;
  uint8_t audio_payload_type = 111;
  uint32_t video_ssrc = 0;
  uint32_t audio_ssrc = 0;
};

struct MediaSenderCounters {
  uint64_t frames_sent = 0;
  uint64_t keyframes_sent = 0;
  uint64_t audio_frames_sent = 0;
  uint64_t rtp_packets_sent = 0;
  uint64_t rtp_bytes_sent = 0;
  uint64_t retransmissions_sent = 0;
  uint64_t keyframe_requests_received = 0;
};

class MediaSender {
 public:
  using SendFunction = std::function<bool(ByteView packet)>;

  // Returns nullptr and fills error when a file cannot be read or an encoder
  // cannot be created.
  static std::unique_ptr<MediaSender> create(const MediaSenderConfig& config, SendFunction send, std::string& error);

  // Sends the frames and audio packets that are due at now.
  void tick(TimePoint now);
  void request_keyframe();
  void answer_nack(uint16_t sequence_number, TimePoint now);

  uint32_t video_ssrc() const { return config_.video_ssrc; }
  uint32_t audio_ssrc() const { return config_.audio_ssrc; }
  const MediaSenderCounters& counters() const { return counters_; }
  // For sender reports: the last RTP timestamp sent and when, per stream.
  struct StreamClock {
    uint32_t rtp_timestamp = 0;
    TimePoint sent_at{};
    uint64_t packets = 0;
    uint64_t octets = 0;
  };
  const StreamClock& video_clock() const { return video_clock_; }
  const StreamClock& audio_clock() const { return audio_clock_; }

 private:
  MediaSender(MediaSenderConfig config, SendFunction send);
  void send_video_frame(TimePoint now);
  void send_audio_frame(TimePoint now);
  void send_rtp(uint8_t payload_type, uint32_t ssrc, uint16_t& sequence_number, uint32_t timestamp, bool marker,
                ByteView payload, StreamClock& clock, TimePoint now, rtp::RetransmissionCache* cache);

  MediaSenderConfig config_;
  SendFunction send_;
  std::unique_ptr<media::Y4mReader> video_source_;
  std::unique_ptr<media::Vp8Encoder> encoder_;
  media::Vp8Packetizer packetizer_;
  media::I420Frame frame_;
  std::vector<media::EncodedFrame> encoded_;
  std::vector<std::vector<uint8_t>> payloads_;
  rtp::RetransmissionCache video_cache_;
  std::unique_ptr<media::AudioSource> audio_source_;
  std::unique_ptr<media::OpusAudioEncoder> audio_encoder_;
  std::vector<int16_t> pcm_;
  std::vector<uint8_t> opus_packet_;
  std::vector<uint8_t> packet_buffer_;

  std::optional<TimePoint> start_;
  int64_t video_frames_due_ = 0;
  int64_t audio_frames_due_ = 0;
  uint16_t video_sequence_ = 0;
  uint16_t audio_sequence_ = 0;
  uint32_t video_timestamp_base_ = 0;
  uint32_t audio_timestamp_base_ = 0;
  StreamClock video_clock_;
  StreamClock audio_clock_;
  MediaSenderCounters counters_;
};

}  // namespace sightline::peer

// encode_media: one pass of the clip through libvpx and one second of tone through libopus.
#include "tools/load/encoded_media.h"

#include "tools/media/audio_source.h"
#include "tools/media/i420_frame.h"
#include "tools/media/opus_codec.h"
#include "tools/media/vp8_encoder.h"
#include "tools/media/vp8_packetizer.h"
#include "tools/media/y4m_reader.h"

namespace sightline::load {

namespace {
constexpr double kToneFrequencyHz = 440.0;
constexpr int kAudioPacketsPerLoop = 1000 / media::kOpusFrameMs;
}  // namespace

std::unique_ptr<EncodedMedia> encode_media(const std::string& clip_path, int bitrate_kbps, double frame_rate,
                                           std::string& error) {
  auto media_out = std::make_unique<EncodedMedia>();
  std::unique_ptr<media::Y4mReader> reader = media::Y4mReader::open(clip_path, false, error);
  if (!reader) return nullptr;
  media_out->width = reader->width();
  media_out->height = reader->height();
  const double clip_rate = reader->frame_rate();
  if (clip_rate <= 0) {
    error = "the clip " + clip_path + " states no frame rate";
    return nullptr;
  }
  media_out->frame_rate = frame_rate > 0 ? frame_rate : clip_rate;

  media::Vp8EncoderConfig config;
  config.width = reader->width();
  config.height = reader->height();
  config.frame_rate = static_cast<int>(media_out->frame_rate + 0.5);
  config.target_bitrate_kbps = bitrate_kbps;
  // Encoding happens once, before the run, so quality matters more than speed.
  config.cpu_used = 4;
  std::unique_ptr<media::Vp8Encoder> encoder = media::Vp8Encoder::create(config, error);
  if (!encoder) return nullptr;

  media::Vp8Packetizer packetizer;
  media::I420Frame frame;
  std::vector<media::EncodedFrame> encoded;
  // Output frame `index` shows the clip frame whose display interval contains
  // its time. Clip frame n is shown from n / clip_rate to (n + 1) / clip_rate.
  int64_t index = 0;
  int64_t clip_index = 0;
  while (reader->read_frame(frame)) {
    ++clip_index;
    const double clip_frame_end = static_cast<double>(clip_index) / clip_rate;
    while (static_cast<double>(index) / media_out->frame_rate < clip_frame_end - 1e-9) {
      const auto pts =
          static_cast<int64_t>(static_cast<double>(index) * media::kVp8TimestampHz / media_out->frame_rate);
      ++index;
      if (!encoder->encode(frame, pts, encoded)) {
        error = "VP8 encoding of " + clip_path + " failed: " + encoder->last_error();
        return nullptr;
      }
      for (const media::EncodedFrame& one : encoded) {
        EncodedVideoFrame out;
        out.keyframe = one.keyframe;
        if (!packetizer.packetize(one.bytes, out.payloads)) continue;
        media_out->video_bytes += one.bytes.size();
        media_out->video_frames.push_back(std::move(out));
      }
    }
  }
  if (!reader->error().empty()) {
    error = reader->error();
    return nullptr;
  }
  if (media_out->video_frames.empty() || !media_out->video_frames.front().keyframe) {
    error = "the clip " + clip_path + " produced no VP8 keyframe";
    return nullptr;
  }

  media::ToneGenerator tone(kToneFrequencyHz);
  std::unique_ptr<media::OpusAudioEncoder> opus = media::OpusAudioEncoder::create(media::OpusEncoderConfig{}, error);
  if (!opus) return nullptr;
  std::vector<int16_t> pcm;
  for (int i = 0; i < kAudioPacketsPerLoop; ++i) {
    std::vector<uint8_t> packet;
    if (!tone.read_frame(pcm) || !opus->encode(pcm, packet)) {
      error = "Opus encoding failed: " + opus->last_error();
      return nullptr;
    }
    media_out->audio_packets.push_back(std::move(packet));
  }
  return media_out;
}

}  // namespace sightline::load

// libopus encoder and decoder setup, after the libopus 1.3 API documentation.
#include "tools/media/opus_codec.h"

#include <opus.h>

namespace sightline::media {

namespace {

// The range opus_defines.h (libopus 1.3) calls meaningful for OPUS_SET_BITRATE.
constexpr int kMinBitrateBps = 500;
constexpr int kMaxBitrateBps = 512000;
// The output buffer size that opus.h (libopus 1.3) recommends for opus_encode.
constexpr int kMaxPacketBytes = 4000;
// The maximum packet duration libopus decodes is 120 ms (opus.h, libopus 1.3).
constexpr int kMaxDecodedSamplesPerChannel = kOpusSampleRateHz * 120 / 1000;

std::string opus_message(const char* what, int code) { return std::string(what) + ": " + opus_strerror(code); }

}  // namespace

std::unique_ptr<OpusAudioEncoder> OpusAudioEncoder::create(const OpusEncoderConfig& config, std::string& error) {
  if (config.channels != 1 && config.channels != 2) {
    error = "invalid Opus channel count " + std::to_string(config.channels) + ": must be 1 or 2";
    return nullptr;
  }
  if (config.bitrate_bps < kMinBitrateBps || config.bitrate_bps > kMaxBitrateBps) {
    error = "invalid Opus bitrate " + std::to_string(config.bitrate_bps) + " bps: must be 500..512000";
    return nullptr;
  }
  if (config.expected_packet_loss_percent < 0 || config.expected_packet_loss_percent > 100) {
    error = "invalid Opus expected packet loss " + std::to_string(config.expected_packet_loss_percent) +
            "%: must be 0..100";
    return nullptr;
  }

  std::unique_ptr<OpusAudioEncoder> encoder(new OpusAudioEncoder(config));
  int status = OPUS_OK;
  encoder->encoder_ = opus_encoder_create(kOpusSampleRateHz, config.channels, OPUS_APPLICATION_VOIP, &status);
  if (status != OPUS_OK || encoder->encoder_ == nullptr) {
    error = opus_message("Opus encoder initialisation failed", status);
    return nullptr;
  }
  ::OpusEncoder* e = encoder->encoder_;
  status = opus_encoder_ctl(e, OPUS_SET_BITRATE(config.bitrate_bps));
  if (status == OPUS_OK) status = opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(config.inband_fec ? 1 : 0));
  if (status == OPUS_OK) status = opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(config.expected_packet_loss_percent));
  if (status != OPUS_OK) {
    error = opus_message("Opus encoder setting failed", status);
    return nullptr;
  }
  return encoder;
}

OpusAudioEncoder::~OpusAudioEncoder() {
  if (encoder_ != nullptr) opus_encoder_destroy(encoder_);
}

bool OpusAudioEncoder::encode(std::span<const int16_t> pcm, std::vector<uint8_t>& packet) {
  const size_t expected = static_cast<size_t>(kOpusFrameSamplesPerChannel) * config_.channels;
  if (pcm.size() != expected) {
    last_error_ = "Opus encoder input has " + std::to_string(pcm.size()) + " samples, expected " +
                  std::to_string(expected) + " (20 ms at 48 kHz, interleaved)";
    return false;
  }
  packet.resize(kMaxPacketBytes);
  const opus_int32 bytes =
      opus_encode(encoder_, pcm.data(), kOpusFrameSamplesPerChannel, packet.data(), static_cast<opus_int32>(packet.size()));
  if (bytes < 0) {
    last_error_ = opus_message("Opus encoding failed", bytes);
    packet.clear();
    return false;
  }
  packet.resize(static_cast<size_t>(bytes));
  return true;
}

std::unique_ptr<OpusAudioDecoder> OpusAudioDecoder::create(int channels, std::string& error) {
  if (channels != 1 && channels != 2) {
    error = "invalid Opus channel count " + std::to_string(channels) + ": must be 1 or 2";
    return nullptr;
  }
  std::unique_ptr<OpusAudioDecoder> decoder(new OpusAudioDecoder(channels));
  int status = OPUS_OK;
  decoder->decoder_ = opus_decoder_create(kOpusSampleRateHz, channels, &status);
  if (status != OPUS_OK || decoder->decoder_ == nullptr) {
    error = opus_message("Opus decoder initialisation failed", status);
    return nullptr;
  }
  return decoder;
}

OpusAudioDecoder::~OpusAudioDecoder() {
  if (decoder_ != nullptr) opus_decoder_destroy(decoder_);
}

bool OpusAudioDecoder::decode(ByteView packet, std::vector<int16_t>& pcm) { return decode_into(packet, false, pcm); }

bool OpusAudioDecoder::decode_fec(ByteView next_packet, std::vector<int16_t>& pcm) {
  return decode_into(next_packet, true, pcm);
}

bool OpusAudioDecoder::decode_into(ByteView packet, bool fec, std::vector<int16_t>& pcm) {
  // For concealment and FEC the frame size sets how much audio to produce.
  const bool lost = packet.empty();
  const int frame_samples = (lost || fec) ? kOpusFrameSamplesPerChannel : kMaxDecodedSamplesPerChannel;
  pcm.resize(static_cast<size_t>(frame_samples) * channels_);
  const int samples = opus_decode(decoder_, lost ? nullptr : packet.data(), static_cast<opus_int32>(packet.size()),
                                  pcm.data(), frame_samples, fec ? 1 : 0);
  if (samples < 0) {
    last_error_ = opus_message(lost ? "Opus concealment failed" : "Opus decoding failed", samples);
    pcm.clear();
    return false;
  }
  pcm.resize(static_cast<size_t>(samples) * channels_);
  return true;
}

}  // namespace sightline::media

// Opus encoder and decoder over libopus for the peer's audio: 48 kHz, 20 ms
// frames, VOIP application, in-band FEC, and loss concealment on decode.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "relay/base/bytes.h"

struct OpusEncoder;  // libopus
struct OpusDecoder;  // libopus

namespace sightline::media {

inline constexpr int kOpusSampleRateHz = 48000;
inline constexpr int kOpusFrameMs = 20;
inline constexpr int kOpusFrameSamplesPerChannel = kOpusSampleRateHz * kOpusFrameMs / 1000;  // 960

struct OpusEncoderConfig {
  int channels = 1;  // 1 or 2
  int bitrate_bps = 32000;
  bool inband_fec = true;
  // Loss the encoder plans for; libopus adds FEC data only when this is
  // above zero.
  int expected_packet_loss_percent = 10;
};

class OpusAudioEncoder {
 public:
  // Returns nullptr and sets `error` for an invalid configuration or a libopus failure.
  static std::unique_ptr<OpusAudioEncoder> create(const OpusEncoderConfig& config, std::string& error);
  ~OpusAudioEncoder();
  OpusAudioEncoder(const OpusAudioEncoder&) = delete;
  OpusAudioEncoder& operator=(const OpusAudioEncoder&) = delete;

  // Encodes one 20 ms frame of interleaved PCM16 (960 samples per channel)
  // into `packet`, reusing its buffer. Returns false and sets last_error()
  // when the frame has the wrong length or libopus fails.
  bool encode(std::span<const int16_t> pcm, std::vector<uint8_t>& packet);

  int channels() const { return config_.channels; }
  const std::string& last_error() const { return last_error_; }

 private:
  explicit OpusAudioEncoder(const OpusEncoderConfig& config) : config_(config) {}
  OpusEncoderConfig config_;
  ::OpusEncoder* encoder_ = nullptr;
  std::string last_error_;
};

class OpusAudioDecoder {
 public:
  // Returns nullptr and sets `error` unless `channels` is 1 or 2 and libopus initialises.
  static std::unique_ptr<OpusAudioDecoder> create(int channels, std::string& error);
  ~OpusAudioDecoder();
  OpusAudioDecoder(const OpusAudioDecoder&) = delete;
  OpusAudioDecoder& operator=(const OpusAudioDecoder&) = delete;

  // Decodes one packet into interleaved PCM16 in `pcm` (resized to the
  // decoded samples times channels). An empty packet means the packet was
  // lost: the decoder conceals 20 ms from what it heard before. Returns
  // false and sets last_error() when libopus rejects the packet.
  bool decode(ByteView packet, std::vector<int16_t>& pcm);

  // Recovers a lost 20 ms frame from the FEC data in the packet that
  // followed it; call it before decode() of that next packet. Falls back to
  // concealment when the packet contains no FEC data.
  bool decode_fec(ByteView next_packet, std::vector<int16_t>& pcm);

  int channels() const { return channels_; }
  const std::string& last_error() const { return last_error_; }

 private:
  explicit OpusAudioDecoder(int channels) : channels_(channels) {}
  bool decode_into(ByteView packet, bool fec, std::vector<int16_t>& pcm);
  int channels_;
  ::OpusDecoder* decoder_ = nullptr;
  std::string last_error_;
};

}  // namespace sightline::media

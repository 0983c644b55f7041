// The peer's audio inputs: a PCM16 WAV file or a sine tone, each read as
// 20 ms frames at 48 kHz for the Opus encoder, looping without end.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sightline::media {

inline constexpr int kAudioSampleRateHz = 48000;
inline constexpr int kAudioFrameSamplesPerChannel = kAudioSampleRateHz / 50;  // 20 ms

class AudioSource {
 public:
  virtual ~AudioSource() = default;
  // Fills `pcm` with the next 20 ms of interleaved PCM16 (960 samples per
  // channel), reusing its buffer. Returns false only on a read error.
  virtual bool read_frame(std::vector<int16_t>& pcm) = 0;
  virtual int channels() const = 0;
};

class WavReader : public AudioSource {
 public:
  // Opens a RIFF WAVE file of 16-bit PCM at 48 kHz, mono or stereo. Returns
  // nullptr and sets `error` (naming the file and the problem) otherwise.
  static std::unique_ptr<WavReader> open(const std::string& path, std::string& error);

  // Returns the next 20 ms. At the end of the samples it continues from
  // their start, so a last partial frame is completed from the start.
  bool read_frame(std::vector<int16_t>& pcm) override;
  int channels() const override { return channels_; }
  // Samples per channel in the file.
  int64_t frame_count() const { return static_cast<int64_t>(data_bytes_ / (2 * channels_)); }
  const std::string& error() const { return error_; }

 private:
  explicit WavReader(std::string path) : path_(std::move(path)) {}
  bool read_chunks(std::string& error);
  bool read_format(uint32_t chunk_bytes, std::string& error);

  std::string path_;
  std::ifstream file_;
  int channels_ = 0;
  std::streampos data_offset_{};
  uint64_t data_bytes_ = 0;
  uint64_t position_bytes_ = 0;  // Within the data chunk.
  std::vector<uint8_t> raw_;      // Little-endian bytes of one frame.
  std::string error_;
};

class ToneGenerator : public AudioSource {
 public:
  // A sine at `frequency_hz` with peak `amplitude` (of 32767), the same on every channel.
  ToneGenerator(double frequency_hz, int16_t amplitude = 8000, int channels = 1);

  bool read_frame(std::vector<int16_t>& pcm) override;
  int channels() const override { return channels_; }

 private:
  double phase_step_;
  double phase_ = 0;
  int16_t amplitude_;
  int channels_;
};

}  // namespace sightline::media

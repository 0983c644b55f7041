// WAV parsing (RIFF chunks: "fmt " then "data", others skipped) and sine
// tone generation.
#include "tools/media/audio_source.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numbers>

namespace sightline::media {

namespace {

constexpr uint16_t kWaveFormatPcm = 1;
constexpr uint16_t kWaveFormatExtensible = 0xFFFE;
constexpr uint16_t kBitsPerSample = 16;
// WAVEFORMATEXTENSIBLE: the sub-format GUID starts with the format code at this offset.
constexpr uint32_t kExtensibleSubFormatOffset = 24;
constexpr uint32_t kMinFormatChunkBytes = 16;
// The largest standard fmt chunk is 40 bytes; this bounds a read of a damaged file.
constexpr uint32_t kMaxFormatChunkBytes = 1024;

uint16_t load_le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t load_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

}  // namespace

std::unique_ptr<WavReader> WavReader::open(const std::string& path, std::string& error) {
  std::unique_ptr<WavReader> reader(new WavReader(path));
  reader->file_.open(path, std::ios::binary);
  if (!reader->file_) {
    error = "cannot open WAV file " + path + ": file not found or not readable";
    return nullptr;
  }
  if (!reader->read_chunks(error)) {
    error = "invalid WAV file " + path + ": " + error;
    return nullptr;
  }
  return reader;
}

bool WavReader::read_chunks(std::string& error) {
  std::array<uint8_t, 12> riff{};
  if (!file_.read(reinterpret_cast<char*>(riff.data()), riff.size()) || std::memcmp(riff.data(), "RIFF", 4) != 0 ||
      std::memcmp(riff.data() + 8, "WAVE", 4) != 0) {
    error = "missing RIFF/WAVE header";
    return false;
  }

  bool have_format = false;
  std::array<uint8_t, 8> header{};
  while (file_.read(reinterpret_cast<char*>(header.data()), header.size())) {
    const uint32_t chunk_bytes = load_le32(header.data() + 4);
    if (std::memcmp(header.data(), "fmt ", 4) == 0) {
      if (!read_format(chunk_bytes, error)) return false;
      have_format = true;
    } else if (std::memcmp(header.data(), "data", 4) == 0) {
      if (!have_format) {
        error = "data chunk before the fmt chunk";
        return false;
      }
      data_offset_ = file_.tellg();
      // Writers that stream (e.g. from a pipe) leave the size unknown; the
      // file's end then bounds the data.
      file_.seekg(0, std::ios::end);
      const uint64_t available = static_cast<uint64_t>(file_.tellg() - data_offset_);
      data_bytes_ = std::min<uint64_t>(chunk_bytes, available);
      data_bytes_ -= data_bytes_ % (2 * static_cast<uint64_t>(channels_));
      file_.seekg(data_offset_);
      if (data_bytes_ == 0) {
        error = "no samples in the data chunk";
        return false;
      }
      return true;
    } else {
      // RIFF chunks are padded to an even size.
      file_.seekg(chunk_bytes + (chunk_bytes & 1), std::ios::cur);
    }
  }
  error = have_format ? "missing data chunk" : "missing fmt chunk";
  return false;
}

bool WavReader::read_format(uint32_t chunk_bytes, std::string& error) {
  if (chunk_bytes < kMinFormatChunkBytes || chunk_bytes > kMaxFormatChunkBytes) {
    error = "invalid fmt chunk size " + std::to_string(chunk_bytes);
    return false;
  }
  std::vector<uint8_t> format(chunk_bytes + (chunk_bytes & 1));
  if (!file_.read(reinterpret_cast<char*>(format.data()), static_cast<std::streamsize>(format.size()))) {
    error = "truncated fmt chunk";
    return false;
  }
  uint16_t format_code = load_le16(&format[0]);
  if (format_code == kWaveFormatExtensible && chunk_bytes >= kExtensibleSubFormatOffset + 2) {
    format_code = load_le16(&format[kExtensibleSubFormatOffset]);
  }
  channels_ = load_le16(&format[2]);
  const uint32_t rate = load_le32(&format[4]);
  const uint16_t bits = load_le16(&format[14]);

  if (format_code != kWaveFormatPcm || bits != kBitsPerSample) {
    error = "unsupported sample format (code " + std::to_string(format_code) + ", " + std::to_string(bits) +
            " bits): only 16-bit PCM is supported; convert with ffmpeg -c:a pcm_s16le";
    return false;
  }
  if (rate != kAudioSampleRateHz) {
    error = "unsupported sample rate " + std::to_string(rate) + " Hz: only 48000 Hz is supported; convert with ffmpeg -ar 48000";
    return false;
  }
  if (channels_ != 1 && channels_ != 2) {
    error = "unsupported channel count " + std::to_string(channels_) + ": only mono or stereo is supported";
    return false;
  }
  return true;
}

bool WavReader::read_frame(std::vector<int16_t>& pcm) {
  const size_t frame_bytes = static_cast<size_t>(kAudioFrameSamplesPerChannel) * channels_ * 2;
  std::vector<uint8_t>& raw = raw_;
  raw.resize(frame_bytes);
  size_t filled = 0;
  while (filled < frame_bytes) {
    if (position_bytes_ == data_bytes_) {
      file_.clear();
      file_.seekg(data_offset_);
      position_bytes_ = 0;
    }
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(frame_bytes - filled, data_bytes_ - position_bytes_));
    if (!file_.read(reinterpret_cast<char*>(raw.data() + filled), static_cast<std::streamsize>(chunk))) {
      error_ = "read failed in WAV file " + path_ + " at sample byte " + std::to_string(position_bytes_);
      return false;
    }
    filled += chunk;
    position_bytes_ += chunk;
  }

  pcm.resize(frame_bytes / 2);
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<int16_t>(load_le16(&raw[2 * i]));
  return true;
}

ToneGenerator::ToneGenerator(double frequency_hz, int16_t amplitude, int channels)
    : phase_step_(2.0 * std::numbers::pi * frequency_hz / kAudioSampleRateHz),
      amplitude_(amplitude),
      channels_(std::clamp(channels, 1, 2)) {}

bool ToneGenerator::read_frame(std::vector<int16_t>& pcm) {
  pcm.resize(static_cast<size_t>(kAudioFrameSamplesPerChannel) * channels_);
  for (int i = 0; i < kAudioFrameSamplesPerChannel; ++i) {
    const auto sample = static_cast<int16_t>(std::lround(amplitude_ * std::sin(phase_)));
    for (int channel = 0; channel < channels_; ++channel) pcm[static_cast<size_t>(i) * channels_ + channel] = sample;
    // Keep the phase small so precision does not degrade over long runs.
    phase_ = std::fmod(phase_ + phase_step_, 2.0 * std::numbers::pi);
  }
  return true;
}

}  // namespace sightline::media

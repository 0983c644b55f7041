// Checks that no footage reached a file: listings of the files under a
// folder with their sizes, a search for the signatures of image and video
// formats, and a search for rows of a clip's luma plane that tolerates the
// error of lossy coding.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tools/media/i420_frame.h"
#include "tools/media/y4m_reader.h"

namespace sightline::testing {

// Path (relative to the listed folder) to size in bytes; folders have size 0
// and a trailing slash.
using FileListing = std::map<std::string, uintmax_t>;

inline FileListing list_files(const std::filesystem::path& root) {
  FileListing listing;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(root, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    const std::string relative = std::filesystem::relative(it->path(), root).string();
    if (it->is_directory()) {
      listing[relative + "/"] = 0;
    } else {
      listing[relative] = it->is_regular_file() ? it->file_size() : 0;
    }
  }
  return listing;
}

inline std::string describe(const FileListing& listing) {
  std::string text;
  for (const auto& [path, size] : listing) text += "  " + path + " (" + std::to_string(size) + " bytes)\n";
  return text.empty() ? "  (empty)\n" : text;
}

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline uint32_t load_le16(const uint8_t* p) { return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8); }
inline uint32_t load_le32(const uint8_t* p) { return load_le16(p) | (load_le16(p + 2) << 16); }

// Returns a description of the first image or video signature in `bytes`, or
// nullopt. Short signatures are accepted only with a plausible header after
// them, so that ordinary binary data (database pages) does not match by chance.
inline std::optional<std::string> find_media_signature(const std::vector<uint8_t>& bytes) {
  const size_t size = bytes.size();
  const uint8_t* data = bytes.data();
  for (size_t i = 0; i < size; ++i) {
    const size_t left = size - i;
    const uint8_t* p = data + i;
    const std::string where = " at offset " + std::to_string(i);
    // JPEG: SOI then the first marker (APPn, DQT, DHT, SOF, COM).
    if (left >= 4 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF && p[3] >= 0xC0 && p[3] != 0xFF) {
      return "JPEG start of image" + where;
    }
    // PNG: the whole 8-byte signature.
    static constexpr uint8_t kPng[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (left >= 8 && std::equal(kPng, kPng + 8, p)) return "PNG signature" + where;
    static constexpr char kY4m[] = "YUV4MPEG2";
    if (left >= 9 && std::equal(kY4m, kY4m + 9, p)) return "YUV4MPEG2 header" + where;
    // VP8 keyframe (RFC 6386 section 9.1): start code, then 14-bit width and height.
    if (left >= 7 && p[0] == 0x9D && p[1] == 0x01 && p[2] == 0x2A) {
      const uint32_t width = load_le16(p + 3) & 0x3FFF;
      const uint32_t height = load_le16(p + 5) & 0x3FFF;
      if (width >= 16 && height >= 16) {
        return "VP8 keyframe start code (" + std::to_string(width) + "x" + std::to_string(height) + ")" + where;
      }
    }
    // BMP: "BM", file size, 4 reserved zero bytes, pixel offset, then a DIB
    // header of one of the sizes the format defines.
    if (left >= 18 && p[0] == 'B' && p[1] == 'M' && load_le32(p + 6) == 0) {
      const uint32_t pixel_offset = load_le32(p + 10);
      const uint32_t header_size = load_le32(p + 14);
      const bool known_header = header_size == 12 || header_size == 40 || header_size == 52 || header_size == 56 ||
                                header_size == 108 || header_size == 124;
      if (known_header && pixel_offset >= 14 + header_size && pixel_offset < (1u << 20)) {
        return "BMP header" + where;
      }
    }
  }
  return std::nullopt;
}

// Rows of a clip's luma plane to search for. A decoded frame differs from
// its source by the coding error, so a window matches when the mean absolute
// difference stays small, not only when the bytes are equal.
class LumaWindowSearch {
 public:
  static constexpr size_t kWindowBytes = 64;
  // Mean absolute difference per byte below which a window matches. A VP8
  // frame at 30 dB PSNR or better differs from its source by about 3 to 6.
  static constexpr unsigned kMatchMeanDifference = 10;
  // Windows with less contrast than this (max minus min) are skipped: flat
  // rows would match any run of similar bytes, such as zero padding.
  static constexpr int kMinContrast = 60;

  // Takes up to `windows_per_frame` textured windows from every `frame_step`-th frame of `clip`.
  static LumaWindowSearch from_clip(const std::string& clip, int frame_step, int windows_per_frame,
                                    std::string& error) {
    LumaWindowSearch search;
    auto reader = media::Y4mReader::open(clip, false, error);
    if (!reader) return search;
    media::I420Frame frame;
    for (int index = 0; reader->read_frame(frame); ++index) {
      if (index % frame_step != 0) continue;
      search.add_frame(frame, windows_per_frame);
    }
    return search;
  }

  void add_frame(const media::I420Frame& frame, int windows_per_frame) {
    if (frame.width < static_cast<int>(kWindowBytes)) return;
    int windows_taken = 0;
    // Rows spread over the frame, windows along each row, first textured ones kept.
    for (int row = frame.height / 8; row < frame.height && windows_taken < windows_per_frame; row += frame.height / 8) {
      for (int x = 0; x + static_cast<int>(kWindowBytes) <= frame.width; x += static_cast<int>(kWindowBytes)) {
        const uint8_t* start = frame.y().data() + static_cast<size_t>(row) * frame.width + x;
        const auto [low, high] = std::minmax_element(start, start + kWindowBytes);
        if (*high - *low < kMinContrast) continue;
        windows_.emplace_back(start, start + kWindowBytes);
        ++windows_taken;
        break;
      }
    }
  }

  size_t window_count() const { return windows_.size(); }

  // Returns the offset of the first run of `bytes` that matches a window.
  std::optional<size_t> find(const std::vector<uint8_t>& bytes) const {
    if (bytes.size() < kWindowBytes) return std::nullopt;
    constexpr unsigned kBudget = kMatchMeanDifference * kWindowBytes;
    for (size_t offset = 0; offset + kWindowBytes <= bytes.size(); ++offset) {
      const uint8_t* candidate = bytes.data() + offset;
      for (const std::vector<uint8_t>& window : windows_) {
        // Stops at the first bytes over budget: ordinary data fails within a few bytes.
        unsigned difference = 0;
        size_t i = 0;
        for (; i < kWindowBytes && difference <= kBudget; ++i) {
          difference += static_cast<unsigned>(std::abs(static_cast<int>(candidate[i]) - window[i]));
          if (i == 7 && difference > 8 * kMatchMeanDifference * 2) break;
        }
        if (i == kWindowBytes && difference <= kBudget) return offset;
      }
    }
    return std::nullopt;
  }

 private:
  std::vector<std::vector<uint8_t>> windows_;
};

}  // namespace sightline::testing

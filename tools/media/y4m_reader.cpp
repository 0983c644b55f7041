// Y4M header parsing and frame reading. The format: one text line
// "YUV4MPEG2 W<w> H<h> F<n>:<d> [I.. A.. C.. X..]\n", then per frame a line
// "FRAME[ params]\n" followed by the raw Y, U and V planes.
#include "tools/media/y4m_reader.h"

#include <array>
#include <charconv>
#include <string_view>

namespace sightline::media {

namespace {

constexpr std::string_view kStreamMagic = "YUV4MPEG2";
constexpr std::string_view kFrameMagic = "FRAME";
// Header lines are short; this bounds a read of a file that is not Y4M.
constexpr size_t kMaxHeaderLineBytes = 1024;
// Larger than any camera resolution, and small enough that a frame size fits in memory.
constexpr int kMaxDimensionPixels = 16384;
// The Y4M default when the C field is absent is 4:2:0 with JPEG siting.
constexpr std::array<std::string_view, 4> kSupportedChroma = {"420jpeg", "420mpeg2", "420", "420paldv"};

bool parse_int(std::string_view text, int& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

// Reads one '\n'-terminated line (without the '\n'). Returns false at end of
// file before any byte, or when the line is longer than the limit.
bool read_line(std::ifstream& file, std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  char c = 0;
  while (file.get(c)) {
    if (c == '\n') return true;
    if (line.size() >= kMaxHeaderLineBytes) {
      too_long = true;
      return false;
    }
    line.push_back(c);
  }
  return false;
}

}  // namespace

std::unique_ptr<Y4mReader> Y4mReader::open(const std::string& path, bool loop, std::string& error) {
  std::unique_ptr<Y4mReader> reader(new Y4mReader(path, loop));
  reader->file_.open(path, std::ios::binary);
  if (!reader->file_) {
    error = "cannot open Y4M file " + path + ": file not found or not readable";
    return nullptr;
  }

  std::string header;
  bool too_long = false;
  if (!read_line(reader->file_, header, too_long) || !reader->parse_stream_header(header)) {
    error = reader->error_.empty() ? "invalid Y4M file " + path + ": missing YUV4MPEG2 header line"
                                   : reader->error_;
    return nullptr;
  }
  reader->first_frame_offset_ = reader->file_.tellg();
  return reader;
}

bool Y4mReader::fail(const std::string& problem) {
  error_ = "invalid Y4M file " + path_ + ": " + problem;
  return false;
}

bool Y4mReader::parse_stream_header(const std::string& header) {
  std::string_view rest(header);
  if (!rest.starts_with(kStreamMagic)) return fail("missing YUV4MPEG2 signature");
  rest.remove_prefix(kStreamMagic.size());

  // Fields are separated by single spaces; each starts with a tag letter.
  while (!rest.empty()) {
    if (rest.front() == ' ') {
      rest.remove_prefix(1);
      continue;
    }
    const size_t end = rest.find(' ');
    const std::string field(rest.substr(0, end));
    if (!parse_header_field(field)) return false;
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }

  if (width_ <= 0 || height_ <= 0) return fail("missing or invalid W or H field");
  if (rate_numerator_ <= 0 || rate_denominator_ <= 0) return fail("missing or invalid F (frame rate) field");
  return true;
}

bool Y4mReader::parse_header_field(const std::string& field) {
  const std::string_view value = std::string_view(field).substr(1);
  switch (field[0]) {
    case 'W':
      if (!parse_int(value, width_) || width_ <= 0 || width_ > kMaxDimensionPixels) {
        return fail("invalid width '" + field + "'");
      }
      return true;
    case 'H':
      if (!parse_int(value, height_) || height_ <= 0 || height_ > kMaxDimensionPixels) {
        return fail("invalid height '" + field + "'");
      }
      return true;
    case 'F': {
      const size_t colon = value.find(':');
      if (colon == std::string_view::npos || !parse_int(value.substr(0, colon), rate_numerator_) ||
          !parse_int(value.substr(colon + 1), rate_denominator_)) {
        return fail("invalid frame rate '" + field + "', expected F<numerator>:<denominator>");
      }
      return true;
    }
    case 'C':
      for (std::string_view supported : kSupportedChroma) {
        if (value == supported) return true;
      }
      return fail("unsupported chroma '" + field +
                  "': only 8-bit 4:2:0 (C420jpeg, C420mpeg2, C420, C420paldv) is supported; "
                  "convert with ffmpeg -pix_fmt yuv420p");
    default:
      // I (interlacing), A (pixel aspect) and X (comments) do not change the
      // byte layout of a 4:2:0 frame.
      return true;
  }
}

bool Y4mReader::read_frame_header() {
  std::string line;
  bool too_long = false;
  if (!read_line(file_, line, too_long)) {
    if (too_long) return fail("frame header " + std::to_string(frames_in_pass_ + 1) + " is too long");
    if (!line.empty()) return fail("truncated frame header at end of file");
    return false;
  }
  if (!std::string_view(line).starts_with(kFrameMagic)) {
    return fail("expected FRAME header for frame " + std::to_string(frames_in_pass_ + 1) + ", found '" +
                line.substr(0, 16) + "'");
  }
  return true;
}

bool Y4mReader::read_frame(I420Frame& frame) {
  error_.clear();
  if (!read_frame_header()) {
    if (!error_.empty() || !loop_) return false;
    if (frames_in_pass_ == 0) return fail("no frames to loop over");
    // End of a looped file: start the next pass at the first frame.
    file_.clear();
    file_.seekg(first_frame_offset_);
    frames_in_pass_ = 0;
    if (!read_frame_header()) {
      if (error_.empty()) fail("cannot rewind to the first frame");
      return false;
    }
  }

  frame.resize(width_, height_);
  file_.read(reinterpret_cast<char*>(frame.data.data()), static_cast<std::streamsize>(frame.data.size()));
  if (static_cast<size_t>(file_.gcount()) != frame.data.size()) {
    return fail("truncated frame " + std::to_string(frames_in_pass_ + 1) + ": expected " +
                std::to_string(frame.data.size()) + " bytes, got " + std::to_string(file_.gcount()));
  }
  ++frames_in_pass_;
  ++frames_read_;
  return true;
}

}  // namespace sightline::media

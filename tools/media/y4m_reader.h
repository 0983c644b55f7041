// Reader of YUV4MPEG2 (Y4M) files with 8-bit 4:2:0 chroma, the raw video
// format of the peer's source clips and of Chromium's fake camera.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <utility>

#include "tools/media/i420_frame.h"

namespace sightline::media {

class Y4mReader {
 public:
  // Opens `path` and reads its stream header. Returns nullptr and sets
  // `error` (naming the file and the problem) when the file cannot be opened,
  // is not Y4M, or uses a chroma layout other than C420jpeg, C420mpeg2, C420
  // or C420paldv. With `loop` set, read_frame rewinds to the first frame at
  // the end of the file instead of returning false.
  static std::unique_ptr<Y4mReader> open(const std::string& path, bool loop, std::string& error);

  Y4mReader(const Y4mReader&) = delete;
  Y4mReader& operator=(const Y4mReader&) = delete;

  int width() const { return width_; }
  int height() const { return height_; }
  // Frame rate as the fraction in the F header field, e.g. 30000/1001.
  int frame_rate_numerator() const { return rate_numerator_; }
  int frame_rate_denominator() const { return rate_denominator_; }
  double frame_rate() const { return static_cast<double>(rate_numerator_) / rate_denominator_; }
  // Frames returned so far, counting every pass of a looped file.
  int64_t frames_read() const { return frames_read_; }

  // Reads the next frame into `frame`, reusing its buffer. Returns false at
  // the end of the file (when not looping) or on a malformed or truncated
  // frame. error() is empty at the end of the file and describes any other failure.
  bool read_frame(I420Frame& frame);
  const std::string& error() const { return error_; }

 private:
  Y4mReader(std::string path, bool loop) : path_(std::move(path)), loop_(loop) {}
  bool parse_stream_header(const std::string& header);
  bool parse_header_field(const std::string& field);
  // Reads "FRAME[ params]\n". Returns false with an empty error at a clean end of file.
  bool read_frame_header();
  bool fail(const std::string& problem);

  std::string path_;
  bool loop_;
  std::ifstream file_;
  std::streampos first_frame_offset_{};
  int width_ = 0;
  int height_ = 0;
  int rate_numerator_ = 0;
  int rate_denominator_ = 0;
  int64_t frames_read_ = 0;
  int64_t frames_in_pass_ = 0;
  std::string error_;
};

}  // namespace sightline::media

// RFC 4571 framing of RTP, RTCP, STUN and DTLS over a TCP connection, as
// ICE-TCP uses it (RFC 6544 section 3): each packet is preceded by its
// length as a 16-bit big-endian number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "relay/base/bytes.h"

namespace sightline::net {

constexpr size_t kFrameHeaderBytes = 2;
// The largest length the 16-bit prefix can express.
constexpr size_t kMaxFrameLength = 0xFFFF;

// Writes the length prefix of a frame of `length` bytes (at most
// kMaxFrameLength) to out[0..1].
inline void write_frame_header(uint8_t* out, size_t length) {
  out[0] = static_cast<uint8_t>(length >> 8);
  out[1] = static_cast<uint8_t>(length);
}

// Splits the byte stream of one connection into frames. The bytes arrive in
// any cut: a read may end inside the prefix or the payload, or hold several
// frames. The buffer is allocated once, in the constructor.
class FrameReader {
 public:
  enum class Result {
    frame,             // *frame is one complete frame
    need_more,         // no complete frame is buffered
    skipped_empty,     // a zero-length frame was consumed
    skipped_oversize,  // a frame longer than max_frame_bytes is being discarded
  };

  // Frames longer than max_frame_bytes are discarded whole, without losing
  // the framing. buffer_bytes must hold at least one frame of the largest
  // accepted size with its prefix; smaller values are raised to that.
  FrameReader(size_t max_frame_bytes, size_t buffer_bytes);
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  // Free space at the end of the buffer to receive into; then call
  // received() with the count written. Never empty while next() returns
  // need_more, since a partial frame always fits.
  MutableByteView receive_space();
  void received(size_t count);

  // Takes the next frame out of the buffered bytes. The frame stays valid,
  // and may be modified in place, until the next call to next() or
  // receive_space().
  Result next(MutableByteView* frame);

  // Forgets buffered bytes and any frame being skipped, for reuse on a new
  // connection.
  void reset();

  size_t buffered() const { return end_ - begin_; }
  size_t max_frame_bytes() const { return max_frame_bytes_; }

 private:
  void compact();

  const size_t max_frame_bytes_;
  const size_t capacity_;
  std::unique_ptr<uint8_t[]> buffer_;
  size_t begin_ = 0;  // first byte not yet taken
  size_t end_ = 0;    // one past the last received byte
  size_t skip_remaining_ = 0;  // bytes still to discard of an oversize frame
};

}  // namespace sightline::net

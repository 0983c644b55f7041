// FrameReader: RFC 4571 length-prefixed frames out of a TCP byte stream.
#include "relay/net/rfc4571_framing.h"

#include <algorithm>
#include <cstring>

namespace sightline::net {

FrameReader::FrameReader(size_t max_frame_bytes, size_t buffer_bytes)
    : max_frame_bytes_(std::min(max_frame_bytes, kMaxFrameLength)),
      capacity_(std::max(buffer_bytes, kFrameHeaderBytes + max_frame_bytes_)),
      buffer_(std::make_unique<uint8_t[]>(capacity_)) {}

void FrameReader::reset() {
  begin_ = 0;
  end_ = 0;
  skip_remaining_ = 0;
}

void FrameReader::compact() {
  if (begin_ == 0) return;
  const size_t remaining = end_ - begin_;
  if (remaining > 0) std::memmove(buffer_.get(), buffer_.get() + begin_, remaining);
  begin_ = 0;
  end_ = remaining;
}

MutableByteView FrameReader::receive_space() {
  if (begin_ == end_) {
    begin_ = 0;
    end_ = 0;
  } else if (capacity_ - end_ < capacity_ / 2) {
    // Move the partial frame to the front only when the free tail gets
    // short, so that a stream of small frames is not copied after each one.
    compact();
  }
  return MutableByteView(buffer_.get() + end_, capacity_ - end_);
}

void FrameReader::received(size_t count) { end_ = std::min(capacity_, end_ + count); }

FrameReader::Result FrameReader::next(MutableByteView* frame) {
  if (skip_remaining_ > 0) {
    const size_t dropped = std::min(skip_remaining_, end_ - begin_);
    begin_ += dropped;
    skip_remaining_ -= dropped;
    if (skip_remaining_ > 0) return Result::need_more;
  }
  if (end_ - begin_ < kFrameHeaderBytes) {
    compact();
    return Result::need_more;
  }
  const uint8_t* header = buffer_.get() + begin_;
  const size_t length = (static_cast<size_t>(header[0]) << 8) | header[1];
  if (length == 0) {
    begin_ += kFrameHeaderBytes;
    return Result::skipped_empty;
  }
  if (length > max_frame_bytes_) {
    begin_ += kFrameHeaderBytes;
    const size_t dropped = std::min(length, end_ - begin_);
    begin_ += dropped;
    skip_remaining_ = length - dropped;
    return Result::skipped_oversize;
  }
  if (end_ - begin_ < kFrameHeaderBytes + length) {
    // The rest of this frame is still in flight; make room for it.
    if (capacity_ - begin_ < kFrameHeaderBytes + length) compact();
    return Result::need_more;
  }
  *frame = MutableByteView(buffer_.get() + begin_ + kFrameHeaderBytes, length);
  begin_ += kFrameHeaderBytes + length;
  return Result::frame;
}

}  // namespace sightline::net

// Big-endian (network order) reads and writes over byte buffers, with bounds
// checks on every read, for the parsers of network input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace sightline {

using ByteView = std::span<const uint8_t>;
using MutableByteView = std::span<uint8_t>;

inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t load_be24(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 16) | (static_cast<uint32_t>(p[1]) << 8) | p[2];
}
inline uint32_t load_be32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
inline uint64_t load_be64(const uint8_t* p) {
  return (static_cast<uint64_t>(load_be32(p)) << 32) | load_be32(p + 4);
}
inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void store_be24(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 16);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
inline void store_be64(uint8_t* p, uint64_t v) {
  store_be32(p, static_cast<uint32_t>(v >> 32));
  store_be32(p + 4, static_cast<uint32_t>(v));
}

// Sequential reader that never reads past the end: a failed read returns
// false and leaves the reader exhausted, so a parser can check once at the end.
class ByteReader {
 public:
  explicit ByteReader(ByteView data) : data_(data) {}

  size_t remaining() const { return failed_ ? 0 : data_.size() - offset_; }
  size_t offset() const { return offset_; }
  bool failed() const { return failed_; }
  const uint8_t* current() const { return data_.data() + offset_; }

  bool read_u8(uint8_t& out) { return read(1) ? (out = data_[offset_ - 1], true) : false; }
  bool read_u16(uint16_t& out) { return read(2) ? (out = load_be16(&data_[offset_ - 2]), true) : false; }
  bool read_u24(uint32_t& out) { return read(3) ? (out = load_be24(&data_[offset_ - 3]), true) : false; }
  bool read_u32(uint32_t& out) { return read(4) ? (out = load_be32(&data_[offset_ - 4]), true) : false; }
  bool read_bytes(size_t count, ByteView& out) {
    if (!read(count)) return false;
    out = data_.subspan(offset_ - count, count);
    return true;
  }
  bool skip(size_t count) { return read(count); }

 private:
  bool read(size_t count) {
    if (failed_ || data_.size() - offset_ < count) {
      failed_ = true;
      return false;
    }
    offset_ += count;
    return true;
  }

  ByteView data_;
  size_t offset_ = 0;
  bool failed_ = false;
};

}  // namespace sightline

// An 8-bit I420 (YUV 4:2:0 planar) picture in one contiguous buffer: the Y
// plane, then U, then V, each row packed with no padding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "relay/base/bytes.h"

namespace sightline::media {

struct I420Frame {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> data;

  // Chroma planes round odd luma dimensions up.
  int chroma_width() const { return (width + 1) / 2; }
  int chroma_height() const { return (height + 1) / 2; }
  size_t y_size() const { return static_cast<size_t>(width) * height; }
  size_t chroma_size() const { return static_cast<size_t>(chroma_width()) * chroma_height(); }
  size_t total_size() const { return y_size() + 2 * chroma_size(); }

  // Sets the dimensions and sizes `data` to match, keeping its capacity.
  void resize(int new_width, int new_height) {
    width = new_width;
    height = new_height;
    data.resize(total_size());
  }

  ByteView y() const { return ByteView(data).subspan(0, y_size()); }
  ByteView u() const { return ByteView(data).subspan(y_size(), chroma_size()); }
  ByteView v() const { return ByteView(data).subspan(y_size() + chroma_size(), chroma_size()); }
  MutableByteView y() { return MutableByteView(data).subspan(0, y_size()); }
  MutableByteView u() { return MutableByteView(data).subspan(y_size(), chroma_size()); }
  MutableByteView v() { return MutableByteView(data).subspan(y_size() + chroma_size(), chroma_size()); }
};

}  // namespace sightline::media

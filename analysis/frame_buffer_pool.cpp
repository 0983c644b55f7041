// Frame buffer pool over one mmap region marked MADV_DONTDUMP (madvise(2),
// Linux 3.4 and later), so that a core dump of the server contains no pixels.
#include "analysis/frame_buffer_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace sightline::analysis {

namespace {

size_t round_up(size_t value, size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

size_t i420_bytes(int width, int height) {
  const size_t chroma = static_cast<size_t>((width + 1) / 2) * static_cast<size_t>((height + 1) / 2);
  return static_cast<size_t>(width) * static_cast<size_t>(height) + 2 * chroma;
}

void copy_plane(const uint8_t* source, int source_stride, int width, int height, uint8_t* target) {
  for (int row = 0; row < height; ++row) {
    std::memcpy(target + static_cast<size_t>(row) * static_cast<size_t>(width),
                source + static_cast<ptrdiff_t>(row) * source_stride, static_cast<size_t>(width));
  }
}

}  // namespace

FrameBufferPool::FrameBufferPool(size_t buffer_count, int max_width, int max_height)
    : buffer_count_(buffer_count), max_width_(max_width), max_height_(max_height) {
  const size_t page_bytes = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  buffer_bytes_ = round_up(i420_bytes(max_width, max_height), page_bytes);
  mapping_bytes_ = buffer_bytes_ * buffer_count;
  if (mapping_bytes_ == 0) {
    error_ = "frame buffer pool needs at least one buffer of a non-zero size";
    return;
  }

  void* mapping = mmap(nullptr, mapping_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) {
    error_ = std::string("mmap of the frame buffer pool failed: ") + std::strerror(errno);
    return;
  }
  if (madvise(mapping, mapping_bytes_, MADV_DONTDUMP) != 0) {
    // Refuse to hold frames in memory that a core dump would contain.
    error_ = std::string("madvise(MADV_DONTDUMP) on the frame buffer pool failed: ") + std::strerror(errno);
    munmap(mapping, mapping_bytes_);
    return;
  }
  base_ = mapping;

  free_.reserve(buffer_count);
  for (size_t i = buffer_count; i > 0; --i) free_.push_back(static_cast<int>(i - 1));
}

FrameBufferPool::~FrameBufferPool() {
  if (base_ != nullptr) munmap(base_, mapping_bytes_);
}

int FrameBufferPool::acquire() {
  if (free_.empty()) return -1;
  const int index = free_.back();
  free_.pop_back();
  return index;
}

void FrameBufferPool::release(int index) {
  if (index >= 0 && static_cast<size_t>(index) < buffer_count_) free_.push_back(index);
}

FrameView FrameBufferPool::store(int index, const FrameView& frame) {
  if (base_ == nullptr || index < 0 || static_cast<size_t>(index) >= buffer_count_) return {};
  if (frame.width <= 0 || frame.height <= 0 || frame.width > max_width_ || frame.height > max_height_) return {};

  const int chroma_width = (frame.width + 1) / 2;
  const int chroma_height = (frame.height + 1) / 2;
  uint8_t* y = buffer(index);
  uint8_t* u = y + static_cast<size_t>(frame.width) * static_cast<size_t>(frame.height);
  uint8_t* v = u + static_cast<size_t>(chroma_width) * static_cast<size_t>(chroma_height);
  copy_plane(frame.y, frame.y_stride, frame.width, frame.height, y);
  copy_plane(frame.u, frame.uv_stride, chroma_width, chroma_height, u);
  copy_plane(frame.v, frame.uv_stride, chroma_width, chroma_height, v);

  FrameView view;
  view.y = y;
  view.u = u;
  view.v = v;
  view.y_stride = frame.width;
  view.uv_stride = chroma_width;
  view.width = frame.width;
  view.height = frame.height;
  return view;
}

}  // namespace sightline::analysis

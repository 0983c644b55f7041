// Decoded frame buffers for analysis: one anonymous mapping made once,
// excluded from core dumps, cut into page-aligned I420 buffers that are
// reused and overwritten. Pixels never leave this memory for disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/detection.h"

namespace sightline::analysis {

class FrameBufferPool {
 public:
  // Maps `buffer_count` buffers, each large enough for an I420 frame of
  // `max_width` x `max_height`. Call ok() before use: mapping can fail.
  FrameBufferPool(size_t buffer_count, int max_width, int max_height);
  ~FrameBufferPool();
  FrameBufferPool(const FrameBufferPool&) = delete;
  FrameBufferPool& operator=(const FrameBufferPool&) = delete;

  // False when mmap or madvise(MADV_DONTDUMP) failed; error() names the call.
  bool ok() const { return base_ != nullptr; }
  const std::string& error() const { return error_; }

  // Takes a free buffer and returns its index, or -1 when all are in use.
  int acquire();
  void release(int index);
  size_t free_count() const { return free_.size(); }
  size_t buffer_count() const { return buffer_count_; }

  // Copies an I420 frame into buffer `index`, packed with strides equal to
  // the widths, and returns a view of the copy. Returns a view with null
  // planes when the frame is larger than the pool's maximum.
  FrameView store(int index, const FrameView& frame);

  // The mapping, for tests that check its flags in /proc/self/smaps.
  const void* mapping() const { return base_; }
  size_t mapping_size() const { return mapping_bytes_; }

 private:
  uint8_t* buffer(int index) const { return static_cast<uint8_t*>(base_) + static_cast<size_t>(index) * buffer_bytes_; }

  size_t buffer_count_;
  int max_width_;
  int max_height_;
  size_t buffer_bytes_ = 0;
  size_t mapping_bytes_ = 0;
  void* base_ = nullptr;
  std::vector<int> free_;
  std::string error_;
};

}  // namespace sightline::analysis

// Tests of the decoded frame buffer pool: excluded from core dumps, page
// aligned, bounded, and copying frames into packed I420.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/frame_buffer_pool.h"

namespace sightline::analysis {
namespace {

// Returns the VmFlags line of the /proc/self/smaps entry that starts at `address`.
std::string vm_flags_of(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool in_mapping = false;
  const auto start = reinterpret_cast<uintptr_t>(address);
  while (std::getline(smaps, line)) {
    const size_t dash = line.find('-');
    if (dash != std::string::npos && dash > 0 && line.find(' ') > dash && std::isxdigit(static_cast<unsigned char>(line[0]))) {
      in_mapping = std::stoull(line.substr(0, dash), nullptr, 16) == start;
      continue;
    }
    if (in_mapping && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return {};
}

TEST(FrameBufferPool, MappingExcludedFromCoreDumps) {
  FrameBufferPool pool(3, 640, 360);
  ASSERT_TRUE(pool.ok()) << pool.error();
  const std::string flags = vm_flags_of(pool.mapping());
  ASSERT_FALSE(flags.empty());
  EXPECT_NE(flags.find(" dd"), std::string::npos) << flags;
}

TEST(FrameBufferPool, BuffersArePageAligned) {
  FrameBufferPool pool(2, 321, 181);
  ASSERT_TRUE(pool.ok());
  const auto page_bytes = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(pool.mapping()) % page_bytes, 0U);
  EXPECT_EQ(pool.mapping_size() % page_bytes, 0U);
  EXPECT_GE(pool.mapping_size(), 2U * (321U * 181U + 2U * 161U * 91U));
}

TEST(FrameBufferPool, AcquireIsBounded) {
  FrameBufferPool pool(2, 64, 36);
  const int first = pool.acquire();
  const int second = pool.acquire();
  EXPECT_NE(first, second);
  EXPECT_EQ(pool.acquire(), -1);
  pool.release(first);
  EXPECT_EQ(pool.acquire(), first);
}

TEST(FrameBufferPool, StoreCopiesStridedFrame) {
  constexpr int kWidth = 6;
  constexpr int kHeight = 4;
  constexpr int kStride = 8;
  std::vector<uint8_t> y(kStride * kHeight, 0xEE);
  std::vector<uint8_t> u(4 * 2, 0xEE);
  std::vector<uint8_t> v(4 * 2, 0xEE);
  for (int row = 0; row < kHeight; ++row) {
    for (int col = 0; col < kWidth; ++col) y[static_cast<size_t>(row * kStride + col)] = static_cast<uint8_t>(row * 10 + col);
  }
  for (int row = 0; row < 2; ++row) {
    for (int col = 0; col < 3; ++col) {
      u[static_cast<size_t>(row * 4 + col)] = static_cast<uint8_t>(100 + row * 3 + col);
      v[static_cast<size_t>(row * 4 + col)] = static_cast<uint8_t>(200 + row * 3 + col);
    }
  }
  FrameView source{y.data(), u.data(), v.data(), kStride, 4, kWidth, kHeight};

  FrameBufferPool pool(1, 16, 16);
  const int index = pool.acquire();
  const FrameView stored = pool.store(index, source);
  ASSERT_NE(stored.y, nullptr);
  EXPECT_EQ(stored.y_stride, kWidth);
  EXPECT_EQ(stored.uv_stride, 3);
  EXPECT_EQ(stored.y[1 * kWidth + 5], 15);
  EXPECT_EQ(stored.y[3 * kWidth + 0], 30);
  EXPECT_EQ(stored.u[1 * 3 + 2], 105);
  EXPECT_EQ(stored.v[0], 200);
}

TEST(FrameBufferPool, RejectsFrameLargerThanBuffers) {
  std::vector<uint8_t> plane(64 * 64, 1);
  FrameView source{plane.data(), plane.data(), plane.data(), 64, 32, 64, 64};
  FrameBufferPool pool(1, 32, 32);
  EXPECT_EQ(pool.store(pool.acquire(), source).y, nullptr);
}

}  // namespace
}  // namespace sightline::analysis

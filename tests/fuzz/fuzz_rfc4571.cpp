// Fuzz target for the RFC 4571 frame reader: the input is a TCP byte stream
// delivered in reads of sizes taken from its first byte, so that every cut
// through prefixes and payloads is reached.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "relay/net/rfc4571_framing.h"

namespace {

constexpr size_t kMaxFrame = 2048;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sightline;
  if (size == 0) return 0;
  static net::FrameReader reader(kMaxFrame, 4096);
  reader.reset();

  // Read sizes cycle through 1 + (first byte) and its neighbours.
  const size_t base_step = 1 + data[0];
  size_t offset = 1;
  size_t round = 0;
  while (offset < size) {
    const MutableByteView space = reader.receive_space();
    if (space.empty()) std::abort();  // a partial frame must always leave room
    const size_t step = base_step + (round++ % 3) * 97;
    const size_t count = std::min({step, space.size(), size - offset});
    std::memcpy(space.data(), data + offset, count);
    reader.received(count);
    offset += count;

    MutableByteView frame;
    for (;;) {
      const net::FrameReader::Result result = reader.next(&frame);
      if (result == net::FrameReader::Result::need_more) break;
      if (result != net::FrameReader::Result::frame) continue;
      if (frame.empty() || frame.size() > kMaxFrame) std::abort();
      // Touch every byte, as SRTP decryption in place would.
      for (uint8_t& byte : frame) byte ^= 0x5A;
    }
    if (reader.buffered() > 4096) std::abort();
  }
  return 0;
}

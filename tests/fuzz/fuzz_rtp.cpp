// libFuzzer target for the RTP parser: parse, look up every extension ID, and
// rewrite header fields and extension values in place.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "relay/rtp/rtp_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sightline::rtp;
  std::vector<uint8_t> buffer(data, data + size);
  RtpPacket packet;
  if (RtpPacket::parse(buffer, packet) != RtpParseError::ok) return 0;

  size_t sum = packet.payload().size() + packet.padding_size() + packet.extension_block().size();
  for (size_t i = 0; i < packet.csrc_count(); ++i) sum += packet.csrc(i);
  for (size_t i = 0; i < packet.extension_count(); ++i) sum += packet.extension_at(i).value.size();
  for (unsigned id = 0; id < 256; ++id) {
    const sightline::ByteView value = packet.find_extension(static_cast<uint8_t>(id));
    for (uint8_t byte : value) sum += byte;
    if (!value.empty()) {
      std::vector<uint8_t> replacement(value.size(), 0x5A);
      packet.set_extension_value(static_cast<uint8_t>(id), replacement);
    }
  }

  packet.set_ssrc(static_cast<uint32_t>(sum));
  packet.set_sequence_number(static_cast<uint16_t>(packet.sequence_number() + 1));
  packet.set_timestamp(packet.timestamp() + 3000);
  packet.set_payload_type(static_cast<uint8_t>(packet.payload_type() ^ 1));
  packet.set_marker(!packet.marker());

  RtpPacket reparsed;
  if (RtpPacket::parse(buffer, reparsed) != RtpParseError::ok) __builtin_trap();
  if (reparsed.payload().size() != packet.payload().size()) __builtin_trap();
  return 0;
}

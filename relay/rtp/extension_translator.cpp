#include "relay/rtp/extension_translator.h"

#include <array>
#include <cstring>

namespace sightline::rtp {
namespace {

constexpr uint8_t kMaxOneByteId = 14;
constexpr size_t kMaxOneByteValue = 16;
constexpr size_t kMaxTwoByteValue = 255;
constexpr uint8_t kExtensionBit = 0x10;

struct OutputElement {
  uint8_t id = 0;
  ByteView value;
};

// Returns the subscriber's id for the publisher's element `id`, 0 to drop it.
uint8_t subscriber_id_for(uint8_t id, const HeaderExtensionIds& publisher, const HeaderExtensionIds& subscriber) {
  if (id == 0) return 0;
  if (id == publisher.mid) return subscriber.mid;
  if (id == publisher.abs_send_time) return subscriber.abs_send_time;
  if (id == publisher.transport_cc) return subscriber.transport_cc;
  if (id == publisher.audio_level) return subscriber.audio_level;
  return 0;
}

}  // namespace

size_t translate_header_extensions(const RtpPacket& packet, const HeaderExtensionIds& publisher,
                                   const HeaderExtensionIds& subscriber, std::string_view subscriber_mid,
                                   MutableByteView out) {
  std::array<OutputElement, RtpPacket::kMaxExtensions> elements{};
  size_t element_count = 0;
  bool one_byte_form = true;
  for (size_t i = 0; i < packet.extension_count(); ++i) {
    const RtpExtension extension = packet.extension_at(i);
    const uint8_t id = subscriber_id_for(extension.id, publisher, subscriber);
    if (id == 0) continue;
    ByteView value = extension.value;
    if (extension.id == publisher.mid) {
      value = ByteView(reinterpret_cast<const uint8_t*>(subscriber_mid.data()), subscriber_mid.size());
    }
    if (value.empty() || value.size() > kMaxTwoByteValue) continue;
    if (id > kMaxOneByteId || value.size() > kMaxOneByteValue) one_byte_form = false;
    elements[element_count++] = {id, value};
  }

  size_t block_size = 0;
  for (size_t i = 0; i < element_count; ++i) block_size += (one_byte_form ? 1 : 2) + elements[i].value.size();
  const size_t padded_block_size = (block_size + 3) / 4 * 4;

  const ByteView source = packet.data();
  const size_t fixed_size = RtpPacket::kFixedHeaderSize + 4 * size_t{packet.csrc_count()};
  const ByteView tail = source.subspan(packet.header_size());
  const size_t extension_size = element_count == 0 ? 0 : 4 + padded_block_size;
  const size_t total_size = fixed_size + extension_size + tail.size();
  if (out.size() < total_size) return 0;

  std::memcpy(out.data(), source.data(), fixed_size);
  uint8_t* cursor = out.data() + fixed_size;
  if (element_count == 0) {
    out[0] = static_cast<uint8_t>(out[0] & ~kExtensionBit);
  } else {
    out[0] = static_cast<uint8_t>(out[0] | kExtensionBit);
    store_be16(cursor, one_byte_form ? RtpPacket::kOneByteProfile : RtpPacket::kTwoByteProfile);
    store_be16(cursor + 2, static_cast<uint16_t>(padded_block_size / 4));
    cursor += 4;
    for (size_t i = 0; i < element_count; ++i) {
      const OutputElement& element = elements[i];
      if (one_byte_form) {
        // RFC 8285 section 4.2: the 4-bit length field is the value size minus one.
        *cursor++ = static_cast<uint8_t>((element.id << 4) | (element.value.size() - 1));
      } else {
        *cursor++ = element.id;
        *cursor++ = static_cast<uint8_t>(element.value.size());
      }
      std::memcpy(cursor, element.value.data(), element.value.size());
      cursor += element.value.size();
    }
    std::memset(cursor, 0, padded_block_size - block_size);
    cursor += padded_block_size - block_size;
  }
  if (!tail.empty()) std::memcpy(cursor, tail.data(), tail.size());
  return total_size;
}

}  // namespace sightline::rtp

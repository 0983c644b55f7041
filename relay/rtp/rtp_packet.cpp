// RTP packet parsing and in-place rewriting (RFC 3550 section 5.1, RFC 8285).
#include "relay/rtp/rtp_packet.h"

#include <algorithm>

namespace sightline::rtp {

namespace {

constexpr uint8_t kRtpVersion = 2;
constexpr size_t kCsrcSize = 4;
constexpr size_t kExtensionHeaderSize = 4;
constexpr uint8_t kOneByteReservedId = 15;
constexpr uint16_t kTwoByteProfileMask = 0xFFF0;

}  // namespace

std::string_view to_string(RtpParseError error) {
  switch (error) {
    case RtpParseError::ok: return "ok";
    case RtpParseError::too_short: return "too_short";
    case RtpParseError::bad_version: return "bad_version";
    case RtpParseError::csrc_truncated: return "csrc_truncated";
    case RtpParseError::extension_truncated: return "extension_truncated";
    case RtpParseError::padding_invalid: return "padding_invalid";
  }
  return "unknown";
}

std::string_view to_string(ExtensionIssue issue) {
  switch (issue) {
    case ExtensionIssue::none: return "none";
    case ExtensionIssue::reserved_id: return "reserved_id";
    case ExtensionIssue::zero_id_with_length: return "zero_id_with_length";
    case ExtensionIssue::element_truncated: return "element_truncated";
    case ExtensionIssue::too_many_elements: return "too_many_elements";
  }
  return "unknown";
}

RtpParseError RtpPacket::parse(MutableByteView buffer, RtpPacket& out) {
  out = RtpPacket();
  if (buffer.size() < kFixedHeaderSize) return RtpParseError::too_short;
  if ((buffer[0] >> 6) != kRtpVersion) return RtpParseError::bad_version;

  size_t header_size = kFixedHeaderSize + kCsrcSize * (buffer[0] & 0x0F);
  if (buffer.size() < header_size) return RtpParseError::csrc_truncated;

  RtpPacket packet;
  packet.data_ = buffer;
  if (packet.has_extension()) {
    if (buffer.size() - header_size < kExtensionHeaderSize) return RtpParseError::extension_truncated;
    const uint16_t profile = load_be16(buffer.data() + header_size);
    const size_t block_size = 4 * static_cast<size_t>(load_be16(buffer.data() + header_size + 2));
    header_size += kExtensionHeaderSize;
    if (buffer.size() - header_size < block_size) return RtpParseError::extension_truncated;
    packet.extension_profile_ = profile;
    packet.extension_offset_ = header_size;
    packet.extension_size_ = block_size;
    header_size += block_size;
  }

  // RFC 3550 5.1: the last padding octet counts the padding octets,
  // itself included, so it is at least 1 and fits after the header.
  size_t padding_size = 0;
  if (packet.padding()) {
    if (buffer.size() == header_size) return RtpParseError::padding_invalid;
    padding_size = buffer.back();
    if (padding_size == 0 || padding_size > buffer.size() - header_size) return RtpParseError::padding_invalid;
  }
  packet.header_size_ = header_size;
  packet.padding_size_ = padding_size;
  packet.payload_size_ = buffer.size() - header_size - padding_size;

  if (packet.extension_profile_ == kOneByteProfile) {
    packet.parse_extension_elements(false);
  } else if ((packet.extension_profile_ & kTwoByteProfileMask) == kTwoByteProfile) {
    packet.parse_extension_elements(true);
  }
  out = packet;
  return RtpParseError::ok;
}

// Walks the elements of a one-byte (RFC 8285 4.2) or two-byte (4.3) block.
//
//   one-byte:  | ID (4) | L (4) | data (L+1 bytes) |
//   two-byte:  | ID (8) | L (8) | data (L bytes)   |
//
// A zero byte where an element would start is padding in both forms.
void RtpPacket::parse_extension_elements(bool two_byte_form) {
  const size_t end = extension_offset_ + extension_size_;
  size_t pos = extension_offset_;
  while (pos < end) {
    const uint8_t first = data_[pos];
    if (first == 0) {
      ++pos;
      continue;
    }

    uint8_t id = 0;
    size_t length = 0;
    size_t element_header = 0;
    if (two_byte_form) {
      if (end - pos < 2) {
        extension_issue_ = ExtensionIssue::element_truncated;
        return;
      }
      id = first;
      length = data_[pos + 1];
      element_header = 2;
    } else {
      id = first >> 4;
      length = (first & 0x0F) + 1u;
      element_header = 1;
      if (id == 0) {
        extension_issue_ = ExtensionIssue::zero_id_with_length;
        return;
      }
      if (id == kOneByteReservedId) {
        extension_issue_ = ExtensionIssue::reserved_id;
        return;
      }
    }

    // In the two-byte form an element with ID 0 is padding of its own length.
    const size_t value_offset = pos + element_header;
    if (end - value_offset < length) {
      extension_issue_ = ExtensionIssue::element_truncated;
      return;
    }
    if (id != 0 && !add_extension(id, value_offset, length)) {
      extension_issue_ = ExtensionIssue::too_many_elements;
      return;
    }
    pos = value_offset + length;
  }
}

bool RtpPacket::add_extension(uint8_t id, size_t offset, size_t length) {
  if (extension_count_ == kMaxExtensions) return false;
  extensions_[extension_count_] = ExtensionSlot{id, static_cast<uint8_t>(length), static_cast<uint32_t>(offset)};
  ++extension_count_;
  return true;
}

const RtpPacket::ExtensionSlot* RtpPacket::find_slot(uint8_t id) const {
  for (size_t i = 0; i < extension_count_; ++i) {
    if (extensions_[i].id == id) return &extensions_[i];
  }
  return nullptr;
}

RtpExtension RtpPacket::extension_at(size_t index) const {
  if (index >= extension_count_) return {};
  const ExtensionSlot& slot = extensions_[index];
  return RtpExtension{slot.id, ByteView(data_).subspan(slot.offset, slot.length)};
}

ByteView RtpPacket::find_extension(uint8_t id) const {
  const ExtensionSlot* slot = find_slot(id);
  if (slot == nullptr) return {};
  return ByteView(data_).subspan(slot->offset, slot->length);
}

void RtpPacket::set_marker(bool marker) {
  data_[1] = static_cast<uint8_t>((data_[1] & 0x7F) | (marker ? 0x80 : 0));
}

void RtpPacket::set_payload_type(uint8_t payload_type) {
  data_[1] = static_cast<uint8_t>((data_[1] & 0x80) | (payload_type & 0x7F));
}

void RtpPacket::set_sequence_number(uint16_t seq) { store_be16(data_.data() + 2, seq); }

void RtpPacket::set_timestamp(uint32_t timestamp) { store_be32(data_.data() + 4, timestamp); }

void RtpPacket::set_ssrc(uint32_t ssrc) { store_be32(data_.data() + 8, ssrc); }

bool RtpPacket::set_extension_value(uint8_t id, ByteView value) {
  const ExtensionSlot* slot = find_slot(id);
  if (slot == nullptr || slot->length != value.size()) return false;
  std::copy(value.begin(), value.end(), data_.begin() + slot->offset);
  return true;
}

}  // namespace sightline::rtp

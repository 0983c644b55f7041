// RTP packet parsed in place over the caller's buffer (RFC 3550 section 5.1)
// with RFC 8285 header extensions, and in-place rewriting of header fields.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "relay/base/bytes.h"

namespace sightline::rtp {

// Reason a buffer is not a valid RTP packet.
enum class RtpParseError : uint8_t {
  ok,
  too_short,            // fewer than the 12 bytes of the fixed header
  bad_version,          // version field is not 2
  csrc_truncated,       // the CSRC list runs past the end of the buffer
  extension_truncated,  // the header extension block runs past the end of the buffer
  padding_invalid,      // padding count is 0 or larger than the space after the header
};
std::string_view to_string(RtpParseError error);

// Reason parsing of the header extension elements stopped early. The packet
// is still valid, and elements parsed before the stop point stay available.
enum class ExtensionIssue : uint8_t {
  none,
  reserved_id,          // one-byte element with ID 15, which ends parsing (RFC 8285 4.2)
  zero_id_with_length,  // one-byte element with ID 0 and a non-zero length
  element_truncated,    // an element's length runs past the extension block
  too_many_elements,    // more than RtpPacket::kMaxExtensions elements
};
std::string_view to_string(ExtensionIssue issue);

// One header extension element: its local ID and value bytes.
struct RtpExtension {
  uint8_t id = 0;
  ByteView value;
};

// An RTP packet as views over a caller-owned buffer. The buffer must outlive
// the packet; setters write through to it.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                           timestamp                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           synchronization source (SSRC) identifier            |
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |            contributing source (CSRC) identifiers             |
//  |                             ....                              |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  profile (0xBEDE or 0x100X)   |     length in 32-bit words    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                  header extension elements                    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |             payload ...               | padding | pad count   |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
class RtpPacket {
 public:
  static constexpr size_t kFixedHeaderSize = 12;
  static constexpr size_t kMaxExtensions = 16;
  static constexpr uint16_t kOneByteProfile = 0xBEDE;  // RFC 8285 4.2
  static constexpr uint16_t kTwoByteProfile = 0x1000;  // RFC 8285 4.3, low 4 bits are appbits

  // Parses `buffer` into `out`. On error `out` is left empty. A header
  // extension block that is framed correctly but contains a broken element
  // does not reject the packet: element parsing stops there and
  // extension_issue() reports why, because the payload is still intact and
  // the elements are optional metadata. A block whose length runs past the
  // buffer rejects the packet, because the payload start is then unknown.
  static RtpParseError parse(MutableByteView buffer, RtpPacket& out);

  bool padding() const { return (data_[0] & 0x20) != 0; }
  bool has_extension() const { return (data_[0] & 0x10) != 0; }
  uint8_t csrc_count() const { return data_[0] & 0x0F; }
  uint32_t csrc(size_t index) const { return load_be32(data_.data() + kFixedHeaderSize + 4 * index); }
  bool marker() const { return (data_[1] & 0x80) != 0; }
  uint8_t payload_type() const { return data_[1] & 0x7F; }
  uint16_t sequence_number() const { return load_be16(data_.data() + 2); }
  uint32_t timestamp() const { return load_be32(data_.data() + 4); }
  uint32_t ssrc() const { return load_be32(data_.data() + 8); }

  // Extension block profile (0xBEDE, 0x100X or another value), 0 when absent.
  uint16_t extension_profile() const { return extension_profile_; }
  // Extension elements, without the 4-byte profile and length word.
  ByteView extension_block() const { return ByteView(data_).subspan(extension_offset_, extension_size_); }
  ExtensionIssue extension_issue() const { return extension_issue_; }
  size_t extension_count() const { return extension_count_; }
  RtpExtension extension_at(size_t index) const;
  bool has_extension_id(uint8_t id) const { return find_slot(id) != nullptr; }
  // Returns the value of the first element with `id`, or an empty view when
  // there is none. A two-byte element may also have an empty value, so use
  // has_extension_id() to tell the two apart.
  ByteView find_extension(uint8_t id) const;

  ByteView payload() const { return ByteView(data_).subspan(header_size_, payload_size_); }
  MutableByteView mutable_payload() { return data_.subspan(header_size_, payload_size_); }
  size_t header_size() const { return header_size_; }
  size_t padding_size() const { return padding_size_; }
  size_t size() const { return data_.size(); }
  ByteView data() const { return data_; }

  void set_marker(bool marker);
  void set_payload_type(uint8_t payload_type);
  void set_sequence_number(uint16_t seq);
  void set_timestamp(uint32_t timestamp);
  void set_ssrc(uint32_t ssrc);
  // Overwrites the value of an existing element with `id`. Returns false when
  // there is no such element or its size differs from `value`, because
  // resizing would move the payload.
  bool set_extension_value(uint8_t id, ByteView value);

 private:
  struct ExtensionSlot {
    uint8_t id = 0;
    uint8_t length = 0;   // at most 255 bytes in the two-byte form
    uint32_t offset = 0;  // from the start of the packet
  };

  void parse_extension_elements(bool two_byte_form);
  bool add_extension(uint8_t id, size_t offset, size_t length);
  const ExtensionSlot* find_slot(uint8_t id) const;

  MutableByteView data_;
  size_t header_size_ = 0;
  size_t payload_size_ = 0;
  size_t padding_size_ = 0;
  uint16_t extension_profile_ = 0;
  size_t extension_offset_ = 0;
  size_t extension_size_ = 0;
  ExtensionIssue extension_issue_ = ExtensionIssue::none;
  size_t extension_count_ = 0;
  std::array<ExtensionSlot, kMaxExtensions> extensions_{};
};

}  // namespace sightline::rtp

// Parsers for the values of single SDP attributes (the text after "a=name:"),
// shared by the SDP parser and its tests. Each returns an error message, or
// nullopt when the value is valid.
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/sdp/session_description.h"

namespace sightline::sdp {

using AttributeError = std::optional<std::string>;

// Splits on spaces and drops empty tokens, so that doubled spaces are tolerated.
std::vector<std::string_view> split_tokens(std::string_view text);
std::vector<std::string_view> split(std::string_view text, char separator);
std::string_view trim(std::string_view text);

// Parses a decimal number with no sign and no other characters, up to max_value.
template <typename T>
bool parse_number(std::string_view text, T& out, uint64_t max_value = std::numeric_limits<T>::max()) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > max_value) return false;
  out = static_cast<T>(value);
  return true;
}

// Payload types are 7 bits in the RTP header (RFC 3550 section 5.1).
inline constexpr uint8_t kMaxPayloadType = 127;
// Header extension ids 1-14 fit the one-byte form and 1-255 the two-byte
// form (RFC 8285 sections 4.2 and 4.3). Id 0 is padding in both.
inline constexpr uint16_t kMaxOneByteExtensionId = 14;
inline constexpr uint16_t kMaxTwoByteExtensionId = 255;

AttributeError parse_rtpmap(std::string_view value, MediaDescription& media);
AttributeError parse_fmtp(std::string_view value, MediaDescription& media);
AttributeError parse_rtcp_feedback(std::string_view value, MediaDescription& media);
AttributeError parse_extmap(std::string_view value, ExtensionMap& out);
AttributeError parse_ssrc(std::string_view value, SsrcAttribute& out);
AttributeError parse_ssrc_group(std::string_view value, SsrcGroup& out);
AttributeError parse_rid(std::string_view value, Rid& out);
AttributeError parse_simulcast(std::string_view value, Simulcast& out);
AttributeError parse_msid(std::string_view value, Msid& out);
AttributeError parse_candidate(std::string_view value, Candidate& out);
AttributeError parse_fingerprint(std::string_view value, Fingerprint& out);
AttributeError parse_group(std::string_view value, Group& out);

}  // namespace sightline::sdp

// SDP parser (RFC 8866) for the offers that browsers send: fills a
// SessionDescription or names the first line that is not valid.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "relay/sdp/session_description.h"

namespace sightline::sdp {

// Limits on untrusted input. A browser offer with audio, video and simulcast
// is about 6 KiB, 200 lines and 2 media sections; these leave a wide margin.
inline constexpr size_t kMaxSdpBytes = 64 * 1024;
inline constexpr size_t kMaxLineCount = 4096;
inline constexpr size_t kMaxMediaSections = 32;
inline constexpr size_t kMaxCandidatesPerSection = 64;
inline constexpr size_t kMaxSsrcLinesPerSection = 256;

struct ParseResult {
  bool ok = true;
  size_t line_number = 0;  // 1-based; 0 when the error is not about one line
  std::string line;        // the offending line without its line ending
  std::string message;

  // Formats the error for logs and signalling replies, e.g.
  // SDP line 12 "a=rtpmap:": missing payload type and encoding
  std::string describe() const;
};

// Parses text into out (which is reset first). Accepts CRLF and LF line
// endings. Malformed or over-limit input, and running out of memory, return
// ok=false with the line and the reason instead of throwing.
ParseResult parse_sdp(std::string_view text, SessionDescription& out);

}  // namespace sightline::sdp

// Parsing of an HTTP request target (RFC 9112 section 3.2): the path and the
// query string, percent-decoded (RFC 3986 section 2.1).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sightline::control {

struct RequestTarget {
  // The path, percent-decoded.
  std::string path;
  // Decoded query parameters; the last value wins for a repeated name.
  std::map<std::string, std::string> query;
  // The query string as received, without the "?".
  std::string query_string;
};

// Decodes %XX escapes, and '+' as a space when plus_is_space (query strings).
// Returns nullopt for a truncated or non-hex escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Splits and decodes "/path?name=value&...". Returns nullopt when an escape is invalid.
std::optional<RequestTarget> parse_request_target(std::string_view target);

}  // namespace sightline::control

// SDP parser: splits the text into <type>=<value> lines (RFC 8866 section 5),
// builds the session and media sections and hands attribute values to the
// attribute parsers.
#include "relay/sdp/sdp_parser.h"

#include <algorithm>

#include "relay/sdp/sdp_attribute_parser.h"

namespace sightline::sdp {
namespace {

// The line text quoted in an error is cut here so that a huge line cannot
// flood the log.
constexpr size_t kMaxQuotedLineBytes = 100;
// ice-ufrag = 4*256ice-char and ice-pwd = 22*256ice-char (RFC 8839 section 5.4).
constexpr size_t kMinIceUfragBytes = 4;
constexpr size_t kMinIcePwdBytes = 22;
constexpr size_t kMaxIceCredentialBytes = 256;

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool has_control_character(std::string_view line) {
  return std::any_of(line.begin(), line.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\t') || byte == 0x7f;
  });
}

AttributeError check_ice_credential(std::string_view name, std::string_view value, size_t min_bytes) {
  const bool valid_chars = std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
  });
  if (value.size() < min_bytes || value.size() > kMaxIceCredentialBytes || !valid_chars) {
    return std::string(name) + " " + quoted(value) + " is not " + std::to_string(min_bytes) +
           " to 256 letters, digits, + or /";
  }
  return std::nullopt;
}

// Parses the attributes that may appear at session level and in a media
// section with the same meaning (JSEP, RFC 8829 section 5.8). Level is
// SessionDescription or MediaDescription, whose fields share these names.
// Returns false when the attribute is not one of them.
template <typename Level>
bool parse_shared_attribute(std::string_view name, std::string_view value, Level& level, AttributeError& error) {
  if (std::optional<Direction> direction = direction_from_string(name)) {
    level.direction = direction;
  } else if (name == "ice-ufrag") {
    error = check_ice_credential("ice-ufrag", value, kMinIceUfragBytes);
    level.ice_ufrag = std::string(value);
  } else if (name == "ice-pwd") {
    error = check_ice_credential("ice-pwd", value, kMinIcePwdBytes);
    level.ice_pwd = std::string(value);
  } else if (name == "ice-options") {
    level.ice_options.clear();
    for (std::string_view option : split_tokens(value)) level.ice_options.emplace_back(option);
    if (level.ice_options.empty()) error = "missing ICE option";
  } else if (name == "fingerprint") {
    error = parse_fingerprint(value, level.fingerprint);
  } else if (name == "setup") {
    std::optional<SetupRole> role = setup_role_from_string(value);
    if (role) {
      level.setup = *role;
    } else {
      error = "setup role " + quoted(value) + " is not active, passive, actpass or holdconn";
    }
  } else if (name == "extmap-allow-mixed") {
    level.extmap_allow_mixed = true;
  } else if (name == "extmap") {
    ExtensionMap extension;
    error = parse_extmap(value, extension);
    const bool duplicate = std::any_of(level.extensions.begin(), level.extensions.end(),
                                       [&](const ExtensionMap& existing) { return existing.id == extension.id; });
    if (!error && duplicate) error = "extension id " + std::to_string(extension.id) + " is used twice";
    if (!error) level.extensions.push_back(std::move(extension));
  } else {
    return false;
  }
  return true;
}

class Parser {
 public:
  explicit Parser(SessionDescription& out) : out_(out) {}

  ParseResult run(std::string_view text);

 private:
  AttributeError parse_line(char type, std::string_view value);
  AttributeError parse_origin(std::string_view value);
  AttributeError parse_connection(std::string_view value, std::string& address_type, std::string& address);
  AttributeError parse_media_line(std::string_view value);
  AttributeError parse_attribute(std::string_view text);
  AttributeError parse_session_attribute(std::string_view name, std::string_view value, bool has_value);
  AttributeError parse_media_attribute(std::string_view name, std::string_view value, bool has_value);
  AttributeError parse_mid(std::string_view value);
  AttributeError check_complete() const;

  SessionDescription& out_;
  MediaDescription* media_ = nullptr;
  bool seen_version_ = false;
  bool seen_origin_ = false;
  std::string session_connection_type_;
  std::string session_connection_address_;
};

ParseResult Parser::run(std::string_view text) {
  ParseResult result;
  if (text.size() > kMaxSdpBytes) {
    result.ok = false;
    result.message = "SDP is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                     std::to_string(kMaxSdpBytes);
    return result;
  }

  size_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    const size_t newline = text.find('\n', start);
    const size_t end = newline == std::string_view::npos ? text.size() : newline;
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    AttributeError error;
    if (line_number > kMaxLineCount) {
      error = "more than " + std::to_string(kMaxLineCount) + " lines";
    } else if (line.empty()) {
      continue;  // A trailing blank line is common; other blank lines carry nothing.
    } else if (has_control_character(line)) {
      error = "line contains a control character";
    } else if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
      error = "line is not of the form <letter>=<value>";
    } else {
      error = parse_line(line[0], line.substr(2));
    }
    if (error) {
      result.ok = false;
      result.line_number = line_number;
      result.line = std::string(line);
      result.message = std::move(*error);
      return result;
    }
  }

  if (AttributeError error = check_complete()) {
    result.ok = false;
    result.message = std::move(*error);
  }
  return result;
}

AttributeError Parser::check_complete() const {
  if (!seen_version_) return "missing v=0 line";
  if (!seen_origin_) return "missing o= line";
  return std::nullopt;
}

AttributeError Parser::parse_line(char type, std::string_view value) {
  if (!seen_version_) {
    if (type != 'v') return "the first line must be v=0";
    if (value != "0") return "protocol version " + quoted(value) + " is not 0";
    seen_version_ = true;
    return std::nullopt;
  }

  switch (type) {
    case 'v': return "duplicate v= line";
    case 'o': return parse_origin(value);
    case 's':
      if (media_ == nullptr) out_.session_name = std::string(value);
      return std::nullopt;
    case 'c':
      if (media_ != nullptr) return parse_connection(value, media_->connection_address_type, media_->connection_address);
      return parse_connection(value, session_connection_type_, session_connection_address_);
    case 'm': return parse_media_line(value);
    case 'a': return parse_attribute(value);
    default:
      // t=, b=, i=, u=, e=, p=, k=, r=, z= carry nothing that a WebRTC answer uses.
      return std::nullopt;
  }
}

// origin-field = "o=" username SP sess-id SP sess-version SP nettype SP addrtype SP unicast-address
// (RFC 8866 section 5.2)
AttributeError Parser::parse_origin(std::string_view value) {
  if (seen_origin_) return "duplicate o= line";
  if (media_ != nullptr) return "o= line inside a media section";
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.size() != 6) return "expected \"<username> <session id> <version> IN <address type> <address>\"";
  if (!parse_number(tokens[1], out_.origin.session_id)) return "session id " + quoted(tokens[1]) + " is not a 64-bit number";
  if (!parse_number(tokens[2], out_.origin.session_version)) {
    return "session version " + quoted(tokens[2]) + " is not a 64-bit number";
  }
  if (tokens[3] != "IN") return "network type " + quoted(tokens[3]) + " is not IN";
  out_.origin.username = std::string(tokens[0]);
  out_.origin.address_type = std::string(tokens[4]);
  out_.origin.address = std::string(tokens[5]);
  seen_origin_ = true;
  return std::nullopt;
}

// connection-field = "c=" nettype SP addrtype SP connection-address (RFC 8866 section 5.7)
AttributeError Parser::parse_connection(std::string_view value, std::string& address_type, std::string& address) {
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.size() != 3 || tokens[0] != "IN") return "expected \"IN IP4|IP6 <address>\"";
  if (tokens[1] != "IP4" && tokens[1] != "IP6") return "address type " + quoted(tokens[1]) + " is not IP4 or IP6";
  address_type = std::string(tokens[1]);
  address = std::string(tokens[2]);
  return std::nullopt;
}

// media-field = "m=" media SP port ["/" integer] SP proto 1*(SP fmt) (RFC 8866 section 5.14)
AttributeError Parser::parse_media_line(std::string_view value) {
  if (!seen_origin_) return "m= line before the o= line";
  if (out_.media.size() >= kMaxMediaSections) {
    return "more than " + std::to_string(kMaxMediaSections) + " media sections";
  }
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.size() < 4) return "expected \"<media> <port> <protocol> <format> ...\"";

  MediaDescription media;
  media.kind_name = std::string(tokens[0]);
  media.kind = media_kind_from_string(tokens[0]);
  std::string_view port_text = tokens[1];
  const size_t slash = port_text.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view count_text = port_text.substr(slash + 1);
    if (!parse_number(count_text, media.port_count) || media.port_count == 0) {
      return "port count " + quoted(count_text) + " is not a number from 1 to 65535";
    }
    port_text = port_text.substr(0, slash);
  }
  if (!parse_number(port_text, media.port)) return "media port " + quoted(port_text) + " is not a number from 0 to 65535";
  media.protocol = std::string(tokens[2]);

  for (size_t i = 3; i < tokens.size(); ++i) {
    const std::string_view format = tokens[i];
    if (std::find(media.formats.begin(), media.formats.end(), format) != media.formats.end()) {
      return "format " + quoted(format) + " is listed twice";
    }
    media.formats.emplace_back(format);
    if (!media.is_rtp()) continue;

    // RTP formats are payload types (RFC 8866 section 5.14).
    Codec codec;
    if (!parse_number(format, codec.payload_type, kMaxPayloadType)) {
      return "payload type " + quoted(format) + " is not a number from 0 to 127";
    }
    media.codecs.push_back(std::move(codec));
  }

  media.connection_address_type = session_connection_type_;
  media.connection_address = session_connection_address_;
  out_.media.push_back(std::move(media));
  media_ = &out_.media.back();
  return std::nullopt;
}

AttributeError Parser::parse_attribute(std::string_view text) {
  const size_t colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  const bool has_value = colon != std::string_view::npos;
  const std::string_view value = has_value ? text.substr(colon + 1) : std::string_view();
  if (name.empty()) return "missing attribute name";
  if (media_ == nullptr) return parse_session_attribute(name, value, has_value);
  return parse_media_attribute(name, value, has_value);
}

AttributeError Parser::parse_session_attribute(std::string_view name, std::string_view value, bool has_value) {
  AttributeError error;
  if (parse_shared_attribute(name, value, out_, error)) return error;

  if (name == "group") {
    Group group;
    error = parse_group(value, group);
    if (!error) out_.groups.push_back(std::move(group));
  } else if (name == "ice-lite") {
    out_.ice_lite = true;
  } else if (name == "msid-semantic") {
    out_.msid_semantic = std::string(trim(value));
  } else {
    out_.other_attributes.push_back({std::string(name), std::string(value), has_value});
  }
  return error;
}

AttributeError Parser::parse_mid(std::string_view value) {
  if (value.empty()) return "missing mid value";
  if (!media_->mid.empty()) return "duplicate a=mid in one media section";
  for (size_t i = 0; i + 1 < out_.media.size(); ++i) {
    if (out_.media[i].mid == value) {
      return "mid " + quoted(value) + " is already used by media section " + std::to_string(i + 1);
    }
  }
  media_->mid = std::string(value);
  return std::nullopt;
}

AttributeError Parser::parse_media_attribute(std::string_view name, std::string_view value, bool has_value) {
  MediaDescription& media = *media_;
  AttributeError error;
  if (parse_shared_attribute(name, value, media, error)) return error;

  if (name == "mid") {
    error = parse_mid(value);
  } else if (name == "rtcp-mux") {
    media.rtcp_mux = true;
  } else if (name == "rtcp-rsize") {
    media.rtcp_rsize = true;
  } else if (name == "end-of-candidates") {
    media.end_of_candidates = true;
  } else if (name == "bundle-only") {
    media.bundle_only = true;
  } else if (name == "rtpmap") {
    error = parse_rtpmap(value, media);
  } else if (name == "fmtp") {
    error = parse_fmtp(value, media);
  } else if (name == "rtcp-fb") {
    error = parse_rtcp_feedback(value, media);
  } else if (name == "ssrc") {
    SsrcAttribute ssrc;
    error = media.ssrcs.size() >= kMaxSsrcLinesPerSection ? AttributeError("too many a=ssrc lines in one media section")
                                                          : parse_ssrc(value, ssrc);
    if (!error) media.ssrcs.push_back(std::move(ssrc));
  } else if (name == "ssrc-group") {
    SsrcGroup group;
    error = parse_ssrc_group(value, group);
    if (!error) media.ssrc_groups.push_back(std::move(group));
  } else if (name == "rid") {
    Rid rid;
    error = parse_rid(value, rid);
    if (!error) media.rids.push_back(std::move(rid));
  } else if (name == "simulcast") {
    if (!media.simulcast.empty()) return "duplicate a=simulcast in one media section";
    error = parse_simulcast(value, media.simulcast);
  } else if (name == "msid") {
    Msid msid;
    error = parse_msid(value, msid);
    if (!error) media.msids.push_back(std::move(msid));
  } else if (name == "candidate") {
    Candidate candidate;
    error = media.candidates.size() >= kMaxCandidatesPerSection ? AttributeError("too many candidates in one media section")
                                                                : parse_candidate(value, candidate);
    if (!error) media.candidates.push_back(std::move(candidate));
  } else {
    media.other_attributes.push_back({std::string(name), std::string(value), has_value});
  }
  return error;
}

}  // namespace

std::string ParseResult::describe() const {
  if (ok) return "SDP is valid";
  if (line_number == 0) return "SDP: " + message;
  std::string quoted_line = line.size() > kMaxQuotedLineBytes ? line.substr(0, kMaxQuotedLineBytes) + "..." : line;
  return "SDP line " + std::to_string(line_number) + " \"" + quoted_line + "\": " + message;
}

ParseResult parse_sdp(std::string_view text, SessionDescription& out) {
  out = SessionDescription();
  try {
    Parser parser(out);
    return parser.run(text);
  } catch (const std::bad_alloc&) {
    // Input size and counts are limited, so this needs a machine already out of memory.
    ParseResult result;
    result.ok = false;
    result.message = "out of memory while parsing";
    return result;
  }
}

}  // namespace sightline::sdp

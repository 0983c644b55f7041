// Parsers for the values of the SDP attributes that WebRTC offers carry. Each
// states the grammar it accepts, taken from the RFC section it cites.
#include "relay/sdp/sdp_attribute_parser.h"

#include <algorithm>
#include <cctype>

namespace sightline::sdp {
namespace {

// RFC 8851 section 10 sets no length limit, but RFC 8852 carries the rid in
// a header extension element, and the two-byte form carries at most 255 bytes.
constexpr size_t kMaxRidBytes = 255;
// RFC 8839 section 5.1: foundation = 1*32ice-char.
constexpr size_t kMaxFoundationBytes = 32;
// RFC 8839 section 5.1: component-id = 1*3DIGIT, at most 256.
constexpr uint32_t kMaxComponentId = 256;

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

AttributeError payload_type_error(std::string_view text) {
  return "payload type " + quoted(text) + " is not a number from 0 to 127";
}

// Finds the codec for an a=rtpmap/a=fmtp/a=rtcp-fb payload type; every
// payload type must be listed on the m= line (RFC 8866 section 6.6).
AttributeError find_listed_codec(std::string_view text, MediaDescription& media, Codec*& out) {
  uint8_t payload_type = 0;
  if (!parse_number(text, payload_type, kMaxPayloadType)) return payload_type_error(text);
  out = media.find_codec(payload_type);
  if (out == nullptr) {
    return "payload type " + std::string(text) + " is not in the m= line format list";
  }
  return std::nullopt;
}

bool is_ice_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/'; }

bool is_rid_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

bool is_valid_rid(std::string_view rid) {
  return !rid.empty() && rid.size() <= kMaxRidBytes && std::all_of(rid.begin(), rid.end(), is_rid_char);
}

// An absolute URI starts with a scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
// (RFC 3986 section 3.1), e.g. "urn:" or "http:".
bool has_uri_scheme(std::string_view uri) {
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == uri.size()) return false;
  if (!std::isalpha(static_cast<unsigned char>(uri[0]))) return false;
  return std::all_of(uri.begin(), uri.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
}

// Splits "key=value;key2=value2" into pairs; a token without "=" gets an empty key.
std::vector<std::pair<std::string, std::string>> parse_parameter_list(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> parameters;
  for (std::string_view item : split(text, ';')) {
    item = trim(item);
    if (item.empty()) continue;
    const size_t equals = item.find('=');
    if (equals == std::string_view::npos) {
      parameters.emplace_back(std::string(), std::string(item));
    } else {
      parameters.emplace_back(std::string(trim(item.substr(0, equals))), std::string(trim(item.substr(equals + 1))));
    }
  }
  return parameters;
}

AttributeError parse_simulcast_list(std::string_view text, std::vector<std::vector<SimulcastStream>>& out) {
  for (std::string_view stream_text : split(text, ';')) {
    std::vector<SimulcastStream> alternatives;
    for (std::string_view rid : split(stream_text, ',')) {
      SimulcastStream stream;
      if (!rid.empty() && rid.front() == '~') {
        stream.paused = true;
        rid.remove_prefix(1);
      }
      if (!is_valid_rid(rid)) return "invalid rid " + quoted(rid) + " in the simulcast stream list";
      stream.rid = std::string(rid);
      alternatives.push_back(std::move(stream));
    }
    out.push_back(std::move(alternatives));
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string_view> split_tokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  size_t start = 0;
  while (start < text.size()) {
    const size_t space = text.find(' ', start);
    const size_t end = space == std::string_view::npos ? text.size() : space;
    if (end > start) tokens.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return tokens;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t found = text.find(separator, start);
    if (found == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, found - start));
    start = found + 1;
  }
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// rtpmap-value = payload-type SP encoding-name "/" clock-rate ["/" encoding-params]
// (RFC 8866 section 6.6)
AttributeError parse_rtpmap(std::string_view value, MediaDescription& media) {
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.empty()) return "missing payload type and encoding";
  if (tokens.size() != 2) return "expected \"<payload type> <encoding>/<clock rate>[/<channels>]\"";

  Codec* codec = nullptr;
  if (AttributeError error = find_listed_codec(tokens[0], media, codec)) return error;
  if (!codec->name.empty()) return "duplicate a=rtpmap for payload type " + std::string(tokens[0]);

  const std::vector<std::string_view> parts = split(tokens[1], '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty()) {
    return "encoding " + quoted(tokens[1]) + " is not of the form <name>/<clock rate>[/<channels>]";
  }
  uint32_t clock_rate = 0;
  if (!parse_number(parts[1], clock_rate) || clock_rate == 0) {
    return "clock rate " + quoted(parts[1]) + " is not a positive number";
  }
  uint16_t channels = 0;
  if (parts.size() == 3 && (!parse_number(parts[2], channels) || channels == 0)) {
    return "channel count " + quoted(parts[2]) + " is not a positive number";
  }

  codec->name = std::string(parts[0]);
  codec->clock_rate = clock_rate;
  codec->channels = channels;
  return std::nullopt;
}

// fmtp-value = fmt SP format-specific-params (RFC 8866 section 6.15)
AttributeError parse_fmtp(std::string_view value, MediaDescription& media) {
  const size_t space = value.find(' ');
  const std::string_view payload_text = value.substr(0, space);
  if (payload_text.empty()) return "missing payload type and format parameters";

  Codec* codec = nullptr;
  if (AttributeError error = find_listed_codec(payload_text, media, codec)) return error;
  const std::string_view parameters = space == std::string_view::npos ? std::string_view() : trim(value.substr(space + 1));
  if (parameters.empty()) return "missing format parameters after payload type " + std::string(payload_text);
  if (!codec->fmtp_raw.empty()) return "duplicate a=fmtp for payload type " + std::string(payload_text);

  codec->fmtp_raw = std::string(parameters);
  codec->fmtp = parse_parameter_list(parameters);
  return std::nullopt;
}

// rtcp-fb-val = (fmt / "*") SP rtcp-fb-id [SP rtcp-fb-param] (RFC 4585 section 4.2)
AttributeError parse_rtcp_feedback(std::string_view value, MediaDescription& media) {
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.size() < 2) return "expected \"<payload type or *> <feedback type> [<parameter>]\"";

  RtcpFeedback feedback;
  feedback.type = std::string(tokens[1]);
  for (size_t i = 2; i < tokens.size(); ++i) {
    if (!feedback.subtype.empty()) feedback.subtype += ' ';
    feedback.subtype += tokens[i];
  }

  if (tokens[0] == "*") {
    media.feedback_all.push_back(std::move(feedback));
    return std::nullopt;
  }
  Codec* codec = nullptr;
  if (AttributeError error = find_listed_codec(tokens[0], media, codec)) return error;
  codec->feedback.push_back(std::move(feedback));
  return std::nullopt;
}

// extmap = mapentry SP extensionname [SP extensionattributes]
// mapentry = "extmap:" 1*5DIGIT ["/" direction]   (RFC 8285 section 8)
//
// Ids 1-255 are accepted here. Ids above 14 need the two-byte header form,
// so the answer decides whether to use them. The 4096-4351 range that RFC
// 8285 section 7 lets an offerer use for answerer-assigned ids is rejected.
AttributeError parse_extmap(std::string_view value, ExtensionMap& out) {
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.empty()) return "missing extension id and URI";
  if (tokens.size() < 2) return "missing extension URI after id " + quoted(tokens[0]);

  std::string_view id_text = tokens[0];
  const size_t slash = id_text.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view direction_text = id_text.substr(slash + 1);
    out.direction = direction_from_string(direction_text);
    if (!out.direction) return "extension direction " + quoted(direction_text) + " is not sendrecv, sendonly, recvonly or inactive";
    id_text = id_text.substr(0, slash);
  }
  if (!parse_number(id_text, out.id, kMaxTwoByteExtensionId) || out.id == 0) {
    return "extension id " + quoted(id_text) + " is not a number from 1 to 255";
  }
  if (!has_uri_scheme(tokens[1])) return "extension name " + quoted(tokens[1]) + " is not a URI";

  out.uri = std::string(tokens[1]);
  const size_t uri_end = static_cast<size_t>(tokens[1].data() - value.data()) + tokens[1].size();
  out.attributes = std::string(trim(value.substr(uri_end)));
  return std::nullopt;
}

// ssrc-attr = ssrc-id SP attribute [":" value] (RFC 5576 section 4.1)
AttributeError parse_ssrc(std::string_view value, SsrcAttribute& out) {
  const size_t space = value.find(' ');
  const std::string_view ssrc_text = value.substr(0, space);
  if (!parse_number(ssrc_text, out.ssrc)) return "SSRC " + quoted(ssrc_text) + " is not a number from 0 to 4294967295";
  if (space == std::string_view::npos || trim(value.substr(space + 1)).empty()) {
    return "missing attribute after SSRC " + std::string(ssrc_text);
  }
  const std::string_view attribute = trim(value.substr(space + 1));
  const size_t colon = attribute.find(':');
  out.attribute = std::string(attribute.substr(0, colon));
  out.value = colon == std::string_view::npos ? std::string() : std::string(attribute.substr(colon + 1));
  return std::nullopt;
}

// ssrc-group = semantics *(SP ssrc-id) (RFC 5576 section 4.2)
AttributeError parse_ssrc_group(std::string_view value, SsrcGroup& out) {
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.size() < 2) return "expected \"<semantics> <ssrc> ...\"";
  out.semantics = std::string(tokens[0]);
  for (size_t i = 1; i < tokens.size(); ++i) {
    uint32_t ssrc = 0;
    if (!parse_number(tokens[i], ssrc)) return "SSRC " + quoted(tokens[i]) + " is not a number from 0 to 4294967295";
    out.ssrcs.push_back(ssrc);
  }
  return std::nullopt;
}

// rid-syntax = rid-id SP rid-dir [ rid-pt-param-list / rid-param-list ]
// (RFC 8851 section 10)
AttributeError parse_rid(std::string_view value, Rid& out) {
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.size() < 2) return "expected \"<rid> send|recv [<restrictions>]\"";
  if (!is_valid_rid(tokens[0])) return "invalid rid " + quoted(tokens[0]) + " (letters, digits, - and _ only)";
  out.id = std::string(tokens[0]);
  if (tokens[1] == "send") {
    out.direction = RidDirection::send;
  } else if (tokens[1] == "recv") {
    out.direction = RidDirection::recv;
  } else {
    return "rid direction " + quoted(tokens[1]) + " is not send or recv";
  }
  if (tokens.size() > 3) return "unexpected text after the rid restrictions";
  if (tokens.size() < 3) return std::nullopt;

  for (auto& [key, restriction] : parse_parameter_list(tokens[2])) {
    if (key != "pt") {
      out.restrictions.emplace_back(std::move(key), std::move(restriction));
      continue;
    }
    for (std::string_view payload_text : split(restriction, ',')) {
      uint8_t payload_type = 0;
      if (!parse_number(payload_text, payload_type, kMaxPayloadType)) return payload_type_error(payload_text);
      out.payload_types.push_back(payload_type);
    }
  }
  return std::nullopt;
}

// sc-value = ( sc-send [SP sc-recv] ) / ( sc-recv [SP sc-send] )
// sc-str-list = sc-alt-list *( ";" sc-alt-list ), sc-alt-list = sc-id *( "," sc-id )
// (RFC 8853 section 5.1)
AttributeError parse_simulcast(std::string_view value, Simulcast& out) {
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.size() != 2 && tokens.size() != 4) return "expected \"send <rid list>\" and/or \"recv <rid list>\"";
  for (size_t i = 0; i < tokens.size(); i += 2) {
    std::vector<std::vector<SimulcastStream>>* list = nullptr;
    if (tokens[i] == "send") {
      list = &out.send;
    } else if (tokens[i] == "recv") {
      list = &out.recv;
    } else {
      return "simulcast direction " + quoted(tokens[i]) + " is not send or recv";
    }
    if (!list->empty()) return "simulcast direction " + std::string(tokens[i]) + " given twice";
    if (AttributeError error = parse_simulcast_list(tokens[i + 1], *list)) return error;
  }
  return std::nullopt;
}

// msid-value = msid-id [ SP msid-appdata ] (RFC 8830 section 2)
AttributeError parse_msid(std::string_view value, Msid& out) {
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.empty() || tokens.size() > 2) return "expected \"<stream id> [<track id>]\"";
  out.stream_id = std::string(tokens[0]);
  out.track_id = tokens.size() == 2 ? std::string(tokens[1]) : std::string();
  return std::nullopt;
}

// candidate-attribute = "candidate" ":" foundation SP component-id SP transport
//     SP priority SP connection-address SP port SP cand-type
//     [SP rel-addr] [SP rel-port] *(SP cand-extension)   (RFC 8839 section 5.1)
AttributeError parse_candidate(std::string_view value, Candidate& out) {
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.size() < 8) return "expected \"<foundation> <component> <transport> <priority> <address> <port> typ <type>\"";

  if (tokens[0].size() > kMaxFoundationBytes || !std::all_of(tokens[0].begin(), tokens[0].end(), is_ice_char)) {
    return "candidate foundation " + quoted(tokens[0]) + " is not 1 to 32 letters, digits, + or /";
  }
  if (!parse_number(tokens[1], out.component, kMaxComponentId) || out.component == 0) {
    return "candidate component " + quoted(tokens[1]) + " is not a number from 1 to 256";
  }
  if (!parse_number(tokens[3], out.priority)) {
    return "candidate priority " + quoted(tokens[3]) + " is not a number from 0 to 4294967295";
  }
  if (!parse_number(tokens[5], out.port)) return "candidate port " + quoted(tokens[5]) + " is not a number from 0 to 65535";
  if (tokens[6] != "typ") return "expected \"typ\" after the candidate port, found " + quoted(tokens[6]);

  out.foundation = std::string(tokens[0]);
  out.transport = std::string(tokens[2]);
  out.address = std::string(tokens[4]);
  out.type = std::string(tokens[7]);

  // The rest is name-value pairs: raddr, rport, tcptype (RFC 6544) and extensions.
  if ((tokens.size() - 8) % 2 != 0) return "candidate extension " + quoted(tokens.back()) + " has no value";
  for (size_t i = 8; i + 1 < tokens.size(); i += 2) {
    const std::string_view name = tokens[i];
    const std::string_view extension_value = tokens[i + 1];
    if (name == "raddr") {
      out.related_address = std::string(extension_value);
    } else if (name == "rport") {
      uint16_t port = 0;
      if (!parse_number(extension_value, port)) return "candidate rport " + quoted(extension_value) + " is not a number from 0 to 65535";
      out.related_port = port;
    } else if (name == "tcptype") {
      out.tcp_type = std::string(extension_value);
    } else {
      out.extensions.emplace_back(std::string(name), std::string(extension_value));
    }
  }
  return std::nullopt;
}

// fingerprint-attribute = "fingerprint" ":" hash-func SP fingerprint
// fingerprint = 2UHEX *(":" 2UHEX)   (RFC 8122 section 5)
//
// Lower-case hex is accepted too. The digest length for the algorithm is
// checked by Fingerprint::decode when the answer is built.
AttributeError parse_fingerprint(std::string_view value, Fingerprint& out) {
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.size() != 2) return "expected \"<hash function> <hex pairs separated by colons>\"";
  const std::string_view hex = tokens[1];
  if (hex.size() % 3 != 2) return "fingerprint " + quoted(hex) + " is not hex pairs separated by colons";
  for (size_t i = 0; i < hex.size(); ++i) {
    const bool separator_position = i % 3 == 2;
    const bool valid = separator_position ? hex[i] == ':' : std::isxdigit(static_cast<unsigned char>(hex[i])) != 0;
    if (!valid) return "fingerprint " + quoted(hex) + " is not hex pairs separated by colons";
  }
  out.algorithm = std::string(tokens[0]);
  out.value = std::string(hex);
  return std::nullopt;
}

// group-value = semantics *(SP identification-tag) (RFC 5888 section 5)
AttributeError parse_group(std::string_view value, Group& out) {
  const std::vector<std::string_view> tokens = split_tokens(value);
  if (tokens.empty()) return "missing group semantics";
  out.semantics = std::string(tokens[0]);
  for (size_t i = 1; i < tokens.size(); ++i) {
    if (std::find(out.mids.begin(), out.mids.end(), tokens[i]) != out.mids.end()) {
      return "mid " + quoted(tokens[i]) + " appears twice in the group";
    }
    out.mids.emplace_back(tokens[i]);
  }
  return std::nullopt;
}

}  // namespace sightline::sdp

// Helpers of the SDP data model: enum names, fingerprint decoding and lookups.
#include "relay/sdp/session_description.h"

#include <algorithm>
#include <cctype>

namespace sightline::sdp {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Digest sizes in bytes of the hash functions that RFC 8122 section 5 lists
// and that DTLS stacks use for certificate fingerprints.
size_t digest_size_bytes(std::string_view algorithm) {
  if (iequals(algorithm, "sha-256")) return 32;
  if (iequals(algorithm, "sha-384")) return 48;
  if (iequals(algorithm, "sha-512")) return 64;
  return 0;
}

}  // namespace

std::string_view to_string(MediaKind kind) {
  switch (kind) {
    case MediaKind::audio: return "audio";
    case MediaKind::video: return "video";
    case MediaKind::application: return "application";
    case MediaKind::unknown: return "unknown";
  }
  return "unknown";
}

MediaKind media_kind_from_string(std::string_view text) {
  if (text == "audio") return MediaKind::audio;
  if (text == "video") return MediaKind::video;
  if (text == "application") return MediaKind::application;
  return MediaKind::unknown;
}

std::string_view to_string(Direction direction) {
  switch (direction) {
    case Direction::sendrecv: return "sendrecv";
    case Direction::sendonly: return "sendonly";
    case Direction::recvonly: return "recvonly";
    case Direction::inactive: return "inactive";
  }
  return "sendrecv";
}

std::optional<Direction> direction_from_string(std::string_view text) {
  if (text == "sendrecv") return Direction::sendrecv;
  if (text == "sendonly") return Direction::sendonly;
  if (text == "recvonly") return Direction::recvonly;
  if (text == "inactive") return Direction::inactive;
  return std::nullopt;
}

Direction reverse(Direction direction) {
  switch (direction) {
    case Direction::sendonly: return Direction::recvonly;
    case Direction::recvonly: return Direction::sendonly;
    case Direction::sendrecv:
    case Direction::inactive: return direction;
  }
  return direction;
}

bool sends(Direction direction) { return direction == Direction::sendrecv || direction == Direction::sendonly; }
bool receives(Direction direction) { return direction == Direction::sendrecv || direction == Direction::recvonly; }

std::string_view to_string(SetupRole role) {
  switch (role) {
    case SetupRole::none: return "";
    case SetupRole::active: return "active";
    case SetupRole::passive: return "passive";
    case SetupRole::actpass: return "actpass";
    case SetupRole::holdconn: return "holdconn";
  }
  return "";
}

std::optional<SetupRole> setup_role_from_string(std::string_view text) {
  if (text == "active") return SetupRole::active;
  if (text == "passive") return SetupRole::passive;
  if (text == "actpass") return SetupRole::actpass;
  if (text == "holdconn") return SetupRole::holdconn;
  return std::nullopt;
}

bool Fingerprint::decode(std::vector<uint8_t>& out) const {
  const size_t expected_bytes = digest_size_bytes(algorithm);
  if (expected_bytes == 0) return false;

  // "AB:CD:...": two hex digits per byte, a colon between bytes.
  if (value.size() != expected_bytes * 3 - 1) return false;
  std::vector<uint8_t> bytes;
  bytes.reserve(expected_bytes);
  for (size_t i = 0; i < value.size(); i += 3) {
    const int high = hex_digit_value(value[i]);
    const int low = hex_digit_value(value[i + 1]);
    if (high < 0 || low < 0) return false;
    if (i + 2 < value.size() && value[i + 2] != ':') return false;
    bytes.push_back(static_cast<uint8_t>(high * 16 + low));
  }
  out = std::move(bytes);
  return true;
}

std::optional<std::string_view> Codec::fmtp_value(std::string_view key) const {
  for (const auto& [parameter, value] : fmtp) {
    if (parameter == key) return std::string_view(value);
  }
  return std::nullopt;
}

bool Codec::has_feedback(std::string_view type, std::string_view subtype) const {
  return std::any_of(feedback.begin(), feedback.end(), [&](const RtcpFeedback& entry) {
    return entry.type == type && entry.subtype == subtype;
  });
}

bool MediaDescription::is_rtp() const { return protocol.find("RTP/") != std::string::npos; }

const Codec* MediaDescription::find_codec(uint8_t payload_type) const {
  for (const Codec& codec : codecs) {
    if (codec.payload_type == payload_type) return &codec;
  }
  return nullptr;
}

Codec* MediaDescription::find_codec(uint8_t payload_type) {
  for (Codec& codec : codecs) {
    if (codec.payload_type == payload_type) return &codec;
  }
  return nullptr;
}

uint16_t MediaDescription::extension_id(std::string_view uri) const {
  for (const ExtensionMap& extension : extensions) {
    if (extension.uri == uri) return extension.id;
  }
  return 0;
}

const Group* SessionDescription::bundle_group() const {
  for (const Group& group : groups) {
    if (group.semantics == "BUNDLE") return &group;
  }
  return nullptr;
}

}  // namespace sightline::sdp

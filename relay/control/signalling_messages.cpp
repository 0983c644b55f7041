// Validation of client signalling messages and builders for server messages.
#include "relay/control/signalling_messages.h"

#include <array>
#include <cstdint>

namespace sightline::control {

namespace {

using nlohmann::json;

struct RoleName {
  ParticipantRole role;
  std::string_view name;
};

constexpr std::array<RoleName, 5> kRoleNames{{
    {ParticipantRole::terminal, "terminal"},
    {ParticipantRole::caller, "caller"},
    {ParticipantRole::legal_adviser, "legal-adviser"},
    {ParticipantRole::interpreter, "interpreter"},
    {ParticipantRole::officer, "officer"},
}};

ParsedClientMessage reject(std::string error) { return ParsedClientMessage{std::nullopt, std::move(error)}; }

// Reads a required or optional string field; returns an error text or empty.
std::string read_string(const json& object, const char* field, bool required, size_t max_bytes,
                        std::optional<std::string>& out) {
  const auto found = object.find(field);
  if (found == object.end()) {
    return required ? std::string("missing field \"") + field + "\"" : std::string();
  }
  if (!found->is_string()) {
    return std::string("field \"") + field + "\" must be a string, got " + found->type_name();
  }
  const std::string& text = found->get_ref<const std::string&>();
  if (text.size() > max_bytes) {
    return std::string("field \"") + field + "\" is " + std::to_string(text.size()) + " bytes, the maximum is " +
           std::to_string(max_bytes);
  }
  out = text;
  return {};
}

bool is_id_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

std::string read_id(const json& object, const char* field, size_t max_length, std::string& out) {
  std::optional<std::string> value;
  std::string error = read_string(object, field, true, SIZE_MAX, value);
  if (!error.empty()) return error;
  if (value->empty() || value->size() > max_length) {
    return std::string("field \"") + field + "\" must be 1 to " + std::to_string(max_length) +
           " characters, got " + std::to_string(value->size());
  }
  for (char c : *value) {
    if (!is_id_character(c)) {
      return std::string("field \"") + field + "\" may contain only A-Z, a-z, 0-9, '_', '-' and '.'";
    }
  }
  out = std::move(*value);
  return {};
}

ParsedClientMessage parse_join(const json& object) {
  JoinMessage join;
  if (std::string error = read_id(object, "call", kMaxIdLength, join.call); !error.empty()) return reject(error);
  if (std::string error = read_id(object, "participant", kMaxIdLength, join.participant); !error.empty()) {
    return reject(error);
  }

  std::optional<std::string> role;
  if (std::string error = read_string(object, "role", true, 64, role); !error.empty()) return reject(error);
  const auto parsed_role = parse_participant_role(*role);
  if (!parsed_role) {
    return reject("field \"role\" must be one of terminal, caller, legal-adviser, interpreter, officer; got \"" +
                  *role + "\"");
  }
  join.role = *parsed_role;

  if (std::string error = read_string(object, "token", false, kMaxTokenBytes, join.token); !error.empty()) {
    return reject(error);
  }
  if (std::string error = read_string(object, "rejoin", false, kMaxTokenBytes, join.rejoin); !error.empty()) {
    return reject(error);
  }
  return ParsedClientMessage{ClientMessage{std::move(join)}, {}};
}

ParsedClientMessage parse_offer(const json& object) {
  std::optional<std::string> sdp;
  if (std::string error = read_string(object, "sdp", true, kMaxSdpBytes, sdp); !error.empty()) return reject(error);
  if (sdp->empty()) return reject("field \"sdp\" is empty");
  return ParsedClientMessage{ClientMessage{OfferMessage{std::move(*sdp)}}, {}};
}

ParsedClientMessage parse_candidate(const json& object) {
  CandidateMessage message;
  std::optional<std::string> candidate;
  if (std::string error = read_string(object, "candidate", true, kMaxCandidateBytes, candidate); !error.empty()) {
    return reject(error);
  }
  // The "a=" prefix of the SDP attribute is not part of the candidate (RFC 8839 section 5.1).
  if (!candidate->empty() && !candidate->starts_with("candidate:")) {
    return reject("field \"candidate\" must start with \"candidate:\" or be empty for end of candidates");
  }
  message.candidate = std::move(*candidate);
  if (std::string error = read_id(object, "mid", kMaxMidLength, message.mid); !error.empty()) return reject(error);
  return ParsedClientMessage{ClientMessage{std::move(message)}, {}};
}

ParsedClientMessage parse_media_state(const json& object) {
  MediaStateMessage message;
  for (const auto& [field, out] : {std::pair{"audio", &message.audio}, std::pair{"video", &message.video}}) {
    const auto value = object.find(field);
    if (value == object.end()) return reject(std::string("missing field \"") + field + "\"");
    if (!value->is_boolean()) {
      return reject(std::string("field \"") + field + "\" must be true or false, got " + value->type_name());
    }
    *out = value->get<bool>();
  }
  return ParsedClientMessage{ClientMessage{message}, {}};
}

}  // namespace

std::string_view to_string(ParticipantRole role) {
  for (const RoleName& entry : kRoleNames) {
    if (entry.role == role) return entry.name;
  }
  return "caller";
}

std::optional<ParticipantRole> parse_participant_role(std::string_view text) {
  for (const RoleName& entry : kRoleNames) {
    if (entry.name == text) return entry.role;
  }
  return std::nullopt;
}

bool is_valid_id(std::string_view text) {
  if (text.empty() || text.size() > kMaxIdLength) return false;
  for (char c : text) {
    if (!is_id_character(c)) return false;
  }
  return true;
}

ParsedClientMessage parse_client_message(const json& value) {
  if (!value.is_object()) return reject(std::string("message must be a JSON object, got ") + value.type_name());

  const auto type = value.find("type");
  if (type == value.end()) return reject("missing field \"type\"");
  if (!type->is_string()) return reject(std::string("field \"type\" must be a string, got ") + type->type_name());

  const std::string& name = type->get_ref<const std::string&>();
  if (name == "join") return parse_join(value);
  if (name == "offer") return parse_offer(value);
  if (name == "candidate") return parse_candidate(value);
  if (name == "media-state") return parse_media_state(value);
  if (name == "leave") return ParsedClientMessage{ClientMessage{LeaveMessage{}}, {}};

  // Echo at most a short prefix of an unknown type so the error stays small.
  constexpr size_t kMaxEchoedTypeLength = 32;
  return reject("unknown message type \"" + name.substr(0, kMaxEchoedTypeLength) +
                "\"; expected join, offer, candidate, media-state or leave");
}

ParsedClientMessage parse_client_message_text(std::string_view text) {
  // allow_exceptions = false returns a "discarded" value instead of throwing.
  const json value = json::parse(text.begin(), text.end(), nullptr, false);
  if (value.is_discarded()) return reject("message is not valid JSON");
  return parse_client_message(value);
}

json make_joined(std::string_view call, std::string_view participant, const std::vector<std::string>& participants) {
  return json{{"type", "joined"}, {"call", call}, {"participant", participant}, {"participants", participants}};
}

json make_answer(std::string_view sdp) { return json{{"type", "answer"}, {"sdp", sdp}}; }

json make_participant_joined(std::string_view participant, std::string_view role) {
  json message{{"type", "participant-joined"}, {"participant", participant}};
  if (!role.empty()) message["role"] = role;
  return message;
}

json make_participant_left(std::string_view participant) {
  return json{{"type", "participant-left"}, {"participant", participant}};
}

json make_media_state(std::string_view participant, const MediaStateMessage& state) {
  return json{{"type", "media-state"}, {"participant", participant}, {"audio", state.audio}, {"video", state.video}};
}

json make_error(std::string_view code, std::string_view message) {
  return json{{"type", "error"}, {"code", code}, {"message", message}};
}

json make_call_ended(std::string_view reason) { return json{{"type", "call-ended"}, {"reason", reason}}; }

json make_call_state(std::string_view state) { return json{{"type", "call-state"}, {"state", state}}; }

json make_warning(std::string_view reason) { return json{{"type", "warning"}, {"reason", reason}}; }

json make_join_rejected(std::string_view message, std::string_view reason) {
  json error = make_error(error_code::kJoinRejected, message);
  error["reason"] = reason;
  return error;
}

}  // namespace sightline::control

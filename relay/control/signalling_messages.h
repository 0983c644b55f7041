// The signalling protocol spoken over the /ws WebSocket: one JSON object per
// text message, with a "type" field. docs/signalling.md has the full text.
//
// Client to server:
//   {"type":"join","call":ID,"participant":ID,"role":ROLE,"token":"..."}  token optional
//   {"type":"offer","sdp":"v=0..."}                        at most 64 KiB
//   {"type":"candidate","candidate":"candidate:...","mid":"0"}
//   {"type":"candidate","candidate":"","mid":"0"}        end of candidates
//   {"type":"media-state","audio":BOOL,"video":BOOL}      own microphone and camera on or off
//   {"type":"leave"}
// Server to client:
//   {"type":"joined","call":ID,"participant":ID,"participants":[ID,...]}
//   {"type":"answer","sdp":"v=0..."}
//   {"type":"participant-joined","participant":ID}
//   {"type":"participant-left","participant":ID}
//   {"type":"media-state","participant":ID,"audio":BOOL,"video":BOOL}
//   {"type":"error","code":"...","message":"..."}
//   {"type":"call-ended","reason":"..."}
// An ID is 1 to 64 characters of A-Z a-z 0-9 '_' '-' '.'. ROLE is one of
// terminal, caller, legal-adviser, interpreter, officer. Fields that a
// message does not define are ignored, so that clients can add fields first.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sightline::control {

inline constexpr size_t kMaxIdLength = 64;
inline constexpr size_t kMaxSdpBytes = 64 * 1024;
// A candidate line is short (RFC 8839 section 5.1 grammar); this bound only stops abuse.
inline constexpr size_t kMaxCandidateBytes = 1024;
// The MID travels in a one-byte RTP header extension, which holds 1 to 16 bytes (RFC 8285 section 4.2).
inline constexpr size_t kMaxMidLength = 16;
inline constexpr size_t kMaxTokenBytes = 4096;

// Who is joining: the detained individual's terminal, a family caller, a
// legal adviser, an interpreter, or a detainee custody officer supervising.
enum class ParticipantRole { terminal, caller, legal_adviser, interpreter, officer };

std::string_view to_string(ParticipantRole role);
std::optional<ParticipantRole> parse_participant_role(std::string_view text);

struct JoinMessage {
  std::string call;
  std::string participant;
  ParticipantRole role = ParticipantRole::caller;
  std::optional<std::string> token;
  // The rejoin ticket of an earlier join by this participant (a joined
  // message's "rejoin"), so that a reloaded page can return to its call.
  std::optional<std::string> rejoin;
};

struct OfferMessage {
  std::string sdp;
};

// An empty candidate is the end-of-candidates indication, as browsers send it.
struct CandidateMessage {
  std::string candidate;
  std::string mid;
  bool end_of_candidates() const { return candidate.empty(); }
};

// Whether the sender's microphone and camera are on, so that the others'
// pages can show why they hear or see nothing. The media keeps flowing
// (silence, black frames), so the relay cannot tell from the packets.
struct MediaStateMessage {
  bool audio = true;
  bool video = true;
};

struct LeaveMessage {};

using ClientMessage = std::variant<JoinMessage, OfferMessage, CandidateMessage, MediaStateMessage, LeaveMessage>;

// Either a message or the reason it was rejected, which names the field.
struct ParsedClientMessage {
  std::optional<ClientMessage> message;
  std::string error;

  explicit operator bool() const { return message.has_value(); }
};

// Validates a decoded JSON value. Never throws.
ParsedClientMessage parse_client_message(const nlohmann::json& value);
// Decodes the JSON text and validates it. Never throws.
ParsedClientMessage parse_client_message_text(std::string_view text);

// True when text is 1 to 64 characters of A-Z a-z 0-9 '_' '-' '.'.
bool is_valid_id(std::string_view text);

// Codes in the "code" field of error messages.
namespace error_code {
inline constexpr std::string_view kInvalidMessage = "invalid-message";
inline constexpr std::string_view kMessageTooLarge = "message-too-large";
inline constexpr std::string_view kNotJoined = "not-joined";
inline constexpr std::string_view kJoinRejected = "join-rejected";
inline constexpr std::string_view kInternal = "internal-error";
}  // namespace error_code

// Builders for server messages.
nlohmann::json make_joined(std::string_view call, std::string_view participant,
                           const std::vector<std::string>& participants);
nlohmann::json make_answer(std::string_view sdp);
// `role` is added when not empty.
nlohmann::json make_participant_joined(std::string_view participant, std::string_view role = {});
nlohmann::json make_participant_left(std::string_view participant);
nlohmann::json make_media_state(std::string_view participant, const MediaStateMessage& state);
nlohmann::json make_error(std::string_view code, std::string_view message);
// A join-rejected error with a reason code that pages translate (docs/signalling.md).
nlohmann::json make_join_rejected(std::string_view message, std::string_view reason);
nlohmann::json make_call_ended(std::string_view reason);
// The call's phase: "id_check" (waiting for the officer's ID check) or "live".
nlohmann::json make_call_state(std::string_view state);
// An officer's warning to the participants, as a reason code (the reasons
// an officer may end a call for, such as "recording").
nlohmann::json make_warning(std::string_view reason);

}  // namespace sightline::control

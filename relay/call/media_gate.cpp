// The forwarding rules of each call phase.
#include "relay/call/media_gate.h"

namespace sightline::call {

using control::ParticipantRole;

const char* to_string(MediaType type) { return type == MediaType::audio ? "audio" : "video"; }

std::string_view to_string(CallPhase phase) {
  switch (phase) {
    case CallPhase::id_check:
      return "id-check";
    case CallPhase::live:
      return "live";
  }
  return "unknown";
}

bool may_forward(CallPhase phase, ParticipantRole from, ParticipantRole to, MediaType type) {
  const bool from_officer = from == ParticipantRole::officer;
  const bool to_officer = to == ParticipantRole::officer;
  switch (phase) {
    case CallPhase::id_check:
      // Only the officer and the people being checked, in both directions.
      if (from == ParticipantRole::terminal || to == ParticipantRole::terminal) return false;
      return from_officer != to_officer;
    case CallPhase::live:
      // The officer's own media reaches nobody once the call is live, and
      // the officer receives video only (the order: no audio monitoring).
      if (from_officer) return false;
      if (to_officer) return type == MediaType::video;
      return true;
  }
  return false;
}

}  // namespace sightline::call

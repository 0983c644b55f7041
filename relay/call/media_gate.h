// The forwarding rules between two participants of a call in each phase.
// The relay enforces the order's ID check here, not the pages: before the
// officer has checked the caller's identity, the detained individual's
// terminal neither sends nor receives anything, and a supervising officer
// never receives a live call's audio.
#pragma once

#include <cstdint>
#include <string_view>

#include "relay/control/signalling_messages.h"

namespace sightline::call {

enum class MediaType : uint8_t { audio, video };
const char* to_string(MediaType type);

enum class CallPhase : uint8_t {
  // The officer checks the caller's photo ID by video. The terminal is held apart.
  id_check,
  // The parties exchange audio and video. An officer may watch video only.
  live,
};

std::string_view to_string(CallPhase phase);

// True when a packet of `type` from a participant in role `from` may be
// forwarded to one in role `to` during `phase`.
bool may_forward(CallPhase phase, control::ParticipantRole from, control::ParticipantRole to, MediaType type);

}  // namespace sightline::call

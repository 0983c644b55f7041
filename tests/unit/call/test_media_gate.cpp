// The forwarding rules of the ID check and of a live call.
#include "relay/call/media_gate.h"

#include <gtest/gtest.h>

namespace sightline::call {
namespace {

using control::ParticipantRole;
constexpr auto kAudio = MediaType::audio;
constexpr auto kVideo = MediaType::video;

TEST(MediaGate, IdCheckHoldsTheTerminalApart) {
  for (ParticipantRole other : {ParticipantRole::caller, ParticipantRole::officer, ParticipantRole::legal_adviser}) {
    for (MediaType type : {kAudio, kVideo}) {
      EXPECT_FALSE(may_forward(CallPhase::id_check, ParticipantRole::terminal, other, type));
      EXPECT_FALSE(may_forward(CallPhase::id_check, other, ParticipantRole::terminal, type));
    }
  }
}

TEST(MediaGate, IdCheckIsBetweenOfficerAndCaller) {
  EXPECT_TRUE(may_forward(CallPhase::id_check, ParticipantRole::caller, ParticipantRole::officer, kAudio));
  EXPECT_TRUE(may_forward(CallPhase::id_check, ParticipantRole::officer, ParticipantRole::caller, kVideo));
  EXPECT_TRUE(may_forward(CallPhase::id_check, ParticipantRole::legal_adviser, ParticipantRole::officer, kVideo));
  // Two people being checked do not see each other through the relay.
  EXPECT_FALSE(may_forward(CallPhase::id_check, ParticipantRole::caller, ParticipantRole::interpreter, kVideo));
}

TEST(MediaGate, LiveOfficerGetsVideoOnly) {
  EXPECT_TRUE(may_forward(CallPhase::live, ParticipantRole::caller, ParticipantRole::officer, kVideo));
  EXPECT_FALSE(may_forward(CallPhase::live, ParticipantRole::caller, ParticipantRole::officer, kAudio));
  EXPECT_FALSE(may_forward(CallPhase::live, ParticipantRole::terminal, ParticipantRole::officer, kAudio));
  EXPECT_FALSE(may_forward(CallPhase::live, ParticipantRole::officer, ParticipantRole::caller, kAudio));
  EXPECT_FALSE(may_forward(CallPhase::live, ParticipantRole::officer, ParticipantRole::terminal, kVideo));
}

TEST(MediaGate, LivePartiesExchangeEverything) {
  for (MediaType type : {kAudio, kVideo}) {
    EXPECT_TRUE(may_forward(CallPhase::live, ParticipantRole::caller, ParticipantRole::terminal, type));
    EXPECT_TRUE(may_forward(CallPhase::live, ParticipantRole::terminal, ParticipantRole::caller, type));
    EXPECT_TRUE(may_forward(CallPhase::live, ParticipantRole::interpreter, ParticipantRole::terminal, type));
  }
}

}  // namespace
}  // namespace sightline::call

// A supervised call through the relay: while the officer checks the caller's
// ID the terminal is held apart (the relay forwards nothing to or from it);
// once live the parties see each other and the officer gets video only; every
// participant of an ended call receives the reason.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/integration/relay_fixture.h"

namespace sightline::testing {
namespace {

using namespace std::chrono_literals;

size_t not_live(const call::RelayTotals& totals) {
  return totals.rejected_by_reason[static_cast<size_t>(call::RejectReason::not_live)];
}

TEST(IdCheck, TerminalHeldApartUntilLive) {
  call::Relay relay(loopback_relay_config());
  call::RelayHooks hooks;
  hooks.admit = [](const control::JoinMessage&, const control::HttpRequestInfo&) {
    call::JoinDecision decision;
    decision.hold_for_id_check = true;
    return decision;
  };
  std::atomic<int> calls_ended{0};
  std::chrono::system_clock::duration logged_duration{};
  hooks.call_ended = [&](const std::string& call_id, std::chrono::system_clock::time_point started,
                         std::chrono::system_clock::time_point ended) {
    EXPECT_EQ(call_id, "supervised-1");
    logged_duration = ended - started;
    ++calls_ended;
  };
  relay.set_hooks(std::move(hooks));
  ASSERT_EQ(relay.start(), std::nullopt);
  const std::string clip = default_clip();

  auto options = [&](const char* id, const char* role) {
    peer::PeerOptions result = peer_options(relay, "supervised-1", id, role);
    result.video_path = clip;
    return result;
  };
  peer::Peer officer(options("officer", "officer"));
  peer::Peer caller(options("caller", "caller"));
  peer::Peer terminal(options("terminal", "terminal"));
  ASSERT_EQ(officer.start(), std::nullopt);
  ASSERT_EQ(caller.start(), std::nullopt);
  ASSERT_EQ(terminal.start(), std::nullopt);
  EXPECT_EQ(relay.call_phase("supervised-1"), call::CallPhase::id_check);

  // The ID check: officer and caller see each other; the terminal nothing.
  EXPECT_TRUE(wait_until([&] { return caller.stats().frames_decoded > 20; }, 8s));
  EXPECT_TRUE(wait_until([&] { return officer.stats().frames_decoded > 20; }, 8s));
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(terminal.stats().rtp_packets_received, 0u);
  EXPECT_GT(terminal.stats().rtp_packets_sent, 100u);
  EXPECT_GT(not_live(relay.totals()), 100u);
  EXPECT_GT(officer.stats().audio_frames_decoded, 20u);

  // Live: the parties see and hear each other; the officer gets no audio.
  ASSERT_TRUE(relay.set_call_phase("supervised-1", call::CallPhase::live));
  EXPECT_TRUE(wait_until([&] { return terminal.stats().frames_decoded > 30; }, 8s));
  EXPECT_GT(terminal.stats().audio_frames_decoded, 20u);
  const uint64_t officer_audio = officer.stats().audio_frames_decoded;
  const uint64_t officer_video = officer.stats().frames_decoded;
  std::this_thread::sleep_for(2s);
  // A frame or two may still drain from the decoder after the switch.
  EXPECT_LE(officer.stats().audio_frames_decoded, officer_audio + 3);
  EXPECT_GT(officer.stats().frames_decoded, officer_video + 15);

  ASSERT_TRUE(relay.end_call("supervised-1", "recording"));
  EXPECT_TRUE(wait_until([&] { return caller.stats().failure == "call-ended: recording"; }, 3s))
      << caller.stats().failure;
  EXPECT_TRUE(wait_until([&] { return terminal.stats().failure == "call-ended: recording"; }, 3s))
      << terminal.stats().failure;
  EXPECT_FALSE(relay.call_phase("supervised-1").has_value());
  EXPECT_FALSE(relay.end_call("supervised-1", "again"));
  // One call-log event, timed from when the second party joined.
  EXPECT_EQ(calls_ended.load(), 1);
  EXPECT_GT(logged_duration, std::chrono::seconds(3));
  EXPECT_LT(logged_duration, std::chrono::seconds(60));
  officer.stop();
  caller.stop();
  terminal.stop();
  relay.stop();
}

TEST(IdCheck, RefusedJoinGetsTheHookMessage) {
  call::Relay relay(loopback_relay_config());
  call::RelayHooks hooks;
  hooks.admit = [](const control::JoinMessage&, const control::HttpRequestInfo&) {
    return call::JoinDecision{"this join link cannot be used now", false};
  };
  relay.set_hooks(std::move(hooks));
  ASSERT_EQ(relay.start(), std::nullopt);
  peer::Peer caller(peer_options(relay, "call-2", "caller", "caller"));
  const std::optional<std::string> error = caller.start();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("this join link cannot be used now"), std::string::npos) << *error;
  EXPECT_EQ(relay.call_count(), 0u);
  relay.stop();
}

}  // namespace
}  // namespace sightline::testing

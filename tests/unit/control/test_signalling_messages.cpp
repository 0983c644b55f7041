// Signalling message validation: a table of good and bad messages with the
// expected error text, and the server message builders.
#include "relay/control/signalling_messages.h"

#include <gtest/gtest.h>

namespace sightline::control {
namespace {

using nlohmann::json;

struct RejectCase {
  std::string text;
  std::string error;
};

TEST(SignallingMessages, ParsesJoin) {
  const auto parsed =
      parse_client_message_text(R"({"type":"join","call":"call-1","participant":"p.2_x","role":"legal-adviser","token":"t"})");
  ASSERT_TRUE(parsed) << parsed.error;
  const auto* join = std::get_if<JoinMessage>(&*parsed.message);
  ASSERT_NE(join, nullptr);
  EXPECT_EQ(join->call, "call-1");
  EXPECT_EQ(join->participant, "p.2_x");
  EXPECT_EQ(join->role, ParticipantRole::legal_adviser);
  ASSERT_TRUE(join->token.has_value());
  EXPECT_EQ(*join->token, "t");
}

TEST(SignallingMessages, ParsesRejoinTicket) {
  const auto parsed = parse_client_message_text(
      R"({"type":"join","call":"c","participant":"p","role":"caller","token":"t","rejoin":"abc123"})");
  ASSERT_TRUE(parsed) << parsed.error;
  const auto& join = std::get<JoinMessage>(*parsed.message);
  ASSERT_TRUE(join.rejoin.has_value());
  EXPECT_EQ(*join.rejoin, "abc123");
  EXPECT_FALSE(parse_client_message_text(R"({"type":"join","call":"c","participant":"p","role":"caller","rejoin":7})"));
}

TEST(SignallingMessages, JoinTokenIsOptional) {
  const auto parsed = parse_client_message_text(R"({"type":"join","call":"c","participant":"p","role":"terminal"})");
  ASSERT_TRUE(parsed) << parsed.error;
  const auto& join = std::get<JoinMessage>(*parsed.message);
  EXPECT_FALSE(join.token.has_value());
  EXPECT_EQ(join.role, ParticipantRole::terminal);
}

TEST(SignallingMessages, ParsesOfferCandidateLeave) {
  const auto offer = parse_client_message_text(R"({"type":"offer","sdp":"v=0\r\n"})");
  ASSERT_TRUE(offer) << offer.error;
  EXPECT_EQ(std::get<OfferMessage>(*offer.message).sdp, "v=0\r\n");

  const auto candidate = parse_client_message_text(
      R"({"type":"candidate","candidate":"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host","mid":"0"})");
  ASSERT_TRUE(candidate) << candidate.error;
  const auto& typed = std::get<CandidateMessage>(*candidate.message);
  EXPECT_EQ(typed.mid, "0");
  EXPECT_FALSE(typed.end_of_candidates());

  const auto end = parse_client_message_text(R"({"type":"candidate","candidate":"","mid":"0"})");
  ASSERT_TRUE(end) << end.error;
  EXPECT_TRUE(std::get<CandidateMessage>(*end.message).end_of_candidates());

  const auto leave = parse_client_message_text(R"({"type":"leave","extra":1})");
  ASSERT_TRUE(leave) << leave.error;
  EXPECT_TRUE(std::holds_alternative<LeaveMessage>(*leave.message));
}

TEST(SignallingMessages, ParsesMediaState) {
  const auto parsed = parse_client_message_text(R"({"type":"media-state","audio":false,"video":true})");
  ASSERT_TRUE(parsed) << parsed.error;
  const auto& state = std::get<MediaStateMessage>(*parsed.message);
  EXPECT_FALSE(state.audio);
  EXPECT_TRUE(state.video);

  const json relayed = make_media_state("caller-1", MediaStateMessage{.audio = true, .video = false});
  EXPECT_EQ(relayed, json::parse(R"({"type":"media-state","participant":"caller-1","audio":true,"video":false})"));
}

TEST(SignallingMessages, RejectsWithReason) {
  const std::string long_id(65, 'a');
  const std::vector<RejectCase> cases = {
      {"{", "message is not valid JSON"},
      {"[1,2]", "message must be a JSON object, got array"},
      {R"({"call":"c"})", "missing field \"type\""},
      {R"({"type":7})", "field \"type\" must be a string, got number"},
      {R"({"type":"keyframe"})", "unknown message type \"keyframe\"; expected join, offer, candidate, media-state or leave"},
      {R"({"type":"join","participant":"p","role":"caller"})", "missing field \"call\""},
      {R"({"type":"join","call":5,"participant":"p","role":"caller"})",
       "field \"call\" must be a string, got number"},
      {R"({"type":"join","call":"","participant":"p","role":"caller"})",
       "field \"call\" must be 1 to 64 characters, got 0"},
      {R"({"type":"join","call":")" + long_id + R"(","participant":"p","role":"caller"})",
       "field \"call\" must be 1 to 64 characters, got 65"},
      {R"({"type":"join","call":"c","participant":"a b","role":"caller"})",
       "field \"participant\" may contain only A-Z, a-z, 0-9, '_', '-' and '.'"},
      {R"({"type":"join","call":"c","participant":"p"})", "missing field \"role\""},
      {R"({"type":"join","call":"c","participant":"p","role":"admin"})",
       "field \"role\" must be one of terminal, caller, legal-adviser, interpreter, officer; got \"admin\""},
      {R"({"type":"join","call":"c","participant":"p","role":"caller","token":1})",
       "field \"token\" must be a string, got number"},
      {R"({"type":"offer"})", "missing field \"sdp\""},
      {R"({"type":"offer","sdp":""})", "field \"sdp\" is empty"},
      {R"({"type":"offer","sdp":null})", "field \"sdp\" must be a string, got null"},
      {R"({"type":"candidate","mid":"0"})", "missing field \"candidate\""},
      {R"({"type":"candidate","candidate":"a=candidate:1","mid":"0"})",
       "field \"candidate\" must start with \"candidate:\" or be empty for end of candidates"},
      {R"({"type":"candidate","candidate":"candidate:1"})", "missing field \"mid\""},
      {R"({"type":"candidate","candidate":"candidate:1","mid":"01234567890123456"})",
       "field \"mid\" must be 1 to 16 characters, got 17"},
      {R"({"type":"media-state","video":true})", "missing field \"audio\""},
      {R"({"type":"media-state","audio":false})", "missing field \"video\""},
      {R"({"type":"media-state","audio":"off","video":true})", "field \"audio\" must be true or false, got string"},
      {R"({"type":"media-state","audio":true,"video":0})", "field \"video\" must be true or false, got number"},
  };
  for (const RejectCase& test_case : cases) {
    const auto parsed = parse_client_message_text(test_case.text);
    EXPECT_FALSE(parsed) << test_case.text;
    EXPECT_EQ(parsed.error, test_case.error) << test_case.text;
  }
}

TEST(SignallingMessages, RejectsOversizedSdp) {
  const json offer = {{"type", "offer"}, {"sdp", std::string(kMaxSdpBytes + 1, 'x')}};
  const auto parsed = parse_client_message(offer);
  EXPECT_FALSE(parsed);
  EXPECT_EQ(parsed.error, "field \"sdp\" is 65537 bytes, the maximum is 65536");

  const json largest = {{"type", "offer"}, {"sdp", std::string(kMaxSdpBytes, 'x')}};
  EXPECT_TRUE(parse_client_message(largest));
}

TEST(SignallingMessages, ValidIds) {
  EXPECT_TRUE(is_valid_id("a"));
  EXPECT_TRUE(is_valid_id("A-z_0.9"));
  EXPECT_TRUE(is_valid_id(std::string(64, 'x')));
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id(std::string(65, 'x')));
  EXPECT_FALSE(is_valid_id("caf\xc3\xa9"));
  EXPECT_FALSE(is_valid_id("a/b"));
}

TEST(SignallingMessages, BuildsServerMessages) {
  EXPECT_EQ(make_joined("c1", "p1", {"p1", "p2"}).dump(),
            R"({"call":"c1","participant":"p1","participants":["p1","p2"],"type":"joined"})");
  EXPECT_EQ(make_answer("v=0").dump(), R"({"sdp":"v=0","type":"answer"})");
  EXPECT_EQ(make_participant_joined("p2").dump(), R"({"participant":"p2","type":"participant-joined"})");
  EXPECT_EQ(make_participant_joined("p2", "officer").dump(),
            R"({"participant":"p2","role":"officer","type":"participant-joined"})");
  EXPECT_EQ(make_join_rejected("Not yet.", "outside_slot").dump(),
            R"({"code":"join-rejected","message":"Not yet.","reason":"outside_slot","type":"error"})");
  EXPECT_EQ(make_warning("dress").dump(), R"({"reason":"dress","type":"warning"})");
  EXPECT_EQ(make_participant_left("p2").dump(), R"({"participant":"p2","type":"participant-left"})");
  EXPECT_EQ(make_error(error_code::kNotJoined, "send join first").dump(),
            R"({"code":"not-joined","message":"send join first","type":"error"})");
  EXPECT_EQ(make_call_ended("slot over").dump(), R"({"reason":"slot over","type":"call-ended"})");
}

TEST(SignallingMessages, RoleNamesRoundTrip) {
  for (auto role : {ParticipantRole::terminal, ParticipantRole::caller, ParticipantRole::legal_adviser,
                    ParticipantRole::interpreter, ParticipantRole::officer}) {
    const auto parsed = parse_participant_role(to_string(role));
    ASSERT_TRUE(parsed.has_value()) << to_string(role);
    EXPECT_EQ(*parsed, role);
  }
}

}  // namespace
}  // namespace sightline::control

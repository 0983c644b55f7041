// Booking routes: the rules decide, refusals come back with their recorded
// reason, held requests wait for review, and join links are issued.
#include <gtest/gtest.h>

#include "tests/unit/policy_api/api_fixture.h"

namespace sightline::policy::api {
namespace {

using BookingRoutesTest = ApiTest;

TEST_F(BookingRoutesTest, ConfirmsAndIssuesJoinLinks) {
  const std::string cookie = sign_in("dco.a");
  auto response = call("POST", "/api/bookings", cookie,
                       {{"detained_individual_id", person_a}, {"recipient_id", caller_a}, {"terminal", "terminal-1"},
                        {"slot_start", "2026-03-04T10:00:00Z"}});
  ASSERT_EQ(response.status, 201) << response.body;
  auto body = json_of(response);
  EXPECT_EQ(body["booking"]["state"], "confirmed");
  EXPECT_EQ(body["booking"]["slot_local"], "2026-03-04T10:00");
  ASSERT_EQ(body["join_links"].size(), 2u);
  EXPECT_EQ(body["join_links"][0]["role"], "detained_individual");
  EXPECT_EQ(body["join_links"][1]["role"], "recipient");
  EXPECT_TRUE(body["join_links"][1]["url"].get<std::string>().starts_with("/call/?token="));
  EXPECT_EQ(audit_count("booking_requested"), 1);
  EXPECT_EQ(audit_count("join_links_issued"), 1);

  auto listed = json_of(call("GET", "/api/bookings", cookie));
  ASSERT_EQ(listed["bookings"].size(), 1u);
  EXPECT_EQ(listed["bookings"][0]["id"], body["booking"]["id"]);
}

TEST_F(BookingRoutesTest, AcceptsCentreLocalSlot) {
  // 4 April 2026 is in British Summer Time: 10:00 local is 09:00 UTC.
  clock.set(at("2026-04-01T09:00:00Z"));
  auto response = call("POST", "/api/bookings", sign_in("dco.a"),
                       {{"detained_individual_id", person_a}, {"recipient_id", caller_a}, {"terminal", "terminal-1"},
                        {"slot_local", "2026-04-04T10:00"}});
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(json_of(response)["booking"]["slot_start"], "2026-04-04T09:00:00Z");
}

TEST_F(BookingRoutesTest, RejectsSkippedLocalHour) {
  // On 29 March 2026 the clocks go from 01:00 to 02:00 in London.
  auto response = call("POST", "/api/bookings", sign_in("dco.a"),
                       {{"detained_individual_id", person_a}, {"recipient_id", caller_a}, {"terminal", "terminal-1"},
                        {"slot_local", "2026-03-29T01:30"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json_of(response)["field"], "slot_local");
}

TEST_F(BookingRoutesTest, ReturnsRecordedRefusal) {
  const std::string cookie = sign_in("dco.a");
  // Three hours ahead, not urgent: short notice.
  auto response = call("POST", "/api/bookings", cookie,
                       {{"detained_individual_id", person_a}, {"recipient_id", caller_a}, {"terminal", "terminal-1"},
                        {"slot_start", "2026-03-02T12:00:00Z"}});
  ASSERT_EQ(response.status, 422);
  auto body = json_of(response);
  EXPECT_EQ(body["code"], "short_notice");
  const int64_t booking_id = body["booking_id"];
  auto stored = store->query("SELECT state, refusal_reason FROM bookings WHERE id = ?", {booking_id});
  EXPECT_EQ(stored.at(0).text(0), "refused");
  EXPECT_EQ(stored.at(0).text(1), body["error"].get<std::string>());
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM incident_reports WHERE kind = 'short_notice'").at(0).integer(0), 1);
  EXPECT_EQ(audit_count("booking_refused"), 1);
}

TEST_F(BookingRoutesTest, UrgentRequestNamesSignedInOfficer) {
  auto response = call("POST", "/api/bookings", sign_in("dco.a"),
                       {{"detained_individual_id", person_a}, {"recipient_id", caller_a}, {"terminal", "terminal-1"},
                        {"slot_start", "2026-03-02T12:00:00Z"}, {"urgent_reason", "family bereavement"}});
  ASSERT_EQ(response.status, 201) << response.body;
  auto stored = store->query("SELECT urgent_approved_by, urgent_reason FROM bookings");
  EXPECT_EQ(stored.at(0).text(0), "dco.a");
  EXPECT_EQ(stored.at(0).text(1), "family bereavement");
}

TEST_F(BookingRoutesTest, BookingValidation) {
  const std::string cookie = sign_in("dco.a");
  nlohmann::json request = {{"detained_individual_id", person_a}, {"recipient_id", caller_a}, {"slot_start", "2026-03-04T10:00:00Z"}};
  EXPECT_EQ(json_of(call("POST", "/api/bookings", cookie, request))["field"], "terminal");
  request["terminal"] = "terminal-1";
  request["slot_start"] = "4 March 10am";
  EXPECT_EQ(json_of(call("POST", "/api/bookings", cookie, request))["field"], "slot_start");
  request["slot_start"] = "2026-03-04T10:00:00Z";
  request["recipient_id"] = "x";
  EXPECT_EQ(json_of(call("POST", "/api/bookings", cookie, request))["field"], "recipient_id");
  request["recipient_id"] = caller_b;
  auto response = call("POST", "/api/bookings", cookie, request);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(json_of(response)["field"], "recipient_id");
}

TEST_F(BookingRoutesTest, HeldForReviewThenApproved) {
  const int64_t friend_id = Records(*store, clock).add_caller(person_a, "Tom Reed", "friend", "tom@example.org").value();
  auto response = call("POST", "/api/bookings", sign_in("dco.a"),
                       {{"detained_individual_id", person_a}, {"recipient_id", friend_id}, {"terminal", "terminal-1"},
                        {"slot_start", "2026-03-04T10:00:00Z"}});
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(json_of(response)["booking"]["state"], "pending_review");
  EXPECT_TRUE(json_of(response)["join_links"].empty());
  const int64_t booking_id = json_of(response)["booking"]["id"];

  const std::string security = sign_in("security.a");
  auto pending = json_of(call("GET", "/api/recipient-reviews", security));
  ASSERT_EQ(pending["pending_reviews"].size(), 1u);
  EXPECT_EQ(pending["pending_reviews"][0]["recipient_id"], friend_id);
  const std::string dco = sign_in("dco.a");
  EXPECT_EQ(call("POST", "/api/bookings/" + std::to_string(booking_id) + "/join-links", dco, nlohmann::json::object()).status, 422);

  auto approved = call("POST", "/api/recipients/" + std::to_string(friend_id) + "/approve", security, {{"restrictions", "none"}});
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(json_of(approved)["reviewed_by"], "security.a");
  EXPECT_EQ(store->query("SELECT state FROM bookings WHERE id = ?", {booking_id}).at(0).text(0), "confirmed");
  auto links = call("POST", "/api/bookings/" + std::to_string(booking_id) + "/join-links", dco, nlohmann::json::object());
  ASSERT_EQ(links.status, 201) << links.body;
  EXPECT_EQ(json_of(links)["join_links"].size(), 2u);
}

TEST_F(BookingRoutesTest, RejectedRecipientRefusesHeldBooking) {
  const int64_t friend_id = Records(*store, clock).add_caller(person_a, "Tom Reed", "friend", "tom@example.org").value();
  ASSERT_EQ(call("POST", "/api/bookings", sign_in("dco.a"),
                 {{"detained_individual_id", person_a}, {"recipient_id", friend_id}, {"terminal", "terminal-1"},
                  {"slot_start", "2026-03-04T10:00:00Z"}}).status, 201);
  const std::string security = sign_in("security.a");
  const std::string path = "/api/recipients/" + std::to_string(friend_id) + "/reject";
  EXPECT_EQ(json_of(call("POST", path, security, nlohmann::json::object()))["field"], "reason");
  ASSERT_EQ(call("POST", path, security, {{"reason", "harassment controls"}}).status, 200);
  EXPECT_EQ(store->query("SELECT state FROM bookings").at(0).text(0), "refused");
  EXPECT_EQ(audit_count("recipient_rejected"), 1);
}

TEST_F(BookingRoutesTest, AddsInterpreterParticipant) {
  const std::string cookie = sign_in("dco.a");
  const int64_t interpreter = json_of(call("POST", "/api/interpreters", cookie, {{"full_name", "Ana Silva"}, {"languages", "BSL"}}))["id"];
  auto booked = json_of(call("POST", "/api/bookings", cookie,
                             {{"detained_individual_id", person_a}, {"recipient_id", caller_a}, {"terminal", "terminal-1"},
                              {"slot_start", "2026-03-04T10:00:00Z"}}));
  const std::string path = "/api/bookings/" + std::to_string(booked["booking"]["id"].get<int64_t>());
  EXPECT_EQ(json_of(call("POST", path + "/interpreters", cookie, {{"interpreter_id", interpreter}}))["field"], "adjustment");
  auto added = call("POST", path + "/interpreters", cookie, {{"interpreter_id", interpreter}, {"adjustment", "sign language"}});
  ASSERT_EQ(added.status, 201) << added.body;
  auto links = json_of(call("POST", path + "/join-links", cookie, nlohmann::json::object()));
  ASSERT_EQ(links["join_links"].size(), 3u);
  EXPECT_EQ(links["join_links"][2]["role"], "interpreter");
  EXPECT_EQ(links["join_links"][2]["interpreter_id"], interpreter);
}

}  // namespace
}  // namespace sightline::policy::api

// Join tokens and the relay's admission check.
#include <gtest/gtest.h>

#include "policy/join_token.h"
#include "policy/sqlite_store.h"
#include "policy/suspensions.h"
#include "policy_fixture.h"

namespace sightline::policy {
namespace {

class JoinTokenTest : public PolicyTest {
 protected:
  void SetUp() override {
    PolicyTest::SetUp();
    booking_id = book(caller_id, at(kSlot)).value().id;
  }
  JoinTokens tokens() { return JoinTokens(*store, secret); }
  std::string issue(ParticipantRole role = ParticipantRole::recipient) { return tokens().issue(booking_id, role).value(); }

  static constexpr const char* kSlot = "2026-03-03T09:00:00Z";
  std::vector<uint8_t> secret = std::vector<uint8_t>(32, 0x5a);
  int64_t booking_id = 0;
};
SIGHTLINE_POLICY_STORES(JoinTokenTest);

TEST_P(JoinTokenTest, AdmitsInsideWindow) {
  const std::string token = issue();
  EXPECT_EQ(tokens().admit(token, at("2026-03-03T08:50:00Z")), Admission::allowed);
}

TEST_P(JoinTokenTest, WindowBoundaries) {
  const std::string token = issue();
  EXPECT_EQ(tokens().admit(token, at("2026-03-03T08:49:59Z")), Admission::outside_slot);
  EXPECT_EQ(tokens().admit(token, at("2026-03-03T09:30:00Z")), Admission::token_reused_or_expired);
  EXPECT_EQ(tokens().admit(token, at("2026-03-03T09:29:59Z")), Admission::allowed);
}

TEST_P(JoinTokenTest, SingleUse) {
  const std::string token = issue();
  EXPECT_EQ(tokens().admit(token, at("2026-03-03T09:00:00Z")), Admission::allowed);
  EXPECT_EQ(tokens().admit(token, at("2026-03-03T09:01:00Z")), Admission::token_reused_or_expired);
  // Each participant has their own token.
  EXPECT_EQ(tokens().admit(issue(ParticipantRole::detained_individual), at("2026-03-03T09:01:00Z")), Admission::allowed);
}

TEST_P(JoinTokenTest, TamperedTokenInvalid) {
  std::string token = issue();
  // Change the role in the signed part.
  const auto pos = token.find(".recipient.");
  ASSERT_NE(pos, std::string::npos);
  token.replace(pos, 11, ".interpreter.");
  EXPECT_EQ(tokens().admit(token, at("2026-03-03T09:00:00Z")), Admission::invalid_token);

  EXPECT_EQ(tokens().admit("", at("2026-03-03T09:00:00Z")), Admission::invalid_token);
  EXPECT_EQ(tokens().admit("a.b.c", at("2026-03-03T09:00:00Z")), Admission::invalid_token);
  const std::vector<uint8_t> other_secret(32, 0x11);
  EXPECT_EQ(JoinTokens(*store, other_secret).admit(issue(), at("2026-03-03T09:00:00Z")), Admission::invalid_token);
}

TEST_P(JoinTokenTest, SuspendedRefused) {
  const std::string token = issue();
  ASSERT_TRUE(Suspensions(*store, clock)
                  .suspend({person_id, "Manager Hughes", "inappropriate_dress", "underwear on camera",
                            at("2026-03-02T12:00:00Z"), at("2026-03-04T12:00:00Z"), "", "legal calls by phone"})
                  .ok());
  EXPECT_EQ(tokens().admit(token, at("2026-03-03T09:00:00Z")), Admission::suspended);
}

TEST_P(JoinTokenTest, NoCompactRefused) {
  const std::string token = issue();
  store->execute("DELETE FROM compacts WHERE detained_individual_id = ?", {person_id});
  EXPECT_EQ(tokens().admit(token, at("2026-03-03T09:00:00Z")), Admission::no_compact);
}

TEST_P(JoinTokenTest, UnapprovedRecipientRefused) {
  const std::string token = issue();
  store->execute("UPDATE recipient_approvals SET status = 'pending_review' WHERE recipient_id = ?", {caller_id});
  EXPECT_EQ(tokens().admit(token, at("2026-03-03T09:00:00Z")), Admission::recipient_not_approved);
  // A refused attempt does not use the token up.
  store->execute("UPDATE recipient_approvals SET status = 'approved' WHERE recipient_id = ?", {caller_id});
  EXPECT_EQ(tokens().admit(token, at("2026-03-03T09:00:00Z")), Admission::allowed);
}

TEST_P(JoinTokenTest, HeldBookingGetsNoToken) {
  const int64_t cousin = records().add_caller(person_id, "Ngozi Eze", "cousin", "ngozi@example.org").value();
  const int64_t held = book(cousin, at("2026-03-03T10:00:00Z")).value().id;
  EXPECT_FALSE(tokens().issue(held, ParticipantRole::recipient).ok());
}

TEST_P(JoinTokenTest, MessagesRevealNothing) {
  for (Admission a : {Admission::no_compact, Admission::suspended, Admission::recipient_not_approved}) {
    const std::string message(participant_message(a));
    EXPECT_EQ(message.find("compact"), std::string::npos) << message;
    EXPECT_EQ(message.find("suspend"), std::string::npos) << message;
    EXPECT_EQ(message.find("risk"), std::string::npos) << message;
  }
}

TEST(JoinTokenSecret, ShortSecretRejected) {
  auto store = SqliteStore::open(":memory:");
  EXPECT_THROW(JoinTokens(*store, std::vector<uint8_t>(31, 1)), std::invalid_argument);
}

TEST(RejoinTickets, AdmitsTheSameParticipantUntilTheSlotEnds) {
  RejoinTickets tickets;
  const UtcTime now = parse_utc("2026-03-04T10:05:00Z").value();
  const UtcTime slot_end = parse_utc("2026-03-04T10:30:00Z").value();
  const std::string ticket = tickets.issue("booking-1", "caller-1", slot_end);
  EXPECT_EQ(ticket.size(), 48u);
  EXPECT_TRUE(tickets.valid("booking-1", "caller-1", ticket, now));
  EXPECT_TRUE(tickets.valid("booking-1", "caller-1", ticket, now + std::chrono::minutes(20)));
  EXPECT_FALSE(tickets.valid("booking-1", "caller-1", ticket, slot_end));
}

TEST(RejoinTickets, RejectsOtherParticipantCallOrTicket) {
  RejoinTickets tickets;
  const UtcTime now = parse_utc("2026-03-04T10:05:00Z").value();
  const UtcTime slot_end = parse_utc("2026-03-04T10:30:00Z").value();
  const std::string ticket = tickets.issue("booking-1", "caller-1", slot_end);
  EXPECT_FALSE(tickets.valid("booking-1", "terminal-1", ticket, now));
  EXPECT_FALSE(tickets.valid("booking-2", "caller-1", ticket, now));
  EXPECT_FALSE(tickets.valid("booking-1", "caller-1", "", now));
  EXPECT_FALSE(tickets.valid("booking-1", "caller-1", std::string(48, '0'), now));
  // A new ticket replaces the old one.
  const std::string second = tickets.issue("booking-1", "caller-1", slot_end);
  EXPECT_NE(second, ticket);
  EXPECT_FALSE(tickets.valid("booking-1", "caller-1", ticket, now));
  EXPECT_TRUE(tickets.valid("booking-1", "caller-1", second, now));
}

}  // namespace
}  // namespace sightline::policy

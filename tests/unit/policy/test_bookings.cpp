// Booking rules: compact, notice, urgent approval, grid, recipient review,
// legal priority, interpreters and refusal reports.
#include <gtest/gtest.h>

#include "policy/incident_report.h"
#include "policy/suspensions.h"
#include "policy_fixture.h"

namespace sightline::policy {
namespace {

// Tuesday 3 March 2026 at 09:00 GMT: the clock is 24 hours earlier.
const char* kSlot = "2026-03-03T09:00:00Z";

class BookingTest : public PolicyTest {};
SIGHTLINE_POLICY_STORES(BookingTest);

TEST_P(BookingTest, TwentyFourHoursAccepted) {
  auto booking = book(caller_id, at(kSlot));
  ASSERT_TRUE(booking.ok()) << booking.refusal().reason;
  EXPECT_EQ(booking.value().state, BookingState::confirmed);
}

TEST_P(BookingTest, TwentyThreeHoursFiftyNineRefused) {
  clock.advance(std::chrono::minutes{1});
  auto booking = book(caller_id, at(kSlot));
  ASSERT_FALSE(booking.ok());
  EXPECT_EQ(booking.refusal().code, RefusalCode::short_notice);
  EXPECT_NE(booking.refusal().reason.find("23h59m"), std::string::npos) << booking.refusal().reason;

  const auto reports = list_incident_reports(*store);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, "short_notice");
  EXPECT_EQ(reports[0].detained_individual_id, person_id);
  ASSERT_TRUE(reports[0].booking_id.has_value());
  auto stored = bookings().booking(*reports[0].booking_id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->state, BookingState::refused);
  EXPECT_EQ(stored->refusal_reason, booking.refusal().reason);
}

TEST_P(BookingTest, UrgentNeedsOfficerAndReason) {
  clock.advance(std::chrono::hours{20});
  auto without_reason = bookings().request({person_id, caller_id, "terminal-1", at(kSlot), UrgentApproval{"DCO Patel", ""}});
  ASSERT_FALSE(without_reason.ok());
  EXPECT_EQ(without_reason.refusal().code, RefusalCode::urgent_reason_missing);

  auto approved = bookings().request(
      {person_id, caller_id, "terminal-1", at(kSlot), UrgentApproval{"DCO Patel", "removal directions set for Thursday"}});
  ASSERT_TRUE(approved.ok()) << approved.refusal().reason;
  EXPECT_EQ(approved.value().state, BookingState::confirmed);
}

TEST_P(BookingTest, NoCompactRefused) {
  const int64_t other = records().add_detained_individual(centre_id, "HMD-0999", "Tomasz Nowak", "T. Nowak").value();
  ASSERT_TRUE(risk().record(other, "DCO Patel", std::chrono::year{2026} / 8 / 1).ok());
  const int64_t caller = records().add_caller(other, "Ewa Nowak", "mother", "ewa@example.org").value();
  auto booking = bookings().request({other, caller, "terminal-2", at(kSlot), std::nullopt});
  ASSERT_FALSE(booking.ok());
  EXPECT_EQ(booking.refusal().code, RefusalCode::no_compact);
  EXPECT_EQ(list_incident_reports(*store).size(), 1u);
}

TEST_P(BookingTest, OffGridRefused) {
  auto quarter_past = book(caller_id, at("2026-03-03T09:15:00Z"));
  ASSERT_FALSE(quarter_past.ok());
  EXPECT_EQ(quarter_past.refusal().code, RefusalCode::slot_off_grid);
  auto closed = book(caller_id, at("2026-03-03T21:00:00Z"));
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.refusal().code, RefusalCode::slot_off_grid);
}

TEST_P(BookingTest, UnapprovedRecipientHeld) {
  const int64_t cousin = records().add_caller(person_id, "Ngozi Eze", "cousin", "ngozi@example.org").value();
  auto booking = book(cousin, at(kSlot));
  ASSERT_TRUE(booking.ok());
  EXPECT_EQ(booking.value().state, BookingState::pending_review);
  EXPECT_EQ(risk().review(cousin).status, RecipientStatus::pending_review);
  ASSERT_EQ(risk().pending_reviews().size(), 1u);

  clock.advance(std::chrono::hours{1});
  ASSERT_TRUE(risk().approve_recipient(cousin, "Security Officer Lee", "no contact with children").ok());
  const RecipientReview review = risk().review(cousin);
  EXPECT_EQ(review.status, RecipientStatus::approved);
  EXPECT_EQ(review.reviewed_by, "Security Officer Lee");
  EXPECT_EQ(review.reviewed_at, at("2026-03-02T10:00:00Z"));
  EXPECT_EQ(review.restrictions, "no contact with children");
  EXPECT_EQ(bookings().booking(booking.value().id)->state, BookingState::confirmed);
}

TEST_P(BookingTest, RejectedRecipientRefusesHeldBooking) {
  const int64_t cousin = records().add_caller(person_id, "Ngozi Eze", "cousin", "ngozi@example.org").value();
  auto booking = book(cousin, at(kSlot));
  ASSERT_TRUE(booking.ok());
  ASSERT_TRUE(risk().reject_recipient(cousin, "Security Officer Lee", "harassment controls").ok());
  EXPECT_EQ(bookings().booking(booking.value().id)->state, BookingState::refused);
  ASSERT_EQ(list_incident_reports(*store).size(), 1u);
  EXPECT_EQ(list_incident_reports(*store)[0].kind, "recipient_rejected");
}

TEST_P(BookingTest, LegalDisplacesSocial) {
  auto social = book(caller_id, at(kSlot));
  ASSERT_TRUE(social.ok());
  auto legal = book(adviser_id, at(kSlot), "terminal-legal");
  ASSERT_TRUE(legal.ok()) << legal.refusal().reason;
  EXPECT_EQ(legal.value().state, BookingState::confirmed);

  auto displaced = bookings().booking(social.value().id);
  EXPECT_EQ(displaced->state, BookingState::refused);
  EXPECT_NE(displaced->refusal_reason.find("legal call booking " + std::to_string(legal.value().id)), std::string::npos);
  const auto reports = list_incident_reports(*store);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, "displaced_by_legal_call");
  EXPECT_EQ(reports[0].booking_id, social.value().id);
}

TEST_P(BookingTest, SocialLosesToLegal) {
  ASSERT_TRUE(book(adviser_id, at(kSlot)).ok());
  auto social = book(caller_id, at(kSlot), "terminal-2");
  ASSERT_FALSE(social.ok());
  EXPECT_EQ(social.refusal().code, RefusalCode::slot_taken);
}

TEST_P(BookingTest, TerminalConflictRefused) {
  const int64_t other = records().add_detained_individual(centre_id, "HMD-0555", "Li Wei", "L. Wei").value();
  ASSERT_TRUE(Compacts(*store, clock).record({other, std::chrono::year{2026} / 3 / 1, "Mandarin", false, "DCO Patel"}).ok());
  ASSERT_TRUE(risk().record(other, "DCO Patel", std::chrono::year{2026} / 8 / 1).ok());
  const int64_t friend_id = records().add_caller(other, "Zhang Min", "friend", "zm@example.org").value();
  ASSERT_TRUE(risk().approve_recipient(friend_id, "Security Officer Lee", "none").ok());

  ASSERT_TRUE(book(caller_id, at(kSlot), "terminal-1").ok());
  auto clash = bookings().request({other, friend_id, "terminal-1", at(kSlot), std::nullopt});
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.refusal().code, RefusalCode::slot_taken);
  auto elsewhere = bookings().request({other, friend_id, "terminal-3", at(kSlot), std::nullopt});
  EXPECT_TRUE(elsewhere.ok());
}

TEST_P(BookingTest, InterpreterAddedAsParticipant) {
  auto booking = book(caller_id, at(kSlot));
  ASSERT_TRUE(booking.ok());
  const int64_t interpreter = records().add_interpreter("Sam Bell", "British Sign Language", "sam@example.org").value();
  ASSERT_TRUE(bookings().add_interpreter(booking.value().id, interpreter, "sign-language interpreter").ok());
  EXPECT_EQ(bookings().interpreters(booking.value().id), std::vector<int64_t>{interpreter});
  auto twice = bookings().add_interpreter(booking.value().id, interpreter, "sign-language interpreter");
  EXPECT_FALSE(twice.ok());
}

TEST_P(BookingTest, SuspendedRefusesSocialNotLegal) {
  ASSERT_TRUE(Suspensions(*store, clock)
                  .suspend({person_id, "Manager Hughes", "recording_call", "held a phone up to record the call",
                            at("2026-03-02T09:00:00Z"), at("2026-03-06T09:00:00Z"), "", "legal calls by phone from the wing"})
                  .ok());
  auto social = book(caller_id, at(kSlot));
  ASSERT_FALSE(social.ok());
  EXPECT_EQ(social.refusal().code, RefusalCode::suspended);
  EXPECT_TRUE(book(adviser_id, at(kSlot), "terminal-legal").ok());
}

TEST_P(BookingTest, LegalAdviserNeedsSection84Details) {
  auto missing_firm = records().add_legal_adviser(person_id, "Jo Hart", "jo@example.org", "", "solicitor");
  ASSERT_FALSE(missing_firm.ok());
  EXPECT_EQ(missing_firm.refusal().code, RefusalCode::invalid_input);
  auto adviser = records().recipient(adviser_id);
  EXPECT_EQ(adviser->firm, "Mensah Immigration Law");
  EXPECT_EQ(adviser->qualification, "OISC level 3");
}

}  // namespace
}  // namespace sightline::policy

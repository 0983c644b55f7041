// Suspensions (category, 7-day authorisation, weekly reviews, notice) and
// appeals (deadlines and a different manager).
#include <gtest/gtest.h>

#include "policy/appeals.h"
#include "policy/suspension_notice.h"
#include "policy/suspensions.h"
#include "policy_fixture.h"

namespace sightline::policy {
namespace {

class SuspensionTest : public PolicyTest {
 protected:
  SuspensionRequest request(std::chrono::seconds length, std::string authorised_by = "") {
    const UtcTime start = at("2026-03-02T09:00:00Z");
    return {person_id, "Manager Hughes", "abusive_behaviour_on_call", "shouted threats at the caller",
            start, start + length, std::move(authorised_by), "legal calls by phone from the wing"};
  }
  Suspensions suspensions() { return Suspensions(*store, clock); }
  Appeals appeals() { return Appeals(*store, clock); }
};
SIGHTLINE_POLICY_STORES(SuspensionTest);

TEST_P(SuspensionTest, SevenDaysWithoutAuthorisation) {
  auto suspension = suspensions().suspend(request(std::chrono::days{7}));
  ASSERT_TRUE(suspension.ok()) << suspension.refusal().reason;
  EXPECT_TRUE(suspensions().review_due_dates(suspension.value()).empty());
  auto notified = store->query("SELECT audience FROM notifications WHERE suspension_id = ?", {suspension.value().id});
  ASSERT_EQ(notified.size(), 1u);
  EXPECT_EQ(notified[0].text(0), "compliance_manager");
}

TEST_P(SuspensionTest, EightDaysNeedAuthorisation) {
  auto refused = suspensions().suspend(request(std::chrono::days{8}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.refusal().code, RefusalCode::authorisation_required);
  auto authorised = suspensions().suspend(request(std::chrono::days{8}, "Compliance Manager Ward"));
  EXPECT_TRUE(authorised.ok());
}

TEST_P(SuspensionTest, OtherConductCategoryRefused) {
  auto req = request(std::chrono::days{3});
  req.category = "disciplinary_sanction";
  auto refused = suspensions().suspend(req);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.refusal().code, RefusalCode::category_not_video_call_use);
  req.category = "fighting";
  EXPECT_EQ(suspensions().suspend(req).refusal().code, RefusalCode::invalid_input);
}

TEST_P(SuspensionTest, LegalAccessRequired) {
  auto req = request(std::chrono::days{3});
  req.legal_access = "";
  EXPECT_EQ(suspensions().suspend(req).refusal().code, RefusalCode::invalid_input);
}

TEST_P(SuspensionTest, WeeklyReviewOverdue) {
  auto suspension = suspensions().suspend(request(std::chrono::days{21}, "Compliance Manager Ward")).value();
  const auto due = suspensions().review_due_dates(suspension);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0], at("2026-03-09T09:00:00Z"));
  EXPECT_EQ(due[1], at("2026-03-16T09:00:00Z"));

  EXPECT_TRUE(suspensions().overdue_reviews(at("2026-03-09T09:00:00Z")).empty());
  auto overdue = suspensions().overdue_reviews(at("2026-03-09T09:00:01Z"));
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].due_at, due[0]);

  clock.set(at("2026-03-09T08:00:00Z"));
  ASSERT_TRUE(suspensions().record_review(suspension.id, "Manager Hughes", "continue").ok());
  EXPECT_TRUE(suspensions().overdue_reviews(at("2026-03-10T09:00:00Z")).empty());
  EXPECT_EQ(suspensions().overdue_reviews(at("2026-03-16T10:00:00Z")).size(), 1u);
}

TEST_P(SuspensionTest, NoticeInTextAndHtml) {
  auto req = request(std::chrono::days{3});
  req.reasons = "said <\"nothing\"> & left";
  auto suspension = suspensions().suspend(req).value();
  const auto zone = CentreTimeZone::find("Europe/London").value();

  const std::string text = render_suspension_notice(suspension, "Amara Okafor", zone, NoticeFormat::text);
  EXPECT_NE(text.find("Name: Amara Okafor"), std::string::npos);
  EXPECT_NE(text.find("abusive_behaviour_on_call"), std::string::npos);
  EXPECT_NE(text.find("2026-03-05 09:00 (Europe/London)"), std::string::npos) << text;
  EXPECT_NE(text.find("legal calls by phone from the wing"), std::string::npos);
  EXPECT_NE(text.find("appeal"), std::string::npos);

  const std::string html = render_suspension_notice(suspension, "Amara Okafor", zone, NoticeFormat::html);
  EXPECT_NE(html.find("said &lt;&quot;nothing&quot;&gt; &amp; left"), std::string::npos) << html;
  EXPECT_EQ(html.find("<\"nothing\">"), std::string::npos);
}

TEST_P(SuspensionTest, AppealHour47OnTime) {
  auto suspension = suspensions().suspend(request(std::chrono::days{5})).value();
  const int64_t appeal = appeals().lodge(suspension.id, "I was not shouting", false).value().id;
  EXPECT_TRUE(appeals().overdue(clock.now() + std::chrono::hours{47}).empty());
  clock.advance(std::chrono::hours{47});
  auto decided = appeals().decide(appeal, "Deputy Manager Osei", "upheld");
  ASSERT_TRUE(decided.ok());
  EXPECT_TRUE(decided.value().decided_in_time());
}

TEST_P(SuspensionTest, AppealHour49Overdue) {
  auto suspension = suspensions().suspend(request(std::chrono::days{5})).value();
  const int64_t appeal = appeals().lodge(suspension.id, "I was not shouting", false).value().id;
  auto overdue = appeals().overdue(clock.now() + std::chrono::hours{49});
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].id, appeal);
  clock.advance(std::chrono::hours{49});
  auto decided = appeals().decide(appeal, "Deputy Manager Osei", "upheld");
  ASSERT_TRUE(decided.ok());
  EXPECT_FALSE(decided.value().decided_in_time());
  EXPECT_TRUE(appeals().overdue(clock.now()).empty());
}

TEST_P(SuspensionTest, ImminentRemovalHours11And13) {
  auto suspension = suspensions().suspend(request(std::chrono::days{5})).value();
  auto appeal = appeals().lodge(suspension.id, "removal on Friday", true).value();
  EXPECT_EQ(appeal.due_at - appeal.lodged_at, std::chrono::hours{12});
  EXPECT_TRUE(appeals().overdue(clock.now() + std::chrono::hours{11}).empty());
  EXPECT_EQ(appeals().overdue(clock.now() + std::chrono::hours{13}).size(), 1u);
}

TEST_P(SuspensionTest, SameManagerRefused) {
  auto suspension = suspensions().suspend(request(std::chrono::days{5})).value();
  const int64_t appeal = appeals().lodge(suspension.id, "unfair", false).value().id;
  auto same = appeals().decide(appeal, "Manager Hughes", "dismissed");
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.refusal().code, RefusalCode::same_manager);
  ASSERT_TRUE(appeals().decide(appeal, "Deputy Manager Osei", "dismissed").ok());
  EXPECT_EQ(appeals().decide(appeal, "Manager Khan", "upheld").refusal().code, RefusalCode::already_decided);
}

}  // namespace
}  // namespace sightline::policy

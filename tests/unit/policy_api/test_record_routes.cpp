// Routes for centres, detained individuals, recipients, interpreters,
// compacts and risk assessments: the happy path and validation errors.
#include <gtest/gtest.h>

#include "tests/unit/policy_api/api_fixture.h"

namespace sightline::policy::api {
namespace {

using RecordRoutesTest = ApiTest;

nlohmann::json daily_windows(const char* start, const char* end) {
  nlohmann::json windows = nlohmann::json::array();
  for (int weekday = 0; weekday < 7; ++weekday) windows.push_back({{"weekday", weekday}, {"start", start}, {"end", end}});
  return windows;
}

TEST_F(RecordRoutesTest, AdminAddsCentre) {
  const std::string admin = sign_in("admin");
  auto response = call("POST", "/api/centres", admin,
                       {{"name", "Brook House"}, {"time_zone", "Europe/London"}, {"windows", daily_windows("08:00", "20:00")}});
  ASSERT_EQ(response.status, 201) << response.body;
  const auto centres = json_of(call("GET", "/api/centres", admin))["centres"];
  ASSERT_EQ(centres.size(), 3u);
  // Sorted by name: Brook House, Colnbrook, Harmondsworth.
  EXPECT_EQ(centres[0]["name"], "Brook House");
  EXPECT_EQ(centres[0]["time_zone"], "Europe/London");
  ASSERT_EQ(centres[0]["windows"].size(), 7u);
  EXPECT_EQ(centres[0]["windows"][0], nlohmann::json({{"weekday", 0}, {"start", "08:00"}, {"end", "20:00"}}));
}

TEST_F(RecordRoutesTest, CentreValidation) {
  const std::string admin = sign_in("admin");
  auto response = call("POST", "/api/centres", admin, {{"name", "X"}, {"time_zone", "Mars/Olympus"}, {"windows", daily_windows("08:00", "20:00")}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json_of(response)["field"], "time_zone");
  response = call("POST", "/api/centres", admin, {{"name", "X"}, {"time_zone", "Europe/London"}, {"windows", daily_windows("8am", "20:00")}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json_of(response)["field"], "windows");
  // Six hours a day is below the 7-hour minimum.
  response = call("POST", "/api/centres", admin, {{"name", "X"}, {"time_zone", "Europe/London"}, {"windows", daily_windows("09:00", "15:00")}});
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(json_of(response)["code"], "availability_below_minimum");
  response = call("POST", "/api/centres", admin, {{"time_zone", "Europe/London"}, {"windows", daily_windows("08:00", "20:00")}});
  EXPECT_EQ(json_of(response)["field"], "name");
}

TEST_F(RecordRoutesTest, WindowEndingAtMidnight) {
  const std::string admin = sign_in("admin");
  auto refused = call("POST", "/api/centres", admin,
                      {{"name", "Brook House"}, {"time_zone", "Europe/London"}, {"windows", daily_windows("08:00", "23:59")}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(json_of(refused)["field"], "windows");
  const std::string message = json_of(refused)["error"];
  EXPECT_NE(message.find("the Sunday window ends at 23:59"), std::string::npos) << message;
  EXPECT_NE(message.find("ends at 24:00"), std::string::npos) << message;

  auto added = call("POST", "/api/centres", admin,
                    {{"name", "Brook House"}, {"time_zone", "Europe/London"}, {"windows", daily_windows("08:00", "24:00")}});
  EXPECT_EQ(added.status, 201) << added.body;
}

TEST_F(RecordRoutesTest, AddsAndShowsDetainedIndividual) {
  const std::string cookie = sign_in("dco.a");
  auto added = call("POST", "/api/detained-individuals", cookie,
                    {{"centre_reference", "HMD-0700"}, {"recorded_name", "Samir Aziz"}, {"log_name", "S. Aziz"}});
  ASSERT_EQ(added.status, 201) << added.body;
  const int64_t id = json_of(added)["id"];
  auto shown = json_of(call("GET", "/api/detained-individuals/" + std::to_string(id), cookie));
  EXPECT_EQ(shown["centre_id"], centre_a);
  EXPECT_EQ(shown["recorded_name"], "Samir Aziz");
  EXPECT_TRUE(shown["compact"].is_null());
  EXPECT_EQ(shown["has_risk_assessment"], false);
  EXPECT_EQ(shown["suspended_now"], false);
}

TEST_F(RecordRoutesTest, DetainedIndividualValidation) {
  const std::string cookie = sign_in("dco.a");
  auto response = call("POST", "/api/detained-individuals", cookie, {{"centre_reference", "HMD-0701"}, {"log_name", "S. Aziz"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json_of(response)["field"], "recorded_name");
  response = call("POST", "/api/detained-individuals", cookie,
                  {{"centre_reference", "HMD-0412"}, {"recorded_name", "Other"}, {"log_name", "Other"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json_of(response)["field"], "centre_reference");
  EXPECT_EQ(call("GET", "/api/detained-individuals/abc", cookie).status, 404);
  EXPECT_EQ(call("GET", "/api/detained-individuals/999", cookie).status, 404);
}

TEST_F(RecordRoutesTest, AddsLegalAdviserWithSection84Details) {
  const std::string cookie = sign_in("dco.a");
  const std::string path = "/api/detained-individuals/" + std::to_string(person_a) + "/recipients";
  auto added = call("POST", path, cookie,
                    {{"kind", "legal"}, {"full_name", "Ruth Mensah"}, {"contact", "+44 20 7946 0000"},
                     {"firm", "Mensah Immigration Law"}, {"qualification", "OISC level 3"}});
  ASSERT_EQ(added.status, 201) << added.body;
  auto shown = json_of(call("GET", "/api/detained-individuals/" + std::to_string(person_a), cookie));
  ASSERT_EQ(shown["recipients"].size(), 2u);
  EXPECT_EQ(shown["recipients"][1]["firm"], "Mensah Immigration Law");
  EXPECT_EQ(shown["recipients"][1]["review_status"], "not_reviewed");
  EXPECT_EQ(shown["recipients"][0]["review_status"], "approved");
}

TEST_F(RecordRoutesTest, RecipientValidation) {
  const std::string cookie = sign_in("dco.a");
  const std::string path = "/api/detained-individuals/" + std::to_string(person_a) + "/recipients";
  auto response = call("POST", path, cookie, {{"kind", "legal"}, {"full_name", "R"}, {"contact", "c"}, {"qualification", "OISC"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json_of(response)["field"], "firm");
  response = call("POST", path, cookie, {{"kind", "cousin"}, {"full_name", "R"}, {"contact", "c"}});
  EXPECT_EQ(json_of(response)["field"], "kind");
  response = call("POST", path, cookie, {{"kind", "social"}, {"full_name", "R"}, {"contact", "c"}});
  EXPECT_EQ(json_of(response)["field"], "relationship");
}

TEST_F(RecordRoutesTest, AddsAndListsInterpreters) {
  const std::string cookie = sign_in("dco.a");
  auto response = call("POST", "/api/interpreters", cookie, {{"full_name", "Ana Silva"}, {"languages", "BSL, Portuguese"}});
  ASSERT_EQ(response.status, 201) << response.body;
  auto listed = json_of(call("GET", "/api/interpreters", cookie));
  ASSERT_EQ(listed["interpreters"].size(), 1u);
  EXPECT_EQ(listed["interpreters"][0]["languages"], "BSL, Portuguese");
  EXPECT_EQ(json_of(call("POST", "/api/interpreters", cookie, {{"full_name", "Ana Silva"}}))["field"], "languages");
}

TEST_F(RecordRoutesTest, RecordsCompact) {
  const std::string cookie = sign_in("dco.a");
  const std::string path = "/api/detained-individuals/" + std::to_string(person_a) + "/compact";
  auto response = call("POST", path, cookie,
                       {{"signed_on", "2026-03-02"}, {"language", "Igbo"}, {"interpreted", true}, {"witnessing_officer", "DCO Patel"}});
  ASSERT_EQ(response.status, 201) << response.body;
  auto shown = json_of(call("GET", "/api/detained-individuals/" + std::to_string(person_a), cookie));
  EXPECT_EQ(shown["compact"]["language"], "Igbo");
  EXPECT_EQ(shown["compact"]["interpreted"], true);
  EXPECT_EQ(audit_count("compact_recorded"), 1);
}

TEST_F(RecordRoutesTest, CompactValidation) {
  const std::string cookie = sign_in("dco.a");
  const std::string path = "/api/detained-individuals/" + std::to_string(person_a) + "/compact";
  auto response = call("POST", path, cookie, {{"signed_on", "2026-03-03"}, {"language", "Igbo"}, {"witnessing_officer", "P"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json_of(response)["field"], "signed_on");
  response = call("POST", path, cookie, {{"signed_on", "2026-02-30"}, {"language", "Igbo"}, {"witnessing_officer", "P"}});
  EXPECT_EQ(json_of(response)["field"], "signed_on");
  response = call("POST", path, cookie, {{"signed_on", "2026-03-01"}, {"language", "Igbo"}, {"witnessing_officer", "P"}, {"interpreted", "yes"}});
  EXPECT_EQ(json_of(response)["field"], "interpreted");
  response = call("POST", path, cookie, {{"signed_on", "2026-03-01"}, {"witnessing_officer", "P"}});
  EXPECT_EQ(json_of(response)["field"], "language");
}

TEST_F(RecordRoutesTest, RiskAssessmentApprovesRecipients) {
  const int64_t friend_id = Records(*store, clock).add_caller(person_a, "Tom Reed", "friend", "tom@example.org").value();
  const std::string cookie = sign_in("security.a");
  const std::string path = "/api/detained-individuals/" + std::to_string(person_a) + "/risk-assessment";
  auto response = call("POST", path, cookie,
                       {{"review_date", "2026-09-01"},
                        {"approved_recipients", {{{"recipient_id", friend_id}, {"restrictions", "no contact with children"}}}}});
  ASSERT_EQ(response.status, 201) << response.body;
  auto review = RiskAssessments(*store, clock).review(friend_id);
  EXPECT_EQ(review.status, RecipientStatus::approved);
  EXPECT_EQ(review.reviewed_by, "security.a");
  EXPECT_EQ(review.restrictions, "no contact with children");
}

TEST_F(RecordRoutesTest, RiskAssessmentValidation) {
  const std::string cookie = sign_in("security.a");
  const std::string path = "/api/detained-individuals/" + std::to_string(person_a) + "/risk-assessment";
  EXPECT_EQ(json_of(call("POST", path, cookie, {{"review_date", "soon"}}))["field"], "review_date");
  // A recipient of someone else is refused, and nothing is recorded.
  const auto before = store->query("SELECT COUNT(*) FROM risk_assessments").at(0).integer(0);
  auto response = call("POST", path, cookie, {{"review_date", "2026-09-01"}, {"approved_recipients", {{{"recipient_id", caller_b}}}}});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM risk_assessments").at(0).integer(0), before);
  EXPECT_EQ(call("POST", path, sign_in("dco.a"), {{"review_date", "2026-09-01"}}).status, 403);
}

}  // namespace
}  // namespace sightline::policy::api

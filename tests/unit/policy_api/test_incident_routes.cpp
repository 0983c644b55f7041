// Incident reports for the security team (list, mark reviewed, CSV export)
// and the admin pages served from the web/admin folder.
#include <gtest/gtest.h>

#include "tests/unit/policy_api/api_fixture.h"

namespace sightline::policy::api {
namespace {

class IncidentRoutesTest : public ApiTest {
 protected:
  // A short-notice request, which is refused and reported.
  int64_t refused_booking_report() {
    EXPECT_EQ(call("POST", "/api/bookings", sign_in("dco.a"),
                   {{"detained_individual_id", person_a}, {"recipient_id", caller_a}, {"terminal", "terminal-1"},
                    {"slot_start", "2026-03-02T12:00:00Z"}}).status, 422);
    return store->query("SELECT id FROM incident_reports ORDER BY id DESC LIMIT 1").at(0).integer(0);
  }
};

TEST_F(IncidentRoutesTest, SecurityListsAndMarksReviewed) {
  const int64_t id = refused_booking_report();
  const std::string security = sign_in("security.a");
  auto listed = json_of(call("GET", "/api/incident-reports", security));
  ASSERT_EQ(listed["incident_reports"].size(), 1u);
  EXPECT_EQ(listed["incident_reports"][0]["kind"], "short_notice");
  EXPECT_EQ(listed["incident_reports"][0]["reviewed_by"], "");

  const std::string path = "/api/incident-reports/" + std::to_string(id) + "/review";
  ASSERT_EQ(call("POST", path, security, nlohmann::json::object()).status, 200);
  EXPECT_EQ(json_of(call("GET", "/api/incident-reports", security))["incident_reports"][0]["reviewed_by"], "security.a");
  EXPECT_EQ(call("POST", path, security, nlohmann::json::object()).status, 409);
  EXPECT_EQ(call("POST", "/api/incident-reports/999/review", security, nlohmann::json::object()).status, 404);
  EXPECT_EQ(call("POST", path, sign_in("manager.a"), nlohmann::json::object()).status, 403);
}

TEST_F(IncidentRoutesTest, ExportsCsv) {
  refused_booking_report();
  auto csv = call("GET", "/api/incident-reports.csv", sign_in("security.a"));
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_TRUE(csv.body.starts_with("id,centre_id,detained_individual_id,booking_id,kind,reason,"));
  EXPECT_NE(csv.body.find(",\"short_notice\",\"requested "), std::string::npos) << csv.body;
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 2);
  EXPECT_EQ(audit_count("incident_reports_exported"), 1);
}

TEST_F(IncidentRoutesTest, ServesAdminPages) {
  auto index = api->handle(request("GET", "/admin/", nullptr, ""), clock.now());
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("<form"), std::string::npos);
  auto script = api->handle(request("GET", "/admin/admin.js", nullptr, ""), clock.now());
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
}

TEST_F(IncidentRoutesTest, RefusesPathTraversal) {
  for (const char* path : {"/admin/../CMakeLists.txt", "/admin/../../etc/passwd", "/admin/.hidden", "/admin//etc/passwd",
                           "/admin/x/../../CMakeLists.txt", "/admin/missing.html"}) {
    auto response = api->handle(request("GET", path, nullptr, ""), clock.now());
    ASSERT_TRUE(response.has_value()) << path;
    EXPECT_EQ(response->status, 404) << path;
  }
  auto post = request("POST", "/admin/index.html", nlohmann::json::object(), "");
  EXPECT_EQ(api->handle(post, clock.now())->status, 405);
}

}  // namespace
}  // namespace sightline::policy::api

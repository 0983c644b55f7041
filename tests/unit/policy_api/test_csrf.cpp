// Cross-site request forgery: mutations need a JSON body type and, when the
// browser sends an Origin, one that matches the Host or a configured origin.
#include <gtest/gtest.h>

#include "tests/unit/policy_api/api_fixture.h"

namespace sightline::policy::api {
namespace {

using CsrfTest = ApiTest;

const nlohmann::json kPerson = {{"centre_reference", "HMD-0600"}, {"recorded_name", "Omar Said"}, {"log_name", "O. Said"}};

TEST_F(CsrfTest, RejectsFormContentType) {
  auto info = request("POST", "/api/detained-individuals", kPerson, sign_in("dco.a"));
  info.content_type = "application/x-www-form-urlencoded";
  EXPECT_EQ(send(info).status, 415);
  info.content_type = "text/plain";
  EXPECT_EQ(send(info).status, 415);
  info.content_type = "application/json; charset=utf-8";
  EXPECT_EQ(send(info).status, 201);
}

TEST_F(CsrfTest, RejectsForeignOrigin) {
  auto info = request("POST", "/api/detained-individuals", kPerson, sign_in("dco.a"));
  info.origin = "https://evil.example";
  EXPECT_EQ(send(info).status, 403);
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM detained_individuals").at(0).integer(0), 2);
}

TEST_F(CsrfTest, AcceptsOriginMatchingHost) {
  auto info = request("POST", "/api/detained-individuals", kPerson, sign_in("dco.a"));
  info.origin = "https://127.0.0.1:8443";
  info.host = "127.0.0.1:8443";
  EXPECT_EQ(send(info).status, 201);
}

TEST_F(CsrfTest, AcceptsMissingOrigin) {
  auto info = request("POST", "/api/detained-individuals", kPerson, sign_in("dco.a"));
  info.origin.clear();
  EXPECT_EQ(send(info).status, 201);
}

TEST_F(CsrfTest, ChecksSignInToo) {
  auto info = request("POST", "/api/session", {{"username", "dco.a"}, {"password", kPassword}}, "");
  info.origin = "https://evil.example";
  EXPECT_EQ(send(info).status, 403);
  info.origin = kOrigin;
  info.content_type = "text/plain";
  EXPECT_EQ(send(info).status, 415);
}

TEST_F(CsrfTest, RejectsBodyThatIsNotObject) {
  auto info = request("POST", "/api/detained-individuals", nullptr, sign_in("dco.a"));
  info.body = "[1, 2]";
  EXPECT_EQ(send(info).status, 400);
  info.body = "{not json";
  EXPECT_EQ(send(info).status, 400);
}

TEST_F(CsrfTest, IgnoresOtherPaths) {
  EXPECT_FALSE(api->handle(request("GET", "/health", nullptr, ""), clock.now()).has_value());
  EXPECT_FALSE(api->handle(request("GET", "/apiary", nullptr, ""), clock.now()).has_value());
}

}  // namespace
}  // namespace sightline::policy::api

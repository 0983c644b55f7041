// Sign-in, the session cookie, sliding and absolute expiry, sign-out, and
// the rate limit on failed attempts.
#include <gtest/gtest.h>

#include "tests/unit/policy_api/api_fixture.h"

namespace sightline::policy::api {
namespace {

using SignInTest = ApiTest;

std::string header(const control::HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST_F(SignInTest, SetsSecureSessionCookie) {
  auto response = call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", kPassword}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json_of(response)["role"], "dco");
  EXPECT_EQ(json_of(response)["centre_id"], centre_a);
  const std::string cookie = header(response, "Set-Cookie");
  EXPECT_TRUE(cookie.starts_with("sightline_session=")) << cookie;
  // 256 bits as 64 hex digits.
  EXPECT_EQ(cookie.find(';'), std::string("sightline_session=").size() + 64) << cookie;
  for (const char* attribute : {"; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/"}) {
    EXPECT_NE(cookie.find(attribute), std::string::npos) << attribute;
  }
}

TEST_F(SignInTest, StoresOnlyTheSessionHash) {
  const std::string cookie = sign_in("dco.a");
  const std::string session_id = cookie.substr(cookie.find('=') + 1);
  auto rows = store->query("SELECT id_hash FROM staff_sessions");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0].text(0), session_id);
  EXPECT_EQ(rows[0].text(0).size(), 64u);
}

TEST_F(SignInTest, RejectsWrongPasswordAndAudits) {
  auto response = call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", "wrong password!"}});
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(json_of(response)["field"], "password");
  EXPECT_EQ(audit_count("sign_in_failed"), 1);
  EXPECT_EQ(call("GET", "/api/me", "").status, 401);
}

TEST_F(SignInTest, RequiresUsernameAndPassword) {
  auto response = call("POST", "/api/session", "", {{"password", kPassword}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json_of(response)["field"], "username");
  response = call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", 12}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json_of(response)["field"], "password");
}

TEST_F(SignInTest, ThrottlesAfterFiveFailures) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", "wrong password!"}}).status, 401);
  }
  // The right password is refused too while the limit holds.
  auto refused = call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", kPassword}});
  EXPECT_EQ(refused.status, 429);
  EXPECT_NE(json_of(refused)["error"].get<std::string>().find("try again in 15 minutes"), std::string::npos)
      << refused.body;
  EXPECT_EQ(header(refused, "Retry-After"), "900");
  EXPECT_EQ(audit_count("sign_in_throttled"), 1);

  clock.advance(std::chrono::minutes(15) - std::chrono::seconds(1));
  EXPECT_EQ(call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", kPassword}}).status, 429);
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", kPassword}}).status, 200);
}

TEST_F(SignInTest, PasswordResetLiftsLockout) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", "wrong password!"}}).status, 401);
  }
  ASSERT_EQ(call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", kPassword}}).status, 429);

  // `sightline user reset-password` writes the store through its own
  // StaffAccounts, as another process would.
  clock.advance(std::chrono::minutes(2));
  StaffAccounts command_line(*store, PasswordHashLimits::minimum());
  ASSERT_TRUE(command_line.reset_password("dco.a", "a new long passphrase", clock.now()).ok());
  clock.advance(std::chrono::seconds(30));
  auto response = call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", "a new long passphrase"}});
  EXPECT_EQ(response.status, 200) << response.body;
}

TEST_F(SignInTest, FailuresAfterResetStillCount) {
  StaffAccounts command_line(*store, PasswordHashLimits::minimum());
  ASSERT_TRUE(command_line.reset_password("dco.a", "a new long passphrase", clock.now()).ok());
  clock.advance(std::chrono::seconds(1));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", "wrong password!"}}).status, 401);
  }
  auto response = call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", "a new long passphrase"}});
  EXPECT_EQ(response.status, 429) << response.body;
}

TEST_F(SignInTest, EnablingAccountLiftsLockout) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", "wrong password!"}}).status, 401);
  }
  StaffAccounts command_line(*store, PasswordHashLimits::minimum());
  ASSERT_TRUE(command_line.disable("dco.a").ok());
  clock.advance(std::chrono::minutes(1));
  ASSERT_TRUE(command_line.enable("dco.a", clock.now()).ok());
  auto response = call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", kPassword}});
  EXPECT_EQ(response.status, 200) << response.body;
}

TEST_F(SignInTest, PasswordResetKeepsAddressLimit) {
  // 20 failures from one address, each with another username.
  for (int i = 0; i < 20; ++i) {
    const std::string guessed = "guess" + std::to_string(i);
    EXPECT_EQ(call("POST", "/api/session", "", {{"username", guessed}, {"password", "wrong password!"}}).status, 401);
  }
  clock.advance(std::chrono::minutes(1));
  StaffAccounts command_line(*store, PasswordHashLimits::minimum());
  ASSERT_TRUE(command_line.reset_password("dco.a", "a new long passphrase", clock.now()).ok());
  auto response = call("POST", "/api/session", "", {{"username", "dco.a"}, {"password", "a new long passphrase"}});
  EXPECT_EQ(response.status, 429) << response.body;
}

TEST_F(SignInTest, ThrottlesOneAddressAcrossUsernames) {
  SignInThrottle throttle;
  for (int i = 0; i < 20; ++i) throttle.record_failure("user" + std::to_string(i), "192.0.2.7", clock.now());
  EXPECT_GT(throttle.retry_after("another", "192.0.2.7", clock.now()).count(), 0);
  EXPECT_EQ(throttle.retry_after("another", "192.0.2.8", clock.now()).count(), 0);
}

TEST_F(SignInTest, StripsPortFromAddress) {
  EXPECT_EQ(address_without_port("127.0.0.1:50000"), "127.0.0.1");
  EXPECT_EQ(address_without_port("[::1]:50000"), "::1");
}

TEST_F(SignInTest, IdleSessionExpiresAfterTwelveHours) {
  const std::string cookie = sign_in("dco.a");
  clock.advance(std::chrono::hours(11));
  EXPECT_EQ(call("GET", "/api/me", cookie).status, 200);
  // Use extends the idle expiry.
  clock.advance(std::chrono::hours(11));
  EXPECT_EQ(call("GET", "/api/me", cookie).status, 200);
  clock.advance(std::chrono::hours(12));
  EXPECT_EQ(call("GET", "/api/me", cookie).status, 401);
}

TEST_F(SignInTest, SessionEndsAfterTwentyFourHours) {
  const std::string cookie = sign_in("dco.a");
  for (int hour = 0; hour < 23; ++hour) {
    clock.advance(std::chrono::hours(1));
    ASSERT_EQ(call("GET", "/api/me", cookie).status, 200) << hour;
  }
  clock.advance(std::chrono::hours(1));
  EXPECT_EQ(call("GET", "/api/me", cookie).status, 401);
}

TEST_F(SignInTest, SignOutEndsSession) {
  const std::string cookie = sign_in("dco.a");
  auto response = call("DELETE", "/api/session", cookie);
  EXPECT_EQ(response.status, 204);
  EXPECT_NE(header(response, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/me", cookie).status, 401);
  EXPECT_EQ(audit_count("sign_out"), 1);
}

TEST_F(SignInTest, ReadsCookieAmongOthers) {
  EXPECT_EQ(cookie_value("a=1; sightline_session=abc; b=2", kSessionCookieName), "abc");
  EXPECT_EQ(cookie_value("xsightline_session=abc", kSessionCookieName), "");
  EXPECT_EQ(cookie_value("", kSessionCookieName), "");
}

}  // namespace
}  // namespace sightline::policy::api

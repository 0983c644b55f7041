// Staff accounts: Argon2id hashes, validation, disabling and password resets.
#include <gtest/gtest.h>

#include "tests/unit/policy_api/api_fixture.h"

namespace sightline::policy::api {
namespace {

using StaffAccountsTest = ApiTest;

TEST_F(StaffAccountsTest, StoresArgon2idHashNotPassword) {
  auto rows = store->query("SELECT password_hash FROM staff_accounts WHERE username = 'dco.a'");
  const std::string hash = rows.at(0).text(0);
  EXPECT_TRUE(hash.starts_with("$argon2id$")) << hash;
  EXPECT_EQ(hash.find(kPassword), std::string::npos);
}

TEST_F(StaffAccountsTest, VerifiesOnlyTheRightPassword) {
  auto account = api->accounts().verify("dco.a", kPassword);
  ASSERT_TRUE(account.has_value());
  EXPECT_EQ(account->role, StaffRole::dco);
  EXPECT_EQ(account->centre_id, centre_a);
  EXPECT_FALSE(api->accounts().verify("dco.a", "correct horse batterY").has_value());
  EXPECT_FALSE(api->accounts().verify("nobody", kPassword).has_value());
}

TEST_F(StaffAccountsTest, RejectsInvalidAccounts) {
  StaffAccounts& accounts = api->accounts();
  EXPECT_EQ(accounts.add("", StaffRole::dco, centre_a, kPassword, clock.now()).refusal().code, RefusalCode::invalid_input);
  EXPECT_EQ(accounts.add("x", StaffRole::dco, std::nullopt, kPassword, clock.now()).refusal().code, RefusalCode::invalid_input);
  EXPECT_EQ(accounts.add("x", StaffRole::dco, 999, kPassword, clock.now()).refusal().code, RefusalCode::not_found);
  EXPECT_EQ(accounts.add("x", StaffRole::admin, centre_a, kPassword, clock.now()).refusal().code, RefusalCode::invalid_input);
  EXPECT_EQ(accounts.add("x", StaffRole::dco, centre_a, "short", clock.now()).refusal().code, RefusalCode::invalid_input);
  EXPECT_EQ(accounts.add("dco.a", StaffRole::dco, centre_a, kPassword, clock.now()).refusal().code, RefusalCode::invalid_input);
}

TEST_F(StaffAccountsTest, ParsesEveryRole) {
  for (const char* name : {"dco", "security", "manager", "compliance", "admin"}) {
    auto role = parse_staff_role(name);
    ASSERT_TRUE(role.has_value()) << name;
    EXPECT_EQ(to_string(*role), name);
  }
  EXPECT_FALSE(parse_staff_role("superuser").has_value());
  EXPECT_TRUE(sees_all_centres(StaffRole::compliance));
  EXPECT_FALSE(sees_all_centres(StaffRole::manager));
}

TEST_F(StaffAccountsTest, DisableEndsSessionsAndSignIn) {
  const std::string cookie = sign_in("dco.a");
  EXPECT_EQ(call("GET", "/api/me", cookie).status, 200);
  ASSERT_TRUE(api->accounts().disable("dco.a").ok());
  EXPECT_EQ(call("GET", "/api/me", cookie).status, 401);
  EXPECT_FALSE(api->accounts().verify("dco.a", kPassword).has_value());
  EXPECT_EQ(api->accounts().disable("nobody").refusal().code, RefusalCode::not_found);
}

TEST_F(StaffAccountsTest, ResetPasswordEndsSessions) {
  const std::string cookie = sign_in("dco.a");
  ASSERT_TRUE(api->accounts().reset_password("dco.a", "a new long passphrase", clock.now()).ok());
  EXPECT_EQ(call("GET", "/api/me", cookie).status, 401);
  EXPECT_FALSE(api->accounts().verify("dco.a", kPassword).has_value());
  EXPECT_TRUE(api->accounts().verify("dco.a", "a new long passphrase").has_value());
  EXPECT_EQ(api->accounts().reset_password("dco.a", "short", clock.now()).refusal().code, RefusalCode::invalid_input);
}

TEST_F(StaffAccountsTest, EnableRestoresSignIn) {
  ASSERT_TRUE(api->accounts().disable("dco.a").ok());
  EXPECT_FALSE(api->accounts().verify("dco.a", kPassword).has_value());
  clock.advance(std::chrono::minutes(1));
  ASSERT_TRUE(api->accounts().enable("dco.a", clock.now()).ok());
  EXPECT_TRUE(api->accounts().verify("dco.a", kPassword).has_value());
  EXPECT_EQ(api->accounts().lockout_cleared_at("dco.a"), clock.now());
  EXPECT_EQ(api->accounts().enable("nobody", clock.now()).refusal().code, RefusalCode::not_found);
}

}  // namespace
}  // namespace sightline::policy::api

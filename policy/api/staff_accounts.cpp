// Staff accounts with Argon2id password hashes (libsodium crypto_pwhash_str).
#include "policy/api/staff_accounts.h"

#include <sodium.h>

#include <array>
#include <stdexcept>

#include "relay/base/log.h"

namespace sightline::policy::api {
namespace {

constexpr std::array kRoles = {StaffRole::dco, StaffRole::security, StaffRole::manager, StaffRole::compliance,
                               StaffRole::admin};

StaffAccount account_from(const Row& row) {
  // Columns: id, username, role, centre_id, disabled.
  return StaffAccount{row.integer(0), row.text(1), parse_staff_role(row.text(2)).value_or(StaffRole::dco),
                      row.is_null(3) ? std::nullopt : std::optional<int64_t>(row.integer(3)), row.integer(4) == 1};
}

constexpr std::string_view kAccountColumns = "SELECT id, username, role, centre_id, disabled FROM staff_accounts ";

}  // namespace

std::string_view to_string(StaffRole role) {
  switch (role) {
    case StaffRole::dco: return "dco";
    case StaffRole::security: return "security";
    case StaffRole::manager: return "manager";
    case StaffRole::compliance: return "compliance";
    case StaffRole::admin: return "admin";
  }
  return "unknown";
}

std::optional<StaffRole> parse_staff_role(std::string_view text) {
  for (StaffRole role : kRoles) {
    if (text == to_string(role)) return role;
  }
  return std::nullopt;
}

bool sees_all_centres(StaffRole role) { return role == StaffRole::compliance || role == StaffRole::admin; }

PasswordHashLimits PasswordHashLimits::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordHashLimits PasswordHashLimits::minimum() { return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}; }

StaffAccounts::StaffAccounts(Store& store, PasswordHashLimits limits) : store_(store), limits_(limits) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  // A hash of random bytes, so that no password matches it.
  std::array<unsigned char, 32> random{};
  randombytes_buf(random.data(), random.size());
  dummy_hash_ = hash(std::string(reinterpret_cast<const char*>(random.data()), random.size())).value_or("");
}

std::optional<std::string> StaffAccounts::hash(const std::string& password) {
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), limits_.ops_limit,
                            limits_.memory_limit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    // Only when the machine cannot allocate memory_limit_bytes.
    log::error("staff", "password_hash_failed", {{"memory_limit_bytes", limits_.memory_limit_bytes}});
    return std::nullopt;
  }
  return std::string(out.data());
}

Result<int64_t> StaffAccounts::add(const std::string& username, StaffRole role, std::optional<int64_t> centre_id,
                                   const std::string& password, UtcTime now) {
  if (username.empty()) return Refusal{RefusalCode::invalid_input, "the username is missing"};
  if (sees_all_centres(role) && centre_id) {
    return Refusal{RefusalCode::invalid_input,
                   std::string(to_string(role)) + " accounts see every centre; leave the centre out"};
  }
  if (!sees_all_centres(role)) {
    if (!centre_id) return Refusal{RefusalCode::invalid_input, std::string(to_string(role)) + " accounts need a centre"};
    if (store_.query("SELECT 1 FROM centres WHERE id = ?", {*centre_id}).empty()) {
      return Refusal{RefusalCode::not_found, "centre " + std::to_string(*centre_id) + " not found"};
    }
  }
  if (password.size() < kMinimumPasswordLength) {
    return Refusal{RefusalCode::invalid_input,
                   "the password is too short; use at least " + std::to_string(kMinimumPasswordLength) + " characters"};
  }
  if (find(username)) return Refusal{RefusalCode::invalid_input, "username " + username + " is already taken"};

  auto hashed = hash(password);
  if (!hashed) throw StoreError("failed to hash the password: not enough memory");
  const int64_t id = store_.insert(
      "INSERT INTO staff_accounts (username, role, centre_id, password_hash, disabled, created_at, lockout_cleared_at) "
      "VALUES (?, ?, ?, ?, 0, ?, ?) RETURNING id",
      {username, std::string(to_string(role)), centre_id ? Value{*centre_id} : Value{}, *hashed, format_utc(now),
       format_utc(now)});
  log::info("staff", "account_added", {{"account_id", id}, {"role", to_string(role)}});
  return id;
}

std::vector<StaffAccount> StaffAccounts::list() {
  std::vector<StaffAccount> accounts;
  for (const Row& row : store_.query(std::string(kAccountColumns) + "ORDER BY username")) accounts.push_back(account_from(row));
  return accounts;
}

std::optional<StaffAccount> StaffAccounts::find(const std::string& username) {
  auto rows = store_.query(std::string(kAccountColumns) + "WHERE username = ?", {username});
  if (rows.empty()) return std::nullopt;
  return account_from(rows[0]);
}

std::optional<StaffAccount> StaffAccounts::find(int64_t id) {
  auto rows = store_.query(std::string(kAccountColumns) + "WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  return account_from(rows[0]);
}

Result<int64_t> StaffAccounts::disable(const std::string& username) {
  auto account = find(username);
  if (!account) return Refusal{RefusalCode::not_found, "staff account " + username + " not found"};
  Transaction transaction(store_);
  store_.execute("UPDATE staff_accounts SET disabled = 1 WHERE id = ?", {account->id});
  store_.execute("DELETE FROM staff_sessions WHERE account_id = ?", {account->id});
  transaction.commit();
  log::info("staff", "account_disabled", {{"account_id", account->id}});
  return account->id;
}

Result<int64_t> StaffAccounts::enable(const std::string& username, UtcTime now) {
  auto account = find(username);
  if (!account) return Refusal{RefusalCode::not_found, "staff account " + username + " not found"};
  store_.execute("UPDATE staff_accounts SET disabled = 0, lockout_cleared_at = ? WHERE id = ?",
                 {format_utc(now), account->id});
  log::info("staff", "account_enabled", {{"account_id", account->id}});
  return account->id;
}

Result<int64_t> StaffAccounts::reset_password(const std::string& username, const std::string& password,
                                              UtcTime now) {
  auto account = find(username);
  if (!account) return Refusal{RefusalCode::not_found, "staff account " + username + " not found"};
  if (password.size() < kMinimumPasswordLength) {
    return Refusal{RefusalCode::invalid_input,
                   "the password is too short; use at least " + std::to_string(kMinimumPasswordLength) + " characters"};
  }
  auto hashed = hash(password);
  if (!hashed) throw StoreError("failed to hash the password: not enough memory");
  Transaction transaction(store_);
  store_.execute("UPDATE staff_accounts SET password_hash = ?, lockout_cleared_at = ? WHERE id = ?",
                 {*hashed, format_utc(now), account->id});
  store_.execute("DELETE FROM staff_sessions WHERE account_id = ?", {account->id});
  transaction.commit();
  log::info("staff", "password_reset", {{"account_id", account->id}});
  return account->id;
}

std::optional<UtcTime> StaffAccounts::lockout_cleared_at(const std::string& username) {
  auto rows = store_.query("SELECT lockout_cleared_at FROM staff_accounts WHERE username = ?", {username});
  if (rows.empty() || rows[0].is_null(0)) return std::nullopt;
  return parse_utc(rows[0].text(0));
}

std::optional<StaffAccount> StaffAccounts::verify(const std::string& username, const std::string& password) {
  auto rows = store_.query("SELECT password_hash FROM staff_accounts WHERE username = ?", {username});
  const std::string& stored = rows.empty() ? dummy_hash_ : rows[0].text(0);
  const bool matches = crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
  if (rows.empty() || !matches) return std::nullopt;
  auto account = find(username);
  if (!account || account->disabled) return std::nullopt;
  return account;
}

}  // namespace sightline::policy::api

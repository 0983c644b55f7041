// sightline user: manages staff accounts from the command line (add, list,
// disable, enable, reset-password). The first admin account is created this way.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "policy/api/staff_accounts.h"
#include "policy/api/staff_audit_log.h"
#include "policy/store_factory.h"
#include "tools/cli/commands.h"

namespace sightline::cli {
namespace {

constexpr const char* kUserUsage =
    "usage: sightline user <action> --store URL [options]\n"
    "\n"
    "Manages staff accounts of the policy store.\n"
    "\n"
    "actions:\n"
    "  add             --username NAME --role ROLE [--centre ID] [--password-stdin]\n"
    "  list\n"
    "  disable         --username NAME   (also ends the account's sessions)\n"
    "  enable          --username NAME   (also lifts its sign-in lockout)\n"
    "  reset-password  --username NAME [--password-stdin]\n"
    "                  (also ends its sessions and lifts its sign-in lockout)\n"
    "\n"
    "options:\n"
    "  --store URL        the policy store: sqlite:/path/to/sightline.db or\n"
    "                     postgresql://user@host:5432/database\n"
    "  --username NAME    the staff account\n"
    "  --role ROLE        dco, security, manager, compliance or admin\n"
    "  --centre ID        the centre id of a dco, security or manager account\n"
    "  --password-stdin   read the password from the first line of standard input\n"
    "                     instead of prompting twice on the terminal\n";

struct UserOptions {
  std::string action;
  std::map<std::string, std::string> values;
  bool password_stdin = false;
};

// Returns an error message, or nothing when the arguments parse.
std::optional<std::string> parse_options(int argc, const char* const* argv, UserOptions& options) {
  if (argc < 2) return "missing action; use add, list, disable, enable or reset-password";
  options.action = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--password-stdin") {
      options.password_stdin = true;
    } else if (flag == "--store" || flag == "--username" || flag == "--role" || flag == "--centre") {
      if (i + 1 >= argc) return flag + " needs a value";
      options.values[flag.substr(2)] = argv[++i];
    } else {
      return "unknown option " + flag;
    }
  }
  return std::nullopt;
}

// The SQL dialect of the store, for the audit log's guard triggers.
policy::api::SqlDialect g_dialect = policy::api::SqlDialect::sqlite;

std::unique_ptr<policy::Store> open_policy_store(const std::string& url, std::string& error) {
  try {
    const auto location = policy::parse_store_url(url);
    g_dialect = location.kind == policy::StoreKind::postgresql ? policy::api::SqlDialect::postgresql
                                                               : policy::api::SqlDialect::sqlite;
    // The first admin is usually added before the first `serve`, so the
    // data directory may not exist yet.
    if (location.kind == policy::StoreKind::sqlite && location.target != ":memory:") {
      const std::filesystem::path parent = std::filesystem::path(location.target).parent_path();
      std::error_code ignored;
      if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
    }
    return policy::open_store(url);
  } catch (const policy::StoreError& failure) {
    error = failure.what();
    return nullptr;
  }
}

std::optional<std::string> read_password(bool from_stdin) {
  std::string password;
  if (from_stdin) {
    if (!std::getline(std::cin, password)) return std::nullopt;
    return password;
  }
  if (!isatty(STDIN_FILENO)) return std::nullopt;
  // Turn echo off while the password is typed.
  termios saved{};
  tcgetattr(STDIN_FILENO, &saved);
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string again;
  std::fprintf(stderr, "Password: ");
  const bool read_first = static_cast<bool>(std::getline(std::cin, password));
  std::fprintf(stderr, "\nRepeat password: ");
  const bool read_second = static_cast<bool>(std::getline(std::cin, again));
  std::fprintf(stderr, "\n");
  tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  if (!read_first || !read_second) return std::nullopt;
  if (password != again) {
    std::fprintf(stderr, "error: the two passwords differ\n");
    return std::nullopt;
  }
  return password;
}

void audit(policy::Store& store, const std::string& action, const std::string& username, const std::string& detail) {
  const char* operator_name = std::getenv("USER");
  policy::api::AuditEntry entry;
  entry.username = std::string("command line (") + (operator_name ? operator_name : "unknown user") + ")";
  entry.action = action;
  entry.target = "staff account " + username;
  entry.detail = detail;
  entry.created_at = policy::SystemClock().now();
  policy::api::StaffAuditLog(store, g_dialect).append(entry);
}

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return kExitFailure;
}

int add_user(policy::Store& store, const UserOptions& options) {
  const auto role = policy::api::parse_staff_role(options.values.count("role") ? options.values.at("role") : "");
  if (!role) return fail("--role must be dco, security, manager, compliance or admin");
  std::optional<int64_t> centre;
  if (options.values.count("centre")) {
    char* end = nullptr;
    const long long id = std::strtoll(options.values.at("centre").c_str(), &end, 10);
    if (*end != '\0' || id <= 0) return fail("--centre must be a centre id (a positive whole number)");
    centre = id;
  }
  auto password = read_password(options.password_stdin);
  if (!password) return fail("no password read; pipe it with --password-stdin or run on a terminal");

  policy::api::StaffAccounts accounts(store);
  const std::string& username = options.values.at("username");
  auto added = accounts.add(username, *role, centre, *password, policy::SystemClock().now());
  if (!added.ok()) return fail(added.refusal().reason);
  audit(store, "account_added", username, std::string(to_string(*role)));
  std::printf("added %s account %s (id %lld)\n", std::string(to_string(*role)).c_str(), username.c_str(),
              static_cast<long long>(added.value()));
  return kExitOk;
}

int list_users(policy::Store& store) {
  std::printf("%-24s %-11s %-7s %s\n", "username", "role", "centre", "state");
  for (const auto& account : policy::api::StaffAccounts(store, policy::api::PasswordHashLimits::minimum()).list()) {
    std::printf("%-24s %-11s %-7s %s\n", account.username.c_str(), std::string(to_string(account.role)).c_str(),
                account.centre_id ? std::to_string(*account.centre_id).c_str() : "all",
                account.disabled ? "disabled" : "enabled");
  }
  return kExitOk;
}

int change_user(policy::Store& store, const UserOptions& options) {
  const std::string& username = options.values.at("username");
  if (options.action == "disable") {
    auto disabled = policy::api::StaffAccounts(store, policy::api::PasswordHashLimits::minimum()).disable(username);
    if (!disabled.ok()) return fail(disabled.refusal().reason);
    audit(store, "account_disabled", username, "sessions ended");
    std::printf("disabled %s and ended its sessions\n", username.c_str());
    return kExitOk;
  }
  if (options.action == "enable") {
    auto enabled = policy::api::StaffAccounts(store, policy::api::PasswordHashLimits::minimum())
                       .enable(username, policy::SystemClock().now());
    if (!enabled.ok()) return fail(enabled.refusal().reason);
    audit(store, "account_enabled", username, "sign-in lockout lifted");
    std::printf("enabled %s and lifted its sign-in lockout\n", username.c_str());
    return kExitOk;
  }
  auto password = read_password(options.password_stdin);
  if (!password) return fail("no password read; pipe it with --password-stdin or run on a terminal");
  auto reset = policy::api::StaffAccounts(store).reset_password(username, *password, policy::SystemClock().now());
  if (!reset.ok()) return fail(reset.refusal().reason);
  audit(store, "password_reset", username, "sessions ended, sign-in lockout lifted");
  std::printf("reset the password of %s, ended its sessions and lifted its sign-in lockout\n", username.c_str());
  return kExitOk;
}

}  // namespace

int run_user(int argc, const char* const* argv) {
  // --help anywhere, as in `sightline user add --help`.
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
      std::fputs(kUserUsage, stdout);
      return kExitOk;
    }
  }
  UserOptions options;
  if (auto error = parse_options(argc, argv, options)) {
    std::fprintf(stderr, "error: %s\n\n%s", error->c_str(), kUserUsage);
    return kExitUsage;
  }
  const bool known = options.action == "add" || options.action == "list" || options.action == "disable" ||
                     options.action == "enable" || options.action == "reset-password";
  if (!known) {
    std::fprintf(stderr, "error: unknown action \"%s\"\n\n%s", options.action.c_str(), kUserUsage);
    return kExitUsage;
  }
  if (!options.values.count("store")) {
    std::fprintf(stderr, "error: --store is missing, e.g. --store sqlite:/var/lib/sightline/sightline.db\n");
    return kExitUsage;
  }
  if (options.action != "list" && !options.values.count("username")) {
    std::fprintf(stderr, "error: --username is missing\n");
    return kExitUsage;
  }

  std::string error;
  auto store = open_policy_store(options.values.at("store"), error);
  if (!store) return fail(error);
  try {
    if (options.action == "add") return add_user(*store, options);
    if (options.action == "list") return list_users(*store);
    return change_user(*store, options);
  } catch (const policy::StoreError& failure) {
    return fail(failure.what());
  }
}

}  // namespace sightline::cli

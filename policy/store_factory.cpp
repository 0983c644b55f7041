// Store URL parsing and opening.
#include "policy/store_factory.h"

#include <cctype>

#include "policy/postgres_store.h"
#include "policy/sqlite_store.h"

namespace sightline::policy {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";
constexpr std::string_view kSqliteMemory = ":memory:";
constexpr std::string_view kUrlAuthorityPrefix = "//";
constexpr std::string_view kExpectedForms =
    "expected sqlite::memory:, sqlite:/path/to/policy.db, a file path, or postgresql://user@host:port/database";

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// The scheme of an RFC 3986 URI ("ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )"
// before ':'), or empty when `url` does not start with one.
std::string_view scheme_of(std::string_view url) {
  if (url.empty() || !std::isalpha(static_cast<unsigned char>(url[0]))) return {};
  for (size_t i = 1; i < url.size(); ++i) {
    const char c = url[i];
    if (c == ':') return url.substr(0, i);
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return {};
  }
  return {};
}

std::string lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

StoreLocation sqlite_location(std::string_view url) {
  std::string_view path = url.substr(kSqlitePrefix.size());
  // "sqlite:///var/lib/x.db" has an empty authority before the absolute path.
  if (starts_with(path, kUrlAuthorityPrefix)) path.remove_prefix(kUrlAuthorityPrefix.size());
  if (path.empty()) throw StoreError("store URL \"" + std::string(url) + "\" names no SQLite file; " + std::string(kExpectedForms));
  return {StoreKind::sqlite, std::string(path)};
}

}  // namespace

StoreLocation parse_store_url(const std::string& url) {
  if (url.empty()) throw StoreError("store URL is empty; " + std::string(kExpectedForms));

  const std::string scheme = lowercase(scheme_of(url));
  if (scheme.empty()) {
    // A libpq "host=... dbname=..." string would otherwise become a file name.
    if (url.find('=') != std::string::npos && url.find(' ') != std::string::npos) {
      throw StoreError("store URL looks like a libpq key=value string; write it as postgresql://user@host:port/database");
    }
    return {StoreKind::sqlite, url};
  }
  if (scheme == "sqlite") {
    if (url.substr(kSqlitePrefix.size()) == kSqliteMemory) return {StoreKind::sqlite, std::string(kSqliteMemory)};
    return sqlite_location(url);
  }
  if (scheme == "postgresql" || scheme == "postgres") {
    if (!starts_with(std::string_view(url).substr(scheme.size() + 1), kUrlAuthorityPrefix)) {
      throw StoreError("PostgreSQL store URL must start with " + scheme + "://; " + std::string(kExpectedForms));
    }
    return {StoreKind::postgresql, url};
  }
  // Not the URL itself: a postgres-like URL could hold a password.
  throw StoreError("unsupported store URL scheme \"" + scheme + ":\"; " + std::string(kExpectedForms) +
                   " (write ./name for a file whose name contains ':')");
}

std::unique_ptr<Store> open_store(const std::string& url) {
  const StoreLocation location = parse_store_url(url);
  if (location.kind == StoreKind::postgresql) return PostgresStore::open(location.target);
  return SqliteStore::open(location.target);
}

}  // namespace sightline::policy

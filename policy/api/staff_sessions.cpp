// Staff sessions stored by the hash of their id.
#include "policy/api/staff_sessions.h"

#include <sodium.h>

#include <array>

namespace sightline::policy::api {
namespace {

constexpr size_t kSessionIdBytes = 32;  // 256 bits from the system's CSPRNG
// Writing last_seen_at on every request would make every read a write; a
// minute of slack in the idle expiry costs nothing.
constexpr std::chrono::seconds kLastSeenGranularity{60};

std::string to_hex(const unsigned char* data, size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data, size);
  hex.pop_back();
  return hex;
}

std::string hash_id(const std::string& session_id) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(session_id.data()), session_id.size());
  return to_hex(digest.data(), digest.size());
}

}  // namespace

std::string StaffSessions::start(const StaffAccount& account, UtcTime now) {
  std::array<unsigned char, kSessionIdBytes> random{};
  randombytes_buf(random.data(), random.size());
  const std::string session_id = to_hex(random.data(), random.size());
  store_.execute("INSERT INTO staff_sessions (id_hash, account_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
                 {hash_id(session_id), account.id, format_utc(now), format_utc(now)});
  return session_id;
}

std::optional<StaffSession> StaffSessions::resume(const std::string& session_id, UtcTime now) {
  if (session_id.size() != kSessionIdBytes * 2) return std::nullopt;
  const std::string id_hash = hash_id(session_id);
  auto rows = store_.query(
      "SELECT s.account_id, s.created_at, s.last_seen_at, a.disabled, a.username, a.role, a.centre_id FROM staff_sessions s "
      "JOIN staff_accounts a ON a.id = s.account_id WHERE s.id_hash = ?",
      {id_hash});
  if (rows.empty()) return std::nullopt;

  const Row& row = rows[0];
  const UtcTime created = parse_utc(row.text(1)).value_or(UtcTime{});
  const UtcTime last_seen = parse_utc(row.text(2)).value_or(UtcTime{});
  const bool expired = now - last_seen >= limits_.idle || now - created >= limits_.absolute;
  if (expired || row.integer(3) == 1) {
    store_.execute("DELETE FROM staff_sessions WHERE id_hash = ?", {id_hash});
    return std::nullopt;
  }
  if (now - last_seen >= kLastSeenGranularity) {
    store_.execute("UPDATE staff_sessions SET last_seen_at = ? WHERE id_hash = ?", {format_utc(now), id_hash});
  }
  auto role = parse_staff_role(row.text(5));
  if (!role) return std::nullopt;
  const StaffAccount account{row.integer(0), row.text(4), *role,
                             row.is_null(6) ? std::nullopt : std::optional<int64_t>(row.integer(6)), false};
  return StaffSession{id_hash, account, created};
}

void StaffSessions::end(const std::string& session_id) {
  store_.execute("DELETE FROM staff_sessions WHERE id_hash = ?", {hash_id(session_id)});
}

std::string StaffSessions::cookie_for(const std::string& session_id) const {
  // No Max-Age: the cookie lasts the browser session, and the server decides expiry.
  return std::string(kSessionCookieName) + "=" + session_id + "; Secure; HttpOnly; SameSite=Strict; Path=/";
}

std::string StaffSessions::clearing_cookie() {
  return std::string(kSessionCookieName) + "=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0";
}

std::string cookie_value(const std::string& cookie_header, std::string_view name) {
  size_t position = 0;
  while (position < cookie_header.size()) {
    size_t end = cookie_header.find(';', position);
    if (end == std::string::npos) end = cookie_header.size();
    std::string_view pair(cookie_header.data() + position, end - position);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name) return std::string(pair.substr(equals + 1));
    position = end + 1;
  }
  return "";
}

}  // namespace sightline::policy::api

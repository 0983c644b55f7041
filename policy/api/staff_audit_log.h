// The staff audit log: one append-only row per staff action (who, their role
// and centre, the action, its target, the call if any, a detail and when).
// Triggers in the database reject UPDATE and DELETE of its rows, and no code
// path changes or removes an entry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy::api {

enum class SqlDialect { sqlite, postgresql };

struct AuditEntry {
  int64_t id = 0;
  std::string username;  // the staff account, or the username tried at a failed sign-in
  std::string role;      // empty when no account was signed in
  std::optional<int64_t> centre_id;
  std::string action;  // e.g. "sign_in", "booking_requested", "access_refused"
  std::string target;  // e.g. "booking 12"
  std::string call_id;
  // Ids, codes and times only, never names or free text about a person,
  // because retention cannot delete append-only entries.
  std::string detail;
  UtcTime created_at{};
};

// The statements that make staff_audit_log append-only in one SQL dialect.
// SQLite: two BEFORE triggers that RAISE(ABORT). PostgreSQL: a plpgsql
// function raising an exception and BEFORE UPDATE OR DELETE and BEFORE
// TRUNCATE triggers (CREATE OR REPLACE TRIGGER needs PostgreSQL 14 or later).
// Each statement is idempotent, so the guard is installed at every start.
std::vector<std::string_view> audit_log_guard_sql(SqlDialect dialect);
void install_audit_log_guard(Store& store, SqlDialect dialect);

// Which entries StaffAuditLog::recent returns. Empty fields match every entry.
struct AuditFilter {
  std::optional<int64_t> centre_id;
  std::string action;   // exact action, e.g. "sign_in_failed"
  std::string call_id;  // exact call id, e.g. "booking-12"
};

class StaffAuditLog {
 public:
  // Installs the guard triggers if they are missing.
  StaffAuditLog(Store& store, SqlDialect dialect);

  int64_t append(const AuditEntry& entry);
  // At most `limit` matching entries, the newest first.
  std::vector<AuditEntry> recent(size_t limit, const AuditFilter& filter = {});

 private:
  Store& store_;
};

}  // namespace sightline::policy::api

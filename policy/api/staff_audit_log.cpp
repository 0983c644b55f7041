// The append-only staff audit log and its per-dialect guard triggers.
#include "policy/api/staff_audit_log.h"

namespace sightline::policy::api {
namespace {

constexpr std::string_view kSqliteNoUpdate =
    "CREATE TRIGGER IF NOT EXISTS staff_audit_log_no_update BEFORE UPDATE ON staff_audit_log "
    "BEGIN SELECT RAISE(ABORT, 'staff audit log entries cannot be changed'); END";
constexpr std::string_view kSqliteNoDelete =
    "CREATE TRIGGER IF NOT EXISTS staff_audit_log_no_delete BEFORE DELETE ON staff_audit_log "
    "BEGIN SELECT RAISE(ABORT, 'staff audit log entries cannot be deleted'); END";

constexpr std::string_view kPostgresFunction =
    "CREATE OR REPLACE FUNCTION staff_audit_log_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'staff audit log entries cannot be changed or deleted'; END $$";
constexpr std::string_view kPostgresRowTrigger =
    "CREATE OR REPLACE TRIGGER staff_audit_log_no_change BEFORE UPDATE OR DELETE ON staff_audit_log "
    "FOR EACH ROW EXECUTE FUNCTION staff_audit_log_reject_change()";
constexpr std::string_view kPostgresTruncateTrigger =
    "CREATE OR REPLACE TRIGGER staff_audit_log_no_truncate BEFORE TRUNCATE ON staff_audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION staff_audit_log_reject_change()";

}  // namespace

std::vector<std::string_view> audit_log_guard_sql(SqlDialect dialect) {
  if (dialect == SqlDialect::sqlite) return {kSqliteNoUpdate, kSqliteNoDelete};
  return {kPostgresFunction, kPostgresRowTrigger, kPostgresTruncateTrigger};
}

void install_audit_log_guard(Store& store, SqlDialect dialect) {
  for (std::string_view statement : audit_log_guard_sql(dialect)) store.execute(statement);
}

StaffAuditLog::StaffAuditLog(Store& store, SqlDialect dialect) : store_(store) {
  install_audit_log_guard(store_, dialect);
}

int64_t StaffAuditLog::append(const AuditEntry& entry) {
  return store_.insert(
      "INSERT INTO staff_audit_log (username, role, centre_id, action, target, call_id, detail, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {entry.username, entry.role, entry.centre_id ? Value{*entry.centre_id} : Value{}, entry.action, entry.target,
       entry.call_id.empty() ? Value{} : Value{entry.call_id}, entry.detail, format_utc(entry.created_at)});
}

std::vector<AuditEntry> StaffAuditLog::recent(size_t limit, const AuditFilter& filter) {
  // An empty action or call id matches every entry.
  const std::string select =
      "SELECT id, username, role, centre_id, action, target, call_id, detail, created_at FROM staff_audit_log "
      "WHERE (? = '' OR action = ?) AND (? = '' OR call_id = ?) ";
  const auto rows = filter.centre_id
      ? store_.query(select + "AND centre_id = ? ORDER BY id DESC LIMIT ?",
                     {filter.action, filter.action, filter.call_id, filter.call_id, *filter.centre_id,
                      static_cast<int64_t>(limit)})
      : store_.query(select + "ORDER BY id DESC LIMIT ?",
                     {filter.action, filter.action, filter.call_id, filter.call_id, static_cast<int64_t>(limit)});
  std::vector<AuditEntry> entries;
  for (const Row& row : rows) {
    entries.push_back({row.integer(0), row.text(1), row.text(2),
                       row.is_null(3) ? std::nullopt : std::optional<int64_t>(row.integer(3)), row.text(4),
                       row.text(5), row.is_null(6) ? "" : row.text(6), row.text(7),
                       parse_utc(row.text(8)).value_or(UtcTime{})});
  }
  return entries;
}

}  // namespace sightline::policy::api

// SQLite implementation of the policy store.
#include "policy/sqlite_store.h"

#include <sqlite3.h>

#include "policy/schema.h"
#include "relay/base/log.h"

namespace sightline::policy {
namespace {

// How long a writer waits for another connection's lock before failing.
constexpr int kBusyTimeoutMs = 5000;

}  // namespace

int64_t Row::integer(size_t column) const { return std::get<int64_t>(values.at(column)); }
const std::string& Row::text(size_t column) const { return std::get<std::string>(values.at(column)); }

std::unique_ptr<SqliteStore> SqliteStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw StoreError("failed to open policy database " + path + ": " + message);
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  store->run_script("PRAGMA foreign_keys = ON");
  // WAL lets readers continue while the control thread writes. An in-memory
  // database stays in "memory" journal mode because it has no file.
  store->query("PRAGMA journal_mode = WAL");
  store->apply_migrations();
  return store;
}

SqliteStore::~SqliteStore() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close(db_);
}

void SqliteStore::fail(std::string_view context) {
  throw StoreError(std::string(context) + ": " + sqlite3_errmsg(db_));
}

void SqliteStore::run_script(std::string_view sql) {
  // Only for fixed text (migrations, pragmas): never for values from users.
  const std::string script(sql);
  if (sqlite3_exec(db_, script.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail("script failed");
}

sqlite3_stmt* SqliteStore::prepare(std::string_view sql, Params params) {
  std::string key(sql);
  auto it = statements_.find(key);
  if (it == statements_.end()) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v3(db_, key.c_str(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT,
                           &statement, nullptr) != SQLITE_OK) {
      fail("failed to prepare \"" + key + "\"");
    }
    it = statements_.emplace(std::move(key), statement).first;
  }
  sqlite3_stmt* statement = it->second;
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(statement)) {
    throw StoreError("wrong parameter count for \"" + it->first + "\"");
  }
  int index = 1;
  for (const Value& value : params) {
    int rc = SQLITE_OK;
    if (auto* number = std::get_if<int64_t>(&value)) {
      rc = sqlite3_bind_int64(statement, index, *number);
    } else if (auto* text = std::get_if<std::string>(&value)) {
      rc = sqlite3_bind_text(statement, index, text->data(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
    } else {
      rc = sqlite3_bind_null(statement, index);
    }
    if (rc != SQLITE_OK) fail("failed to bind a parameter");
    ++index;
  }
  return statement;
}

std::vector<Row> SqliteStore::query(std::string_view sql, Params params) {
  sqlite3_stmt* statement = prepare(sql, params);
  std::vector<Row> rows;
  int rc;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    Row row;
    const int columns = sqlite3_column_count(statement);
    row.values.reserve(columns);
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(statement, c)) {
        case SQLITE_NULL:
          row.values.emplace_back(std::monostate{});
          break;
        case SQLITE_INTEGER:
          row.values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(statement, c)));
          break;
        default: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, c));
          row.values.emplace_back(std::string(text, sqlite3_column_bytes(statement, c)));
        }
      }
    }
    rows.push_back(std::move(row));
  }
  const bool ok = rc == SQLITE_DONE;
  if (!ok) fail("query failed");
  sqlite3_reset(statement);
  return rows;
}

void SqliteStore::execute(std::string_view sql, Params params) { query(sql, params); }

int64_t SqliteStore::insert(std::string_view sql, Params params) {
  auto rows = query(sql, params);
  if (rows.size() != 1) throw StoreError("insert returned no id: " + std::string(sql));
  return rows[0].integer(0);
}

void SqliteStore::begin() { execute("BEGIN IMMEDIATE"); }
void SqliteStore::commit() { execute("COMMIT"); }
void SqliteStore::rollback() { execute("ROLLBACK"); }

std::vector<std::string> SqliteStore::table_names() {
  std::vector<std::string> names;
  for (const Row& row : query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
    names.push_back(row.text(0));
  }
  return names;
}

std::vector<std::string> SqliteStore::column_names(std::string_view table) {
  std::vector<std::string> names;
  for (const Row& row : query("SELECT name FROM pragma_table_info(?) ORDER BY cid", {std::string(table)})) {
    names.push_back(row.text(0));
  }
  return names;
}

int SqliteStore::schema_version() {
  auto rows = query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return static_cast<int>(rows.at(0).integer(0));
}

std::string SqliteStore::journal_mode() { return query("PRAGMA journal_mode").at(0).text(0); }

void SqliteStore::apply_migrations() {
  run_script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)");
  const int current = schema_version();
  for (const Migration& migration : migrations()) {
    if (migration.version <= current) continue;
    Transaction transaction(*this);
    run_script(migration.sql);
    execute("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            {int64_t{migration.version}, std::string(migration.description)});
    transaction.commit();
    log::info("policy", "schema_migrated", {{"version", migration.version}});
  }
}

}  // namespace sightline::policy

// The SQLite policy store: one database file in WAL mode with foreign keys
// enforced, schema migrations applied at open, prepared statements cached.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "policy/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sightline::policy {

class SqliteStore final : public Store {
 public:
  // Opens or creates the file at `path` (":memory:" for a private in-memory
  // database) and applies any migration not yet recorded. Throws StoreError.
  static std::unique_ptr<SqliteStore> open(const std::string& path);
  ~SqliteStore() override;

  void execute(std::string_view sql, Params params = {}) override;
  std::vector<Row> query(std::string_view sql, Params params = {}) override;
  int64_t insert(std::string_view sql, Params params) override;
  void begin() override;
  void commit() override;
  void rollback() override;
  std::vector<std::string> table_names() override;
  std::vector<std::string> column_names(std::string_view table) override;
  int schema_version() override;

  // The journal mode SQLite reports ("wal" for a file database).
  std::string journal_mode();

 private:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  void apply_migrations();
  void run_script(std::string_view sql);
  sqlite3_stmt* prepare(std::string_view sql, Params params);
  [[noreturn]] void fail(std::string_view context);

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace sightline::policy

// The stores the policy tests run against: SQLite always, PostgreSQL when
// SIGHTLINE_TEST_POSTGRES contains a connection URL (scripts/postgres.sh prints
// one). Each PostgreSQL test gets a fresh schema of its own, so test
// executables can share one server and run in parallel.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "policy/store_factory.h"

namespace sightline::policy {

constexpr const char* kPostgresUrlVariable = "SIGHTLINE_TEST_POSTGRES";

inline std::string postgres_test_url() {
  const char* url = std::getenv(kPostgresUrlVariable);
  return url ? url : "";
}

// The stores to run each parameterised test on. Without a PostgreSQL URL the
// PostgreSQL cases are not registered at all and a note is printed once, so
// that a run cannot pass them silently.
inline std::vector<StoreKind> test_store_kinds() {
  if (!postgres_test_url().empty()) return {StoreKind::sqlite, StoreKind::postgresql};
  static bool printed = false;
  if (!printed) {
    std::printf("NOTE: PostgreSQL store tests were not run: %s is not set (run scripts/postgres.sh)\n", kPostgresUrlVariable);
    printed = true;
  }
  return {StoreKind::sqlite};
}

inline std::vector<StoreKind> postgres_only_kinds() {
  if (postgres_test_url().empty()) {
    test_store_kinds();  // prints the note
    return {};
  }
  return {StoreKind::postgresql};
}

inline std::string store_kind_name(const ::testing::TestParamInfo<StoreKind>& info) {
  return info.param == StoreKind::sqlite ? "sqlite" : "postgres";
}

// Runs one administrative statement on the test server; fails the test on error.
inline void run_admin_statement(const std::string& url, const std::string& sql) {
  PGconn* connection = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(connection) != CONNECTION_OK) {
    error = PQerrorMessage(connection);
  } else {
    // "schema ... does not exist, skipping" is expected.
    PQsetNoticeProcessor(connection, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(connection, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(connection);
  ASSERT_TRUE(error.empty()) << sql << ": " << error;
}

// An empty database for one test: an in-memory or temporary-file SQLite
// database, or a new PostgreSQL schema that the destructor drops.
class TestDatabase {
 public:
  enum class SqliteFile { memory, temporary };

  explicit TestDatabase(StoreKind kind, SqliteFile sqlite_file = SqliteFile::memory) : kind_(kind) {
    static int counter = 0;
    const std::string unique = std::to_string(::getpid()) + "_" + std::to_string(++counter);
    if (kind == StoreKind::sqlite) {
      if (sqlite_file == SqliteFile::memory) {
        url_ = "sqlite::memory:";
        return;
      }
      sqlite_path_ = std::filesystem::temp_directory_path() / ("sightline_policy_" + unique + ".db");
      std::filesystem::remove(sqlite_path_);
      url_ = "sqlite:" + sqlite_path_.string();
      return;
    }
    server_url_ = postgres_test_url();
    schema_ = "sightline_test_" + unique;
    run_admin_statement(server_url_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_);
    // libpq's "options" sends -c search_path=<schema> at connection start.
    url_ = server_url_ + (server_url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
  }

  ~TestDatabase() {
    if (!schema_.empty()) run_admin_statement(server_url_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    if (!sqlite_path_.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(sqlite_path_.string() + suffix);
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  StoreKind kind() const { return kind_; }
  const std::string& url() const { return url_; }
  std::unique_ptr<Store> open() const { return open_store(url_); }

 private:
  StoreKind kind_;
  std::string url_;
  std::string server_url_;
  std::string schema_;
  std::filesystem::path sqlite_path_;
};

// A test on an empty, migrated store of the parameter's kind.
class StoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    database = std::make_unique<TestDatabase>(GetParam());
    store = database->open();
  }

  bool on_postgres() const { return GetParam() == StoreKind::postgresql; }

  // Declared first, destroyed last: the store closes before its schema drops.
  std::unique_ptr<TestDatabase> database;
  std::unique_ptr<Store> store;
};

}  // namespace sightline::policy

// Runs every TEST_P of `suite` on each store in test_store_kinds().
#define SIGHTLINE_POLICY_STORES(suite)                                                                          \
  INSTANTIATE_TEST_SUITE_P(Store, suite, ::testing::ValuesIn(::sightline::policy::test_store_kinds()), \
                           ::sightline::policy::store_kind_name)

// The policy stores: parameters, values, constraints, transactions and
// migrations on SQLite and PostgreSQL alike, then what is particular to each.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>

#include "policy/postgres_store.h"
#include "policy/schema.h"
#include "policy/sqlite_store.h"
#include "policy/utc_time.h"
#include "test_database.h"

namespace sightline::policy {
namespace {

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

int64_t count_rows(Store& store, const std::string& table) {
  return store.query("SELECT COUNT(*) FROM " + table).at(0).integer(0);
}

// A store with a scratch table whose DDL both dialects accept as written.
class StoreContract : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store->execute("CREATE TABLE probe (id BIGINT PRIMARY KEY, number BIGINT, label TEXT)");
  }

  void insert_probe(int64_t id, Value number, Value label) {
    store->execute("INSERT INTO probe (id, number, label) VALUES (?, ?, ?)", {id, number, label});
  }
  Row probe(int64_t id) { return store->query("SELECT number, label FROM probe WHERE id = ?", {id}).at(0); }
};
SIGHTLINE_POLICY_STORES(StoreContract);

TEST_P(StoreContract, ParametersBindInOrder) {
  insert_probe(1, int64_t{10}, std::string("ten"));
  insert_probe(2, int64_t{20}, std::string("twenty"));
  auto rows = store->query("SELECT id FROM probe WHERE number = ? AND label = ?", {int64_t{20}, std::string("twenty")});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].integer(0), 2);
  EXPECT_TRUE(store->query("SELECT id FROM probe WHERE number = ? AND label = ?", {int64_t{20}, std::string("ten")}).empty());
}

TEST_P(StoreContract, CachedStatementRebinds) {
  for (int64_t id = 1; id <= 5; ++id) insert_probe(id, id * 100, "label " + std::to_string(id));
  for (int64_t id = 1; id <= 5; ++id) {
    const Row row = probe(id);
    EXPECT_EQ(row.integer(0), id * 100);
    EXPECT_EQ(row.text(1), "label " + std::to_string(id));
  }
}

TEST_P(StoreContract, NullRoundTrip) {
  insert_probe(1, Value{}, Value{});
  const Row row = probe(1);
  EXPECT_TRUE(row.is_null(0));
  EXPECT_TRUE(row.is_null(1));
  EXPECT_EQ(store->query("SELECT id FROM probe WHERE number IS NULL AND label IS NULL").size(), 1u);
}

TEST_P(StoreContract, EmptyTextIsNotNull) {
  insert_probe(1, int64_t{0}, std::string());
  const Row row = probe(1);
  ASSERT_FALSE(row.is_null(1));
  EXPECT_EQ(row.text(1), "");
  EXPECT_EQ(row.integer(0), 0);
}

TEST_P(StoreContract, Int64Extremes) {
  const int64_t extremes[] = {std::numeric_limits<int64_t>::min(), -1, 0, 1, std::numeric_limits<int64_t>::max()};
  int64_t id = 0;
  for (int64_t value : extremes) insert_probe(++id, value, Value{});
  id = 0;
  for (int64_t value : extremes) {
    EXPECT_EQ(probe(++id).integer(0), value);
    auto matched = store->query("SELECT id FROM probe WHERE number = ?", {value});
    ASSERT_EQ(matched.size(), 1u) << value;
    EXPECT_EQ(matched[0].integer(0), id);
  }
  EXPECT_EQ(store->query("SELECT MIN(number), MAX(number) FROM probe").at(0).integer(1), std::numeric_limits<int64_t>::max());
}

TEST_P(StoreContract, UnicodeTextRoundTrip) {
  const std::string names[] = {"Zoë Ó Briain", "Łukasz Wróbel", "محمد الأمين", "阮氏梅", "Ngozi 👩🏾‍⚖️ Eze"};
  int64_t id = 0;
  for (const std::string& name : names) insert_probe(++id, int64_t{0}, name);
  id = 0;
  for (const std::string& name : names) {
    EXPECT_EQ(probe(++id).text(1), name);
    EXPECT_EQ(store->query("SELECT id FROM probe WHERE label = ?", {name}).size(), 1u) << name;
  }
}

TEST_P(StoreContract, ParametersAreNotSql) {
  const std::string hostile = "x'); DROP TABLE centres; --";
  const int64_t id = store->insert("INSERT INTO centres (name, time_zone) VALUES (?, ?) RETURNING id",
                                   {hostile, std::string("Europe/London")});
  auto rows = store->query("SELECT name FROM centres WHERE id = ?", {id});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].text(0), hostile);
  EXPECT_EQ(store->query("SELECT name FROM centres WHERE name = '?'").size(), 0u);
}

TEST_P(StoreContract, WrongParameterCountRejected) {
  EXPECT_THROW(store->query("SELECT id FROM probe WHERE id = ?", {int64_t{1}, int64_t{2}}), StoreError);
  EXPECT_THROW(store->query("SELECT id FROM probe WHERE id = ?"), StoreError);
}

TEST_P(StoreContract, InsertReturnsNewIds) {
  const int64_t first = store->insert("INSERT INTO centres (name, time_zone) VALUES (?, ?) RETURNING id",
                                      {std::string("Brook House"), std::string("Europe/London")});
  const int64_t second = store->insert("INSERT INTO centres (name, time_zone) VALUES (?, ?) RETURNING id",
                                       {std::string("Tinsley House"), std::string("Europe/London")});
  EXPECT_GT(first, 0);
  EXPECT_GT(second, first);
}

TEST_P(StoreContract, UniqueViolationNamesConstraint) {
  const Params centre = {std::string("Yarl's Wood"), std::string("Europe/London")};
  store->execute("INSERT INTO centres (name, time_zone) VALUES (?, ?)", centre);
  try {
    store->execute("INSERT INTO centres (name, time_zone) VALUES (?, ?)", centre);
    FAIL() << "a duplicate centre name was stored";
  } catch (const StoreError& error) {
    const std::string message = lowercase(error.what());
    EXPECT_NE(message.find("unique"), std::string::npos) << message;
    // SQLite names the column, PostgreSQL the constraint.
    EXPECT_NE(message.find(on_postgres() ? "centres_name_key" : "centres.name"), std::string::npos) << message;
    // The value itself is personal data in most tables, so it stays out.
    EXPECT_EQ(message.find("yarl"), std::string::npos) << message;
  }
}

TEST_P(StoreContract, ForeignKeysEnforced) {
  try {
    store->execute("INSERT INTO detained_individuals (centre_id, centre_reference, recorded_name, log_name) "
                   "VALUES (?, ?, ?, ?)",
                   {int64_t{999}, std::string("R1"), std::string("N"), std::string("N")});
    FAIL() << "a detained individual was stored in a missing centre";
  } catch (const StoreError& error) {
    EXPECT_NE(lowercase(error.what()).find("foreign key"), std::string::npos) << error.what();
  }
  EXPECT_EQ(count_rows(*store, "detained_individuals"), 0);
}

TEST_P(StoreContract, CheckConstraintEnforced) {
  const int64_t centre = store->insert("INSERT INTO centres (name, time_zone) VALUES (?, ?) RETURNING id",
                                       {std::string("Colnbrook"), std::string("Europe/London")});
  EXPECT_THROW(store->execute("INSERT INTO opening_windows (centre_id, weekday, start_minute, end_minute) VALUES (?, ?, ?, ?)",
                              {centre, int64_t{7}, int64_t{480}, int64_t{1200}}),
               StoreError);
  EXPECT_EQ(count_rows(*store, "opening_windows"), 0);
}

TEST_P(StoreContract, CommitKeepsWrites) {
  {
    Transaction transaction(*store);
    insert_probe(1, int64_t{1}, std::string("kept"));
    transaction.commit();
  }
  EXPECT_EQ(count_rows(*store, "probe"), 1);
}

TEST_P(StoreContract, ExceptionRollsBack) {
  try {
    Transaction transaction(*store);
    insert_probe(1, int64_t{1}, std::string("discarded"));
    throw std::runtime_error("a rule failed after the first write");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(count_rows(*store, "probe"), 0);
  // The store is usable afterwards.
  insert_probe(2, int64_t{2}, std::string("after"));
  EXPECT_EQ(count_rows(*store, "probe"), 1);
}

TEST_P(StoreContract, FailedStatementRollsBack) {
  EXPECT_THROW(
      {
        Transaction transaction(*store);
        insert_probe(1, int64_t{1}, std::string("first"));
        insert_probe(1, int64_t{1}, std::string("duplicate id"));
        transaction.commit();
      },
      StoreError);
  EXPECT_EQ(count_rows(*store, "probe"), 0);
  insert_probe(1, int64_t{1}, std::string("retried"));
  EXPECT_EQ(probe(1).text(1), "retried");
}

TEST_P(StoreContract, SchemaVersionIsLatest) {
  EXPECT_EQ(store->schema_version(), migrations().back().version);
  EXPECT_EQ(count_rows(*store, "schema_migrations"), static_cast<int64_t>(migrations().size()));
}

TEST_P(StoreContract, TableNamesSorted) {
  const auto names = store->table_names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const char* table : {"bookings", "call_log", "centres", "probe", "schema_migrations"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), table), names.end()) << table;
  }
}

TEST_P(StoreContract, ColumnNamesInOrder) {
  const std::vector<std::string> expected = {"id", "detained_individual_id", "log_name", "started_at", "recipient_name",
                                             "duration_seconds"};
  EXPECT_EQ(store->column_names("call_log"), expected);
  EXPECT_TRUE(store->column_names("no_such_table").empty());
}

TEST_P(StoreContract, TextOrderIsBytewise) {
  // SQLite compares text with memcmp; PostgreSQL must not use a locale's order.
  for (const char* name : {"b", "B", "a", "é", "A"}) {
    store->execute("INSERT INTO centres (name, time_zone) VALUES (?, 'UTC')", {std::string(name)});
  }
  std::vector<std::string> names;
  for (const Row& row : store->query("SELECT name FROM centres ORDER BY name")) names.push_back(row.text(0));
  EXPECT_EQ(names, (std::vector<std::string>{"A", "B", "a", "b", "é"}));
  EXPECT_EQ(store->query("SELECT name FROM centres WHERE name < ?", {std::string("a")}).size(), 2u);
}

// Opening the same database twice, as a restart does.
class StoreReopen : public ::testing::TestWithParam<StoreKind> {};
SIGHTLINE_POLICY_STORES(StoreReopen);

TEST_P(StoreReopen, MigrationsApplyOnce) {
  TestDatabase database(GetParam(), TestDatabase::SqliteFile::temporary);
  {
    auto store = database.open();
    EXPECT_EQ(store->schema_version(), migrations().back().version);
    store->execute("INSERT INTO centres (name, time_zone) VALUES (?, ?)", {std::string("Dungavel"), std::string("Europe/London")});
  }
  auto reopened = database.open();
  EXPECT_EQ(reopened->schema_version(), migrations().back().version);
  EXPECT_EQ(count_rows(*reopened, "schema_migrations"), static_cast<int64_t>(migrations().size()));
  EXPECT_EQ(count_rows(*reopened, "centres"), 1);
}

// What only PostgreSQL does: these run only when a server is configured.
class PostgresOnly : public StoreTest {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PostgresOnly);
INSTANTIATE_TEST_SUITE_P(Store, PostgresOnly, ::testing::ValuesIn(postgres_only_kinds()), store_kind_name);

TEST_P(PostgresOnly, CommitAfterFailureThrows) {
  store->begin();
  store->execute("INSERT INTO centres (name, time_zone) VALUES ('Morton Hall', 'UTC')");
  EXPECT_THROW(store->execute("INSERT INTO centres (name, time_zone) VALUES ('Morton Hall', 'UTC')"), StoreError);
  try {
    store->commit();
    FAIL() << "commit reported success for a rolled-back transaction";
  } catch (const StoreError& error) {
    EXPECT_NE(std::string(error.what()).find("rolled it back"), std::string::npos) << error.what();
  }
  EXPECT_EQ(count_rows(*store, "centres"), 0);
}

TEST_P(PostgresOnly, NulInTextRejected) {
  try {
    store->execute("INSERT INTO centres (name, time_zone) VALUES (?, 'UTC')", {std::string("a\0b", 3)});
    FAIL() << "text with a NUL byte was sent";
  } catch (const StoreError& error) {
    EXPECT_NE(std::string(error.what()).find("NUL byte"), std::string::npos) << error.what();
  }
}

TEST_P(PostgresOnly, UntypedParameterExplained) {
  try {
    store->query("SELECT ? IS NULL", {std::string("x")});
    FAIL() << "an untyped parameter was accepted";
  } catch (const StoreError& error) {
    EXPECT_NE(std::string(error.what()).find("CAST(? AS TEXT)"), std::string::npos) << error.what();
  }
  // A boolean result reads as 0 or 1, as SQLite returns it.
  EXPECT_EQ(store->query("SELECT CAST(? AS TEXT) IS NULL", {std::string("x")}).at(0).integer(0), 0);
  EXPECT_EQ(store->query("SELECT CAST(? AS TEXT) IS NULL", {Value{}}).at(0).integer(0), 1);
}

TEST_P(PostgresOnly, ReconnectsAfterConnectionLoss) {
  store->query("SELECT id FROM centres WHERE id = ?", {int64_t{1}});
  EXPECT_THROW(store->query("SELECT pg_terminate_backend(pg_backend_pid())"), StoreError);
  // The next statement opens a new session, in the same schema, and prepares
  // its statements again.
  EXPECT_TRUE(store->query("SELECT id FROM centres WHERE id = ?", {int64_t{1}}).empty());
  EXPECT_EQ(store->schema_version(), migrations().back().version);
}

TEST_P(PostgresOnly, DollarQuotedFunctionRuns) {
  // The `?` inside the function body is text, not a parameter.
  store->execute("CREATE FUNCTION probe_question() RETURNS text LANGUAGE sql AS $$ SELECT 'why?'::text $$");
  EXPECT_EQ(store->query("SELECT probe_question() = ?", {std::string("why?")}).at(0).integer(0), 1);
}

TEST_P(PostgresOnly, SumIsAnInteger) {
  // SUM of a BIGINT column is NUMERIC in PostgreSQL; the store returns it as
  // an integer, as SQLite does.
  store->execute("INSERT INTO retention_runs (ran_at, individuals_deleted) VALUES ('2026-01-01T00:00:00Z', ?)",
                 {int64_t{3}});
  store->execute("INSERT INTO retention_runs (ran_at, individuals_deleted) VALUES ('2026-01-02T00:00:00Z', ?)",
                 {int64_t{4}});
  EXPECT_EQ(store->query("SELECT SUM(individuals_deleted) FROM retention_runs").at(0).integer(0), 7);
}

TEST_P(PostgresOnly, TablesInOwnSchema) {
  auto* postgres = dynamic_cast<PostgresStore*>(store.get());
  ASSERT_NE(postgres, nullptr);
  EXPECT_EQ(postgres->schema().rfind("sightline_test_", 0), 0u) << postgres->schema();
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM pg_tables WHERE schemaname = ? AND tablename = 'centres'",
                         {postgres->schema()}).at(0).integer(0), 1);
}

class StoreFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path = std::filesystem::temp_directory_path() /
           ("policy_store_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            std::to_string(reinterpret_cast<uintptr_t>(this)) + ".db");
    std::filesystem::remove(path);
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  }
  std::filesystem::path path;
};

TEST_F(StoreFile, OpensInWalMode) {
  auto store = SqliteStore::open(path.string());
  EXPECT_EQ(store->journal_mode(), "wal");
}

TEST(UtcText, RoundTrip) {
  const auto t = parse_utc("2026-10-25T01:30:00Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(format_utc(*t), "2026-10-25T01:30:00Z");
  EXPECT_FALSE(parse_utc("2026-02-30T00:00:00Z").has_value());
  EXPECT_FALSE(parse_utc("2026-10-25 01:30:00").has_value());
}

}  // namespace
}  // namespace sightline::policy

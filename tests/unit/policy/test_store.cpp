// The SQLite store: migrations, WAL mode, foreign keys and parameters.
#include <gtest/gtest.h>

#include <filesystem>

#include "policy/schema.h"
#include "policy/sqlite_store.h"
#include "policy/utc_time.h"

namespace sightline::policy {
namespace {

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

TEST_F(StoreFile, MigrationsApplyOnce) {
  {
    auto store = SqliteStore::open(path.string());
    EXPECT_EQ(store->schema_version(), migrations().back().version);
  }
  auto reopened = SqliteStore::open(path.string());
  auto rows = reopened->query("SELECT COUNT(*) FROM schema_migrations");
  EXPECT_EQ(rows.at(0).integer(0), static_cast<int64_t>(migrations().size()));
}

TEST(Store, ForeignKeysEnforced) {
  auto store = SqliteStore::open(":memory:");
  EXPECT_THROW(store->execute("INSERT INTO detained_individuals (centre_id, centre_reference, recorded_name, log_name) "
                              "VALUES (?, ?, ?, ?)", {int64_t{999}, std::string("R1"), std::string("N"), std::string("N")}),
               StoreError);
}

TEST(Store, ParametersAreNotSql) {
  auto store = SqliteStore::open(":memory:");
  const std::string hostile = "x'); DROP TABLE centres; --";
  const int64_t id = store->insert("INSERT INTO centres (name, time_zone) VALUES (?, ?) RETURNING id",
                                   {hostile, std::string("Europe/London")});
  auto rows = store->query("SELECT name FROM centres WHERE id = ?", {id});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].text(0), hostile);
}

TEST(Store, TransactionRollsBack) {
  auto store = SqliteStore::open(":memory:");
  {
    Transaction transaction(*store);
    store->execute("INSERT INTO centres (name, time_zone) VALUES (?, ?)", {std::string("A"), std::string("UTC")});
  }
  EXPECT_EQ(store->query("SELECT COUNT(*) FROM centres").at(0).integer(0), 0);
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

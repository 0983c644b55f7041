// Store URLs: which store each form opens, and the errors for the rest.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "policy/schema.h"
#include "policy/sqlite_store.h"
#include "policy/store_factory.h"

namespace sightline::policy {
namespace {

std::string error_of(const std::string& url) {
  try {
    parse_store_url(url);
  } catch (const StoreError& error) {
    return error.what();
  }
  return "";
}

TEST(StoreUrl, SqliteMemory) {
  const StoreLocation location = parse_store_url("sqlite::memory:");
  EXPECT_EQ(location.kind, StoreKind::sqlite);
  EXPECT_EQ(location.target, ":memory:");
}

TEST(StoreUrl, SqlitePath) {
  EXPECT_EQ(parse_store_url("sqlite:/var/lib/sightline/policy.db").target, "/var/lib/sightline/policy.db");
  EXPECT_EQ(parse_store_url("sqlite:///var/lib/sightline/policy.db").target, "/var/lib/sightline/policy.db");
  EXPECT_EQ(parse_store_url("sqlite:data/policy.db").target, "data/policy.db");
  EXPECT_EQ(parse_store_url("SQLite:/tmp/p.db").kind, StoreKind::sqlite);
}

TEST(StoreUrl, BarePathIsSqlite) {
  for (const char* path : {"/var/lib/sightline/policy.db", "policy.db", "./odd:name.db", "data/policy.db"}) {
    const StoreLocation location = parse_store_url(path);
    EXPECT_EQ(location.kind, StoreKind::sqlite) << path;
    EXPECT_EQ(location.target, path);
  }
}

TEST(StoreUrl, PostgresSchemes) {
  for (const char* url : {"postgresql://sightline@db.internal:5432/policy", "postgres://sightline@127.0.0.1/policy",
                          "postgresql:///policy?host=/run/postgresql"}) {
    const StoreLocation location = parse_store_url(url);
    EXPECT_EQ(location.kind, StoreKind::postgresql) << url;
    EXPECT_EQ(location.target, url);
  }
}

TEST(StoreUrl, EmptyRejected) {
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of("sqlite:").find("names no SQLite file"), std::string::npos);
  EXPECT_NE(error_of("sqlite://").find("names no SQLite file"), std::string::npos);
}

TEST(StoreUrl, OtherSchemesRejected) {
  const std::string mysql = error_of("mysql://root:secret@127.0.0.1/policy");
  EXPECT_NE(mysql.find("unsupported store URL scheme \"mysql:\""), std::string::npos) << mysql;
  EXPECT_NE(mysql.find("postgresql://"), std::string::npos) << mysql;
  EXPECT_EQ(mysql.find("secret"), std::string::npos) << mysql;
  EXPECT_NE(error_of("file:policy.db").find("\"file:\""), std::string::npos);
  EXPECT_NE(error_of("postgresql:policy").find("must start with postgresql://"), std::string::npos);
}

TEST(StoreUrl, KeyValueConninfoRejected) {
  EXPECT_NE(error_of("host=127.0.0.1 dbname=policy").find("postgresql://"), std::string::npos);
}

TEST(OpenStore, SqliteMemory) {
  auto store = open_store("sqlite::memory:");
  ASSERT_NE(dynamic_cast<SqliteStore*>(store.get()), nullptr);
  EXPECT_EQ(store->schema_version(), migrations().back().version);
}

TEST(OpenStore, SqliteFileCreated) {
  const auto path = std::filesystem::temp_directory_path() / ("sightline_open_store_" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  for (const std::string& url : {"sqlite:" + path.string(), path.string()}) {
    auto store = open_store(url);
    ASSERT_NE(dynamic_cast<SqliteStore*>(store.get()), nullptr) << url;
    EXPECT_TRUE(std::filesystem::exists(path)) << url;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

TEST(OpenStore, PostgresUrlReachesLibpq) {
  // Port 1 on loopback refuses at once: the error shows the URL went to
  // PostgreSQL, and that the password in it was not repeated.
  try {
    open_store("postgresql://sightline:hunter2@127.0.0.1:1/policy?connect_timeout=2");
    FAIL() << "connected to a port with no server";
  } catch (const StoreError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("failed to connect to the PostgreSQL policy database"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace sightline::policy

// Opens the policy store a URL names: SQLite (the embedded default) or
// PostgreSQL (for a service on more than one machine).
#pragma once

#include <memory>
#include <string>

#include "policy/store.h"

namespace sightline::policy {

enum class StoreKind { sqlite, postgresql };

struct StoreLocation {
  StoreKind kind;
  // The SQLite file path (":memory:" for a private in-memory database) or
  // the PostgreSQL connection URL, passed to libpq unchanged.
  std::string target;
};

// Parses a store URL:
//   sqlite::memory:                    a private in-memory SQLite database
//   sqlite:/path/policy.db             a SQLite file (sqlite:///path/policy.db too)
//   /path/policy.db, policy.db         a bare path is a SQLite file
//   postgresql://user@host:5432/db     PostgreSQL (postgres://... too)
// Throws StoreError for an empty URL, an empty path or another scheme.
StoreLocation parse_store_url(const std::string& url);

// Opens and migrates the store `url` names. Throws StoreError.
std::unique_ptr<Store> open_store(const std::string& url);

}  // namespace sightline::policy

// The versioned schema of the policy store: each migration is applied once,
// in order, and recorded in schema_migrations.
#pragma once

#include <span>
#include <string_view>

namespace sightline::policy {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;  // one or more statements separated by ';'
};

std::span<const Migration> migrations();

}  // namespace sightline::policy

// Opening an existing policy store from a URL.
#include "tools/cli/existing_policy_store.h"

#include <filesystem>
#include <system_error>

#include "policy/store_factory.h"

namespace sightline::cli {

std::unique_ptr<policy::Store> open_existing_policy_store(const std::string& url) {
  const policy::StoreLocation location = policy::parse_store_url(url);
  if (location.kind == policy::StoreKind::sqlite && location.target != ":memory:") {
    // SQLite creates a missing file, which would audit or purge an empty
    // store and report nothing wrong.
    std::error_code error;
    if (!std::filesystem::is_regular_file(location.target, error)) {
      throw policy::StoreError("policy store file " + location.target +
                               " not found; pass the path of the server's policy database");
    }
  }
  return policy::open_store(url);
}

}  // namespace sightline::cli

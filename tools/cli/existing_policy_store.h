// Opening the policy store that a --store URL names, for commands that read
// or purge an existing store: unlike the server, they never create one.
#pragma once

#include <memory>
#include <string>

#include "policy/store.h"

namespace sightline::cli {

// Opens the store at `url` (the forms of policy::parse_store_url) and applies
// any pending migration. Throws policy::StoreError when the URL is invalid,
// the SQLite file does not exist, or the store cannot be opened.
std::unique_ptr<policy::Store> open_existing_policy_store(const std::string& url);

}  // namespace sightline::cli

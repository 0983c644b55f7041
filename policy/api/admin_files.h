// Serves the static admin pages (web/admin) under /admin/ from one folder,
// rejecting any path that would leave it.
#pragma once

#include <filesystem>

#include "relay/control/control_server.h"

namespace sightline::policy::api {

// GET or HEAD of /admin/<file>; "/admin" and "/admin/" serve index.html.
control::HttpResponse serve_admin_file(const std::filesystem::path& root, const control::HttpRequestInfo& request);

}  // namespace sightline::policy::api

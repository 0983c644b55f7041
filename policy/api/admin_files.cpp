// Static files of the admin pages.
#include "policy/api/admin_files.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string_view>

namespace sightline::policy::api {
namespace {

// Files larger than this are not admin pages and are not served.
constexpr std::uintmax_t kMaxFileBytes = 1 << 20;

std::string_view content_type_of(const std::filesystem::path& file) {
  const std::string extension = file.extension().string();
  if (extension == ".html") return "text/html; charset=utf-8";
  if (extension == ".css") return "text/css; charset=utf-8";
  if (extension == ".js") return "text/javascript; charset=utf-8";
  if (extension == ".svg") return "image/svg+xml";
  if (extension == ".png") return "image/png";
  return "";
}

bool safe_relative_path(std::string_view relative) {
  // Each segment must be a plain name: no "..", ".", empty or hidden segments,
  // and no backslashes or NUL that another layer might read differently.
  size_t start = 0;
  while (start <= relative.size()) {
    size_t end = relative.find('/', start);
    if (end == std::string_view::npos) end = relative.size();
    const std::string_view segment = relative.substr(start, end - start);
    if (segment.empty() || segment.front() == '.') return false;
    if (segment.find('\\') != std::string_view::npos || segment.find('\0') != std::string_view::npos) return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

control::HttpResponse serve_admin_file(const std::filesystem::path& root, const control::HttpRequestInfo& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    return control::HttpResponse::error(405, request.method + " is not allowed on " + request.path);
  }
  std::string_view relative = std::string_view(request.path).substr(std::string_view("/admin").size());
  if (!relative.empty()) relative.remove_prefix(1);
  const std::string file_name = relative.empty() ? "index.html" : std::string(relative);
  if (!safe_relative_path(file_name)) return control::HttpResponse::error(404, "no admin page " + request.path);

  // Resolve symbolic links too, and check that the file is still inside root.
  std::error_code root_error;
  std::error_code file_error;
  const auto canonical_root = std::filesystem::canonical(root, root_error);
  const auto file = std::filesystem::canonical(root / file_name, file_error);
  const auto [root_end, unused] = std::mismatch(canonical_root.begin(), canonical_root.end(), file.begin(), file.end());
  const bool inside_root = !root_error && !file_error && root_end == canonical_root.end();
  const std::string_view type = content_type_of(file);
  std::error_code size_error;
  if (!inside_root || type.empty() || !std::filesystem::is_regular_file(file, size_error) ||
      std::filesystem::file_size(file, size_error) > kMaxFileBytes || size_error) {
    return control::HttpResponse::error(404, "no admin page " + request.path);
  }

  std::ifstream in(file, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  control::HttpResponse response{200, std::string(type), request.method == "HEAD" ? "" : body.str(), {}};
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'");
  return response;
}

}  // namespace sightline::policy::api

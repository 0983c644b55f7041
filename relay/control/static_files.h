// Serves the browser pages (web/) from one root directory: GET and HEAD of
// files under the root, with content types, no-cache and security headers.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "relay/control/control_server.h"

namespace sightline::control {

// Files larger than this are not served; the pages are far smaller.
inline constexpr std::uintmax_t kMaxStaticFileBytes = 8 * 1024 * 1024;

// What a request path names under the root.
struct StaticLookup {
  enum class Kind {
    // file is a regular file under the root.
    file,
    // A directory requested without the trailing slash: redirect to path + "/".
    directory_without_slash,
    // Nothing under the root: the request goes on to other routes.
    not_found,
    // A "." or ".." segment, a NUL or a backslash: answered with 400.
    invalid_path,
    // A symbolic link that resolves outside the root: answered with 404.
    outside_root,
  };
  Kind kind = Kind::not_found;
  std::filesystem::path file;
};

class StaticFiles {
 public:
  // root is resolved to its canonical path; returns nullopt with error set
  // when it is not a readable directory.
  static std::optional<StaticFiles> open(const std::string& root, std::string& error);

  // Maps a percent-decoded request path to a file. Empty segments are skipped,
  // so "//etc/passwd" is looked up as "etc/passwd" under the root. A directory
  // path ending in "/" names its index.html. Names starting with "." (such as
  // .git) are not served.
  StaticLookup resolve(std::string_view path) const;

  // Answers GET and HEAD requests for files under the root, a redirect for a
  // directory without its trailing slash, and 400 or 404 for the rejected
  // paths above. Returns nullopt for every other request, which then goes to
  // the other routes. connect_sources is added to the Content-Security-Policy
  // connect-src directive (for example "wss://relay.example:8443").
  std::optional<HttpResponse> serve(const HttpRequestInfo& request, std::string_view connect_sources) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

  std::filesystem::path root_;
};

// The Content-Type for a file name's extension; application/octet-stream when unknown.
std::string_view content_type_for(const std::filesystem::path& file);

// Adds the headers every page response carries: Content-Security-Policy
// (same-origin only, plus connect_sources for the signalling WebSocket),
// X-Content-Type-Options nosniff, Referrer-Policy no-referrer and
// Cache-Control no-cache.
void add_page_security_headers(HttpResponse& response, std::string_view connect_sources);

}  // namespace sightline::control

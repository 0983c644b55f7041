// Static file serving for the browser pages, with path checks against traversal.
#include "relay/control/static_files.h"

#include <array>
#include <fstream>
#include <sstream>

#include "relay/base/log.h"

namespace sightline::control {

namespace {

constexpr std::string_view kComponent = "static";
constexpr std::string_view kIndexFile = "index.html";

struct ContentType {
  std::string_view extension;
  std::string_view type;
};

constexpr std::array kContentTypes = {
    ContentType{".html", "text/html; charset=utf-8"},
    ContentType{".css", "text/css; charset=utf-8"},
    // Browsers run a module script only when it is served with a JavaScript type.
    ContentType{".js", "text/javascript; charset=utf-8"},
    ContentType{".mjs", "text/javascript; charset=utf-8"},
    ContentType{".json", "application/json"},
    ContentType{".svg", "image/svg+xml"},
    ContentType{".png", "image/png"},
    ContentType{".ico", "image/x-icon"},
    ContentType{".woff2", "font/woff2"},
    ContentType{".txt", "text/plain; charset=utf-8"},
    ContentType{".webmanifest", "application/manifest+json"},
};

// True when child is root itself or inside it; both are canonical.
bool is_within(const std::filesystem::path& root, const std::filesystem::path& child) {
  auto root_it = root.begin();
  auto child_it = child.begin();
  for (; root_it != root.end(); ++root_it, ++child_it) {
    if (child_it == child.end() || *root_it != *child_it) return false;
  }
  return true;
}

HttpResponse plain_error(int status, std::string_view message) {
  HttpResponse response = HttpResponse::error(status, message);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return response;
}

}  // namespace

std::string_view content_type_for(const std::filesystem::path& file) {
  const std::string extension = file.extension().string();
  for (const ContentType& entry : kContentTypes) {
    if (extension == entry.extension) return entry.type;
  }
  return "application/octet-stream";
}

void add_page_security_headers(HttpResponse& response, std::string_view connect_sources) {
  std::string connect = "'self'";
  if (!connect_sources.empty()) connect += " " + std::string(connect_sources);
  // Scripts, styles and media only from this origin: the pages use no inline
  // script and no external URL. frame-ancestors stops another site framing
  // the call page, which default-src does not cover.
  response.headers.emplace_back("Content-Security-Policy", "default-src 'self'; connect-src " + connect +
                                                               "; img-src 'self' data:; object-src 'none'; "
                                                               "base-uri 'none'; form-action 'none'; "
                                                               "frame-ancestors 'none'");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Cache-Control", "no-cache");
  // Only this origin's pages may ask for the camera and microphone.
  response.headers.emplace_back("Permissions-Policy", "camera=(self), microphone=(self), geolocation=()");
}

std::optional<StaticFiles> StaticFiles::open(const std::string& root, std::string& error) {
  std::error_code code;
  std::filesystem::path canonical = std::filesystem::canonical(root, code);
  if (code) {
    error = "web root \"" + root + "\" cannot be opened: " + code.message();
    return std::nullopt;
  }
  if (!std::filesystem::is_directory(canonical, code)) {
    error = "web root \"" + root + "\" is not a directory";
    return std::nullopt;
  }
  return StaticFiles(std::move(canonical));
}

StaticLookup StaticFiles::resolve(std::string_view path) const {
  StaticLookup lookup;
  if (path.empty() || path.front() != '/') {
    lookup.kind = StaticLookup::Kind::invalid_path;
    return lookup;
  }

  // Joined segment by segment: appending an absolute path to a
  // std::filesystem::path would replace the root instead.
  std::filesystem::path candidate = root_;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(start, slash == std::string_view::npos ? path.npos : slash - start);
    start = slash == std::string_view::npos ? path.size() + 1 : slash + 1;
    if (segment.empty()) continue;
    if (segment == "." || segment == ".." || segment.find('\0') != segment.npos || segment.find('\\') != segment.npos) {
      lookup.kind = StaticLookup::Kind::invalid_path;
      return lookup;
    }
    // Hidden files and folders (.git, editor backups) are never pages.
    if (segment.front() == '.') return lookup;
    candidate /= std::string(segment);
  }

  std::error_code code;
  std::filesystem::path resolved = std::filesystem::canonical(candidate, code);
  if (code) return lookup;
  // A symbolic link may point anywhere; only what resolves inside the root is served.
  if (!is_within(root_, resolved)) {
    lookup.kind = StaticLookup::Kind::outside_root;
    return lookup;
  }
  if (std::filesystem::is_directory(resolved, code)) {
    if (path.back() != '/') {
      lookup.kind = StaticLookup::Kind::directory_without_slash;
      return lookup;
    }
    resolved = std::filesystem::canonical(resolved / kIndexFile, code);
    if (code || !is_within(root_, resolved)) return lookup;
  }
  if (!std::filesystem::is_regular_file(resolved, code)) return lookup;
  lookup.kind = StaticLookup::Kind::file;
  lookup.file = std::move(resolved);
  return lookup;
}

std::optional<HttpResponse> StaticFiles::serve(const HttpRequestInfo& request, std::string_view connect_sources) const {
  if (request.method != "GET" && request.method != "HEAD") return std::nullopt;
  const StaticLookup lookup = resolve(request.path);
  switch (lookup.kind) {
    case StaticLookup::Kind::not_found:
      return std::nullopt;
    case StaticLookup::Kind::invalid_path:
      log::info(kComponent, "path_rejected", {{"path", request.path}, {"remote", request.remote_address}});
      return plain_error(400, "invalid path: \".\" and \"..\" segments, NUL and backslash are not allowed");
    case StaticLookup::Kind::outside_root:
      log::warn(kComponent, "link_outside_root", {{"path", request.path}, {"root", root_.string()}});
      return plain_error(404, "no route for " + request.path);
    case StaticLookup::Kind::directory_without_slash: {
      HttpResponse response{301, "text/plain; charset=utf-8", "moved to " + request.path + "/"};
      std::string location = request.path + "/";
      if (!request.query_string.empty()) location += "?" + request.query_string;
      response.headers.emplace_back("Location", location);
      return response;
    }
    case StaticLookup::Kind::file:
      break;
  }

  std::error_code code;
  const std::uintmax_t size = std::filesystem::file_size(lookup.file, code);
  if (code || size > kMaxStaticFileBytes) {
    log::warn(kComponent, "file_not_served", {{"file", lookup.file.string()}, {"size", code ? 0 : size}});
    return plain_error(code ? 404 : 500, code ? "no route for " + request.path : "file too large to serve");
  }
  std::ifstream in(lookup.file, std::ios::binary);
  if (!in) return plain_error(404, "no route for " + request.path);
  std::ostringstream content;
  content << in.rdbuf();

  HttpResponse response{200, std::string(content_type_for(lookup.file)), content.str()};
  add_page_security_headers(response, connect_sources);
  return response;
}

}  // namespace sightline::control

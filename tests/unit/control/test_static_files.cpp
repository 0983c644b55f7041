// StaticFiles: path mapping, traversal refusal, content types and headers,
// on a temporary web root.
#include "relay/control/static_files.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sightline::control {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string header(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return {};
}

HttpRequestInfo get(const std::string& path, const std::string& method = "GET") {
  HttpRequestInfo request;
  request.method = method;
  request.path = path;
  return request;
}

class StaticFilesTest : public testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("sightline-static-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    root_ = base_ / "web";
    write_file(root_ / "call" / "index.html", "<!doctype html><title>call</title>");
    write_file(root_ / "call" / "call.js", "export {};");
    write_file(root_ / "call" / "call.css", "body{}");
    write_file(root_ / "i18n" / "en.json", "{}");
    write_file(root_ / ".git" / "config", "secret");
    write_file(base_ / "outside.txt", "outside the root");
    fs::create_symlink(base_ / "outside.txt", root_ / "escape.txt");
    fs::create_symlink(base_, root_ / "escape-dir");
    fs::create_symlink(root_ / "call" / "call.js", root_ / "inside-link.js");

    std::string error;
    auto files = StaticFiles::open(root_.string(), error);
    ASSERT_TRUE(files.has_value()) << error;
    files_.emplace(std::move(*files));
  }

  void TearDown() override { fs::remove_all(base_); }

  StaticLookup::Kind kind_of(const std::string& path) const { return files_->resolve(path).kind; }

  fs::path base_;
  fs::path root_;
  std::optional<StaticFiles> files_;
};

TEST_F(StaticFilesTest, ServesFileWithHeaders) {
  const auto response = files_->serve(get("/call/call.js"), "wss://localhost:8443");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(response->body, "export {};");
  EXPECT_EQ(header(*response, "Cache-Control"), "no-cache");
  EXPECT_EQ(header(*response, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(*response, "Referrer-Policy"), "no-referrer");
  const std::string policy = header(*response, "Content-Security-Policy");
  EXPECT_NE(policy.find("default-src 'self'"), std::string::npos) << policy;
  EXPECT_NE(policy.find("connect-src 'self' wss://localhost:8443"), std::string::npos) << policy;
}

TEST_F(StaticFilesTest, ContentTypes) {
  EXPECT_EQ(content_type_for("a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("call.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("i18n/ar.json"), "application/json");
  EXPECT_EQ(content_type_for("module.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("icon.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("clip.y4m"), "application/octet-stream");
}

TEST_F(StaticFilesTest, DirectoryIndex) {
  const auto response = files_->serve(get("/call/"), "");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(response->body, "<!doctype html><title>call</title>");
}

TEST_F(StaticFilesTest, DirectoryRedirectKeepsQuery) {
  HttpRequestInfo request = get("/call");
  request.query_string = "call=c1&participant=p1";
  const auto response = files_->serve(request, "");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 301);
  EXPECT_EQ(header(*response, "Location"), "/call/?call=c1&participant=p1");
}

TEST_F(StaticFilesTest, HeadServedLikeGet) {
  const auto response = files_->serve(get("/call/call.css", "HEAD"), "");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "body{}");
}

TEST_F(StaticFilesTest, OtherMethodsAndMissingFilesPassThrough) {
  EXPECT_FALSE(files_->serve(get("/call/call.js", "POST"), "").has_value());
  EXPECT_FALSE(files_->serve(get("/api/bookings"), "").has_value());
  EXPECT_FALSE(files_->serve(get("/call/missing.js"), "").has_value());
  EXPECT_EQ(kind_of("/call/missing.js"), StaticLookup::Kind::not_found);
}

TEST_F(StaticFilesTest, DotDotRejected) {
  EXPECT_EQ(kind_of("/../outside.txt"), StaticLookup::Kind::invalid_path);
  EXPECT_EQ(kind_of("/call/../../outside.txt"), StaticLookup::Kind::invalid_path);
  EXPECT_EQ(kind_of("/call/./index.html"), StaticLookup::Kind::invalid_path);
  EXPECT_EQ(kind_of("/call/..\\..\\outside.txt"), StaticLookup::Kind::invalid_path);
  EXPECT_EQ(kind_of(std::string("/call/index.html\0.js", 20)), StaticLookup::Kind::invalid_path);
  const auto response = files_->serve(get("/call/../../outside.txt"), "");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->body.find("outside the root"), std::string::npos);
}

TEST_F(StaticFilesTest, EncodedDotDotRejected) {
  // The server percent-decodes the target before the lookup, so %2e%2e arrives as "..".
  HttpRequestInfo request = get("/%2e%2e/outside.txt");
  EXPECT_EQ(kind_of(request.path), StaticLookup::Kind::not_found);
  request.path = "/../outside.txt";
  const auto response = files_->serve(request, "");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
}

TEST_F(StaticFilesTest, AbsolutePathStaysUnderRoot) {
  // Joined as "etc/passwd" under the root, never /etc/passwd.
  EXPECT_EQ(kind_of("//etc/passwd"), StaticLookup::Kind::not_found);
  EXPECT_EQ(kind_of("etc/passwd"), StaticLookup::Kind::invalid_path);
  EXPECT_EQ(kind_of("/" + (base_ / "outside.txt").string()), StaticLookup::Kind::not_found);
  EXPECT_EQ(kind_of("//call/index.html"), StaticLookup::Kind::file);
}

TEST_F(StaticFilesTest, SymlinkOutsideRootRefused) {
  EXPECT_EQ(kind_of("/escape.txt"), StaticLookup::Kind::outside_root);
  EXPECT_EQ(kind_of("/escape-dir/outside.txt"), StaticLookup::Kind::outside_root);
  const auto response = files_->serve(get("/escape.txt"), "");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body.find("outside the root"), std::string::npos);

  const auto inside = files_->serve(get("/inside-link.js"), "");
  ASSERT_TRUE(inside.has_value());
  EXPECT_EQ(inside->status, 200);
}

TEST_F(StaticFilesTest, HiddenFilesNotServed) {
  EXPECT_EQ(kind_of("/.git/config"), StaticLookup::Kind::not_found);
  EXPECT_FALSE(files_->serve(get("/.git/config"), "").has_value());
}

TEST(StaticFilesOpen, MissingRootNamed) {
  std::string error;
  EXPECT_FALSE(StaticFiles::open("/nonexistent/sightline-web", error).has_value());
  EXPECT_NE(error.find("/nonexistent/sightline-web"), std::string::npos) << error;
}

}  // namespace
}  // namespace sightline::control

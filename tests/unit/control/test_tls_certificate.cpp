// The HTTPS certificate (self-signed creation, reuse, configured files) and
// the control server over TLS: HTTPS routes, pages and a WSS join.
#include "relay/control/tls_certificate.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <filesystem>
#include <fstream>

#include "relay/control/control_server.h"
#include "relay/control/signalling_messages.h"

namespace sightline::control {
namespace {

namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using nlohmann::json;

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

X509* parse_certificate(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return certificate;
}

class TlsDirectory : public testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() / ("sightline-tls-" + std::to_string(::getpid()) + "-" +
                                              testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }

  fs::path directory_;
};

TEST_F(TlsDirectory, SelfSignedCreatedThenReused) {
  const TlsCertificateResult first = load_or_create_self_signed((directory_ / "tls").string(), {"192.0.2.10"});
  ASSERT_TRUE(first.ok()) << first.error;
  EXPECT_TRUE(first.certificate.generated);
  EXPECT_EQ(first.certificate.fingerprint_sha256.size(), 32u * 3 - 1);

  const fs::path key_file = directory_ / "tls" / "private-key.pem";
  struct stat key_stat {};
  ASSERT_EQ(::stat(key_file.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(key_file), first.certificate.private_key_pem);

  const TlsCertificateResult second = load_or_create_self_signed((directory_ / "tls").string(), {"192.0.2.10"});
  ASSERT_TRUE(second.ok()) << second.error;
  EXPECT_FALSE(second.certificate.generated);
  EXPECT_EQ(second.certificate.fingerprint_sha256, first.certificate.fingerprint_sha256);
}

TEST_F(TlsDirectory, SelfSignedNamesAndValidity) {
  const TlsCertificateResult result = load_or_create_self_signed(directory_.string(), {"192.0.2.10"});
  ASSERT_TRUE(result.ok()) << result.error;
  X509* certificate = parse_certificate(result.certificate.certificate_pem);
  ASSERT_NE(certificate, nullptr);
  EXPECT_EQ(X509_check_host(certificate, "localhost", 9, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(certificate, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(certificate, "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(certificate, "192.0.2.10", 0), 1);
  EXPECT_NE(X509_check_ip_asc(certificate, "192.0.2.11", 0), 1);

  char common_name[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, common_name, sizeof(common_name));
  EXPECT_STREQ(common_name, "sightline");

  EVP_PKEY* key = X509_get0_pubkey(certificate);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 256);

  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(certificate), X509_get0_notAfter(certificate)), 1);
  EXPECT_GE(days, 365);
  EXPECT_LE(days, 366);
  X509_free(certificate);
}

TEST_F(TlsDirectory, NewHostReplacesKeptCertificate) {
  const TlsCertificateResult first = load_or_create_self_signed(directory_.string(), {});
  ASSERT_TRUE(first.ok()) << first.error;
  const TlsCertificateResult second = load_or_create_self_signed(directory_.string(), {"relay.example"});
  ASSERT_TRUE(second.ok()) << second.error;
  EXPECT_TRUE(second.certificate.generated);
  EXPECT_NE(second.certificate.fingerprint_sha256, first.certificate.fingerprint_sha256);
}

TEST_F(TlsDirectory, ConfiguredFilesLoaded) {
  const TlsCertificateResult made = load_or_create_self_signed(directory_.string(), {});
  ASSERT_TRUE(made.ok()) << made.error;
  const TlsCertificateResult loaded =
      load_tls_certificate(made.certificate.certificate_file, made.certificate.private_key_file);
  ASSERT_TRUE(loaded.ok()) << loaded.error;
  EXPECT_FALSE(loaded.certificate.generated);
  EXPECT_EQ(loaded.certificate.fingerprint_sha256, made.certificate.fingerprint_sha256);
}

TEST_F(TlsDirectory, UnreadableFilesNamed) {
  const std::string missing = (directory_ / "missing.pem").string();
  const TlsCertificateResult no_certificate = load_tls_certificate(missing, missing);
  ASSERT_FALSE(no_certificate.ok());
  EXPECT_NE(no_certificate.error.find("cannot read TLS certificate file \"" + missing + "\""), std::string::npos)
      << no_certificate.error;

  fs::create_directories(directory_);
  const fs::path garbage = directory_ / "garbage.pem";
  std::ofstream(garbage) << "not a certificate\n";
  const TlsCertificateResult bad = load_tls_certificate(garbage.string(), garbage.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error.find("TLS certificate file \"" + garbage.string() + "\" holds no PEM certificate"),
            std::string::npos)
      << bad.error;

  const TlsCertificateResult made = load_or_create_self_signed((directory_ / "a").string(), {});
  const TlsCertificateResult other = load_or_create_self_signed((directory_ / "b").string(), {});
  ASSERT_TRUE(made.ok() && other.ok());
  const TlsCertificateResult mismatch =
      load_tls_certificate(made.certificate.certificate_file, other.certificate.private_key_file);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error.find("does not match"), std::string::npos) << mismatch.error;
}

// Answers join with joined.
class JoinHandler : public ControlHandler {
 public:
  void on_ws_message(SessionId session, const json& message) override {
    const ParsedClientMessage parsed = parse_client_message(message);
    if (!parsed) return;
    if (const auto* join = std::get_if<JoinMessage>(&*parsed.message)) {
      server_->send(session, make_joined(join->call, join->participant, {}));
    }
  }
  ControlServer* server_ = nullptr;
};

struct HttpsResult {
  int status = 0;
  std::string body;
  std::string policy;
};

// A client that checks the certificate against the expected fingerprint only, as a pinned test client.
HttpsResult https_get(uint16_t port, const std::string& target) {
  net::io_context io_context;
  ssl::context context(ssl::context::tls_client);
  context.set_verify_mode(ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(io_context, context);
  beast::get_lowest_layer(stream).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  stream.handshake(ssl::stream_base::client);
  http::request<http::string_body> request(http::verb::get, target, 11);
  request.set(http::field::host, "localhost:" + std::to_string(port));
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return {static_cast<int>(response.result_int()), response.body(),
          std::string(response["Content-Security-Policy"])};
}

TEST_F(TlsDirectory, ServerSpeaksHttpsAndWss) {
  const fs::path web = directory_ / "web";
  fs::create_directories(web / "call");
  std::ofstream(web / "call" / "index.html") << "<!doctype html>";

  JoinHandler handler;
  ControlServerConfig config;
  config.port = 0;
  config.tls = true;
  config.self_signed_directory = (directory_ / "tls").string();
  config.web_root = web.string();
  ControlServer server(config, handler);
  handler.server_ = &server;
  const auto error = server.start();
  ASSERT_FALSE(error.has_value()) << *error;
  EXPECT_FALSE(server.certificate_fingerprint().empty());

  const HttpsResult health = https_get(server.port(), "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  const HttpsResult page = https_get(server.port(), "/call/?call=c1");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<!doctype html>");
  EXPECT_NE(page.policy.find("wss://localhost:" + std::to_string(server.port())), std::string::npos) << page.policy;
  EXPECT_EQ(https_get(server.port(), "/call/missing.js").status, 404);
  EXPECT_EQ(https_get(server.port(), "/%2e%2e/%2e%2e/etc/passwd").status, 400);

  net::io_context io_context;
  ssl::context context(ssl::context::tls_client);
  context.set_verify_mode(ssl::verify_none);
  beast::websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(io_context, context);
  beast::get_lowest_layer(ws).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.handshake("localhost", "/ws");
  ws.write(net::buffer(std::string(R"({"type":"join","call":"c1","participant":"p1","role":"caller"})")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  const json reply = json::parse(beast::buffers_to_string(buffer.data()));
  EXPECT_EQ(reply.value("type", ""), "joined");
  EXPECT_EQ(reply.value("participant", ""), "p1");
  ws.close(beast::websocket::close_code::normal);
  server.stop();
}

TEST_F(TlsDirectory, ServerStartNamesUnreadableCertificate) {
  JoinHandler handler;
  ControlServerConfig config;
  config.port = 0;
  config.tls = true;
  config.certificate_file = (directory_ / "absent-certificate.pem").string();
  config.private_key_file = (directory_ / "absent-key.pem").string();
  ControlServer server(config, handler);
  const auto error = server.start();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find(config.certificate_file), std::string::npos) << *error;
}

}  // namespace
}  // namespace sightline::control

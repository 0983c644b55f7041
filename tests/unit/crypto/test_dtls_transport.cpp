// DtlsTransport: handshakes between two transports in memory, SRTP profile
// choice, fingerprint checks, MTU-sized fragmentation and retransmission.
#include <gtest/gtest.h>

#include <openssl/x509.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>

#include "dtls_pipe.h"

namespace sightline::crypto {
namespace {

using testing::DtlsPipe;
using namespace std::chrono_literals;

constexpr uint8_t kChangeCipherSpecContentType = 20;  // RFC 5246 section 6.2.1
constexpr uint8_t kAlertContentType = 21;

std::shared_ptr<DtlsCertificate> shared_ecdsa_certificate(int which) {
  static std::shared_ptr<DtlsCertificate> certificates[2] = {DtlsCertificate::generate_ecdsa(),
                                                             DtlsCertificate::generate_ecdsa()};
  return certificates[which];
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// Loaded from test data: generating an RSA-4096 key takes several seconds.
std::shared_ptr<DtlsCertificate> load_rsa4096_certificate() {
  const std::string folder = std::string(SIGHTLINE_SOURCE_DIR) + "/tests/unit/crypto/data/";
  return DtlsCertificate::from_pem(read_file(folder + "rsa4096_test_certificate.pem"),
                                   read_file(folder + "rsa4096_test_key.pem"));
}

TEST(DtlsTransport, EcdsaHandshakeKeysMatchCrosswise) {
  DtlsPipe pipe(shared_ecdsa_certificate(0), shared_ecdsa_certificate(1));

  ASSERT_TRUE(pipe.run_handshake(3s));

  ASSERT_TRUE(pipe.client_listener.keys.has_value());
  ASSERT_TRUE(pipe.server_listener.keys.has_value());
  const SrtpKeys& client_keys = *pipe.client_listener.keys;
  const SrtpKeys& server_keys = *pipe.server_listener.keys;
  EXPECT_EQ(client_keys.profile, SrtpProfile::aead_aes_128_gcm);
  EXPECT_EQ(server_keys.profile, SrtpProfile::aead_aes_128_gcm);
  EXPECT_EQ(client_keys.local_key_salt.size(), 28u);  // 16-byte key, 12-byte salt
  EXPECT_EQ(client_keys.local_key_salt, server_keys.remote_key_salt);
  EXPECT_EQ(client_keys.remote_key_salt, server_keys.local_key_salt);
  EXPECT_NE(client_keys.local_key_salt, client_keys.remote_key_salt);
  EXPECT_FALSE(pipe.client_listener.failure.has_value());
  EXPECT_FALSE(pipe.server_listener.failure.has_value());
}

TEST(DtlsTransport, DatagramsFitDefaultMtu) {
  DtlsPipe pipe(shared_ecdsa_certificate(0), shared_ecdsa_certificate(1));

  ASSERT_TRUE(pipe.run_handshake(3s));

  EXPECT_LE(pipe.client_listener.largest_sent_bytes, DtlsTransport::kDefaultMtuBytes);
  EXPECT_LE(pipe.server_listener.largest_sent_bytes, DtlsTransport::kDefaultMtuBytes);
  // Each side's flight fits one datagram with small ECDSA certificates:
  // ClientHello and the client's second flight; the server's two flights.
  EXPECT_EQ(pipe.client_listener.sent_count, 2u);
  EXPECT_EQ(pipe.server_listener.sent_count, 2u);
}

TEST(DtlsTransport, ServerChoosesGcmOverClientOrder) {
  DtlsPipe pipe(shared_ecdsa_certificate(0), shared_ecdsa_certificate(1));
  ASSERT_TRUE(pipe.client.set_srtp_profiles({SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::aead_aes_128_gcm}));

  ASSERT_TRUE(pipe.run_handshake(3s));

  EXPECT_EQ(pipe.client_listener.keys->profile, SrtpProfile::aead_aes_128_gcm);
  EXPECT_EQ(pipe.server_listener.keys->profile, SrtpProfile::aead_aes_128_gcm);
}

TEST(DtlsTransport, CmOnlyClientGetsCm) {
  DtlsPipe pipe(shared_ecdsa_certificate(0), shared_ecdsa_certificate(1));
  ASSERT_TRUE(pipe.client.set_srtp_profiles({SrtpProfile::aes_cm_128_hmac_sha1_80}));

  ASSERT_TRUE(pipe.run_handshake(3s));

  const SrtpKeys& client_keys = *pipe.client_listener.keys;
  EXPECT_EQ(client_keys.profile, SrtpProfile::aes_cm_128_hmac_sha1_80);
  EXPECT_EQ(pipe.server_listener.keys->profile, SrtpProfile::aes_cm_128_hmac_sha1_80);
  EXPECT_EQ(client_keys.local_key_salt.size(), 30u);  // 16-byte key, 14-byte salt
  EXPECT_EQ(client_keys.local_key_salt, pipe.server_listener.keys->remote_key_salt);
}

TEST(DtlsTransport, WrongServerFingerprintFailsClient) {
  DtlsPipe pipe(shared_ecdsa_certificate(0), shared_ecdsa_certificate(1));
  // The client expects the fingerprint of its own certificate instead.
  ASSERT_TRUE(pipe.client.set_remote_fingerprint("sha-256", shared_ecdsa_certificate(0)->fingerprint_sha256()));

  EXPECT_FALSE(pipe.run_handshake(3s));

  EXPECT_EQ(pipe.client.state(), DtlsState::failed);
  ASSERT_TRUE(pipe.client_listener.failure.has_value());
  EXPECT_NE(pipe.client_listener.failure->find("does not match"), std::string::npos) << *pipe.client_listener.failure;
  EXPECT_FALSE(pipe.client_listener.keys.has_value());
  // The client's alert reaches the server, which fails too.
  EXPECT_EQ(pipe.server.state(), DtlsState::failed);
  EXPECT_FALSE(pipe.server_listener.keys.has_value());
}

TEST(DtlsTransport, WrongClientFingerprintFailsServer) {
  DtlsPipe pipe(shared_ecdsa_certificate(0), shared_ecdsa_certificate(1));
  ASSERT_TRUE(pipe.server.set_remote_fingerprint("SHA-256", shared_ecdsa_certificate(1)->fingerprint_sha256()));

  EXPECT_FALSE(pipe.run_handshake(3s));

  EXPECT_EQ(pipe.server.state(), DtlsState::failed);
  ASSERT_TRUE(pipe.server_listener.failure.has_value());
  EXPECT_NE(pipe.server_listener.failure->find("does not match"), std::string::npos) << *pipe.server_listener.failure;
  EXPECT_FALSE(pipe.server_listener.keys.has_value());
  EXPECT_FALSE(pipe.client_listener.keys.has_value());
}

TEST(DtlsTransport, Sha512FingerprintAccepted) {
  DtlsPipe pipe(shared_ecdsa_certificate(0), shared_ecdsa_certificate(1));
  const std::string fingerprint = certificate_fingerprint(shared_ecdsa_certificate(1)->certificate(), "sha-512");
  ASSERT_EQ(fingerprint.size(), 64u * 3 - 1);
  ASSERT_TRUE(pipe.client.set_remote_fingerprint("sha-512", fingerprint));

  EXPECT_TRUE(pipe.run_handshake(3s));
}

TEST(DtlsTransport, UnsupportedFingerprintAlgorithmRejected) {
  testing::RecordingListener listener;
  DtlsTransport transport(DtlsRole::client, shared_ecdsa_certificate(0), listener);

  EXPECT_FALSE(transport.set_remote_fingerprint("sha-1", "AB:CD"));
  EXPECT_FALSE(transport.set_remote_fingerprint("md5", "AB:CD"));
  EXPECT_TRUE(transport.set_remote_fingerprint("sha-384", "AB:CD"));
}

TEST(DtlsTransport, MissingFingerprintFailsHandshake) {
  testing::RecordingListener client_listener;
  testing::RecordingListener server_listener;
  DtlsTransport client(DtlsRole::client, shared_ecdsa_certificate(0), client_listener);
  DtlsTransport server(DtlsRole::server, shared_ecdsa_certificate(1), server_listener);
  client.set_remote_fingerprint("sha-256", shared_ecdsa_certificate(1)->fingerprint_sha256());

  client.start();
  for (int round = 0; round < 4; ++round) {
    while (!client_listener.outbox.empty()) {
      server.handle_datagram(client_listener.outbox.front());
      client_listener.outbox.pop_front();
    }
    while (!server_listener.outbox.empty()) {
      client.handle_datagram(server_listener.outbox.front());
      server_listener.outbox.pop_front();
    }
  }

  EXPECT_EQ(server.state(), DtlsState::failed);
  ASSERT_TRUE(server_listener.failure.has_value());
  EXPECT_NE(server_listener.failure->find("remote fingerprint is not set"), std::string::npos);
}

TEST(DtlsTransport, Rsa4096OverPathDroppingLargeDatagrams) {
  std::shared_ptr<DtlsCertificate> rsa_certificate = load_rsa4096_certificate();
  ASSERT_NE(rsa_certificate, nullptr);
  ASSERT_GT(i2d_X509(rsa_certificate->certificate(), nullptr), 1200);
  DtlsPipe pipe(shared_ecdsa_certificate(0), rsa_certificate);
  pipe.drop = [](DtlsRole, const std::vector<uint8_t>& datagram) { return datagram.size() > 1200; };

  ASSERT_TRUE(pipe.run_handshake(4s));

  EXPECT_EQ(pipe.dropped_count, 0u);
  EXPECT_LE(pipe.server_listener.largest_sent_bytes, 1200u);
  // The RSA-4096 certificate alone is over 1200 bytes, so the server's
  // first flight needs more than one datagram.
  EXPECT_GE(pipe.server_listener.sent_count, 3u);
  EXPECT_EQ(pipe.client_listener.keys->local_key_salt, pipe.server_listener.keys->remote_key_salt);
}

TEST(DtlsTransport, SmallMtuFragmentsHandshake) {
  DtlsPipe pipe(shared_ecdsa_certificate(0), shared_ecdsa_certificate(1));
  EXPECT_FALSE(pipe.client.set_mtu(100));
  ASSERT_TRUE(pipe.client.set_mtu(600));
  ASSERT_TRUE(pipe.server.set_mtu(600));

  ASSERT_TRUE(pipe.run_handshake(3s));

  EXPECT_LE(pipe.client_listener.largest_sent_bytes, 600u);
  EXPECT_LE(pipe.server_listener.largest_sent_bytes, 600u);
  EXPECT_GT(pipe.server_listener.sent_count, 2u);
}

TEST(DtlsTransport, LostFinalServerFlightRetransmitted) {
  DtlsPipe pipe(shared_ecdsa_certificate(0), shared_ecdsa_certificate(1));
  bool dropped_final_flight = false;
  pipe.drop = [&](DtlsRole from, const std::vector<uint8_t>& datagram) {
    // The server's last flight starts with its ChangeCipherSpec record.
    if (from != DtlsRole::server || dropped_final_flight) return false;
    if (datagram.empty() || datagram[0] != kChangeCipherSpecContentType) return false;
    dropped_final_flight = true;
    return true;
  };

  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(pipe.run_handshake(4500ms));
  const auto elapsed = std::chrono::steady_clock::now() - started;

  EXPECT_TRUE(dropped_final_flight);
  EXPECT_EQ(pipe.dropped_count, 1u);
  // The client sent its second flight again after its timer expired, and
  // the server replied with its final flight again.
  EXPECT_EQ(pipe.client_listener.sent_count, 3u);
  EXPECT_EQ(pipe.server_listener.sent_count, 3u);
  EXPECT_GE(elapsed, 900ms);  // RFC 6347 section 4.2.4.1: initial timer 1 s
  EXPECT_LT(elapsed, 5s);
  EXPECT_EQ(pipe.client_listener.keys->local_key_salt, pipe.server_listener.keys->remote_key_salt);
}

TEST(DtlsTransport, TimerRunsOnlyWhileWaiting) {
  DtlsPipe pipe(shared_ecdsa_certificate(0), shared_ecdsa_certificate(1));
  EXPECT_FALSE(pipe.client.time_until_timeout().has_value());

  pipe.client.start();
  const std::optional<std::chrono::milliseconds> wait = pipe.client.time_until_timeout();
  ASSERT_TRUE(wait.has_value());
  EXPECT_GT(*wait, 0ms);
  EXPECT_LE(*wait, 1000ms);

  pipe.deliver();
  ASSERT_EQ(pipe.client.state(), DtlsState::connected);
  EXPECT_FALSE(pipe.client.time_until_timeout().has_value());
}

TEST(DtlsTransport, CloseNotifyReachesPeer) {
  DtlsPipe pipe(shared_ecdsa_certificate(0), shared_ecdsa_certificate(1));
  ASSERT_TRUE(pipe.run_handshake(3s));

  pipe.client.close();
  ASSERT_EQ(pipe.client_listener.outbox.size(), 1u);
  EXPECT_EQ(pipe.client_listener.outbox.front()[0], kAlertContentType);
  pipe.deliver();

  EXPECT_EQ(pipe.client.state(), DtlsState::closed);
  EXPECT_EQ(pipe.server.state(), DtlsState::closed);
  EXPECT_TRUE(pipe.server_listener.closed);
  EXPECT_FALSE(pipe.client_listener.closed);
}

TEST(DtlsTransport, GarbageDatagramIgnored) {
  DtlsPipe pipe(shared_ecdsa_certificate(0), shared_ecdsa_certificate(1));
  const std::vector<uint8_t> garbage = {22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 1, 2, 3};
  pipe.server.handle_datagram(garbage);
  pipe.server.handle_datagram({});

  EXPECT_EQ(pipe.server.state(), DtlsState::connecting);
  ASSERT_TRUE(pipe.run_handshake(3s));

  pipe.client.handle_datagram(garbage);
  EXPECT_EQ(pipe.client.state(), DtlsState::connected);
}

TEST(DtlsTransport, ManyTransportsCreatedAndDestroyed) {
  testing::RecordingListener listener;
  for (int round = 0; round < 1000; ++round) {
    DtlsTransport transport(DtlsRole::client, shared_ecdsa_certificate(0), listener);
    transport.set_remote_fingerprint("sha-256", shared_ecdsa_certificate(1)->fingerprint_sha256());
    transport.start();
    ASSERT_EQ(transport.state(), DtlsState::connecting);
  }
  // One ClientHello per transport.
  EXPECT_EQ(listener.sent_count, 1000u);
}

}  // namespace
}  // namespace sightline::crypto

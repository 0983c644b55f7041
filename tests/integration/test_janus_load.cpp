// The load generator against Janus (Debian's janus package, VideoRoom
// plugin) started by bench/janus/start.sh on loopback: two calls for five
// seconds, each participant publishing and subscribing to the other.
// Skipped when /usr/bin/janus is not installed, and outside the network
// namespace of bench/janus/netns.sh, the only place where Janus gathers an
// ICE candidate on 127.0.0.1: run it as
// bench/janus/netns.sh build/tests/integration_test_janus_load
#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "tests/integration/relay_fixture.h"
#include "tools/load/load_generator.h"

namespace sightline::testing {
namespace {

const std::string kStartScript = std::string(SIGHTLINE_SOURCE_DIR) + "/bench/janus/start.sh";

// A Janus process for one test, stopped by the destructor.
class JanusProcess {
 public:
  JanusProcess() : directory_(::testing::TempDir() + "sightline-janus-test") {
    const std::string command = kStartScript + " --dir " + directory_;
    FILE* output = popen(command.c_str(), "r");
    if (!output) return;
    long pid = 0;
    unsigned port = 0;
    if (std::fscanf(output, "%ld %u", &pid, &port) == 2) {
      pid_ = static_cast<pid_t>(pid);
      port_ = static_cast<uint16_t>(port);
    }
    pclose(output);
  }
  ~JanusProcess() {
    const std::string command = kStartScript + " --stop --dir " + directory_;
    [[maybe_unused]] const int status = std::system(command.c_str());
  }
  JanusProcess(const JanusProcess&) = delete;
  JanusProcess& operator=(const JanusProcess&) = delete;

  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  std::string log_path() const { return directory_ + "/janus.log"; }

 private:
  std::string directory_;
  pid_t pid_ = 0;
  uint16_t port_ = 0;
};

TEST(JanusLoad, TwoCallsThroughVideoRoom) {
  if (!std::filesystem::exists("/usr/bin/janus")) GTEST_SKIP() << "Debian's janus package is not installed";
  if (std::getenv("SIGHTLINE_LOOPBACK_NETNS") == nullptr) {
    GTEST_SKIP() << "Janus gathers no ICE candidate on the loopback interface; run this test through "
                    "bench/janus/netns.sh";
  }
  JanusProcess janus;
  ASSERT_NE(janus.port(), 0) << "bench/janus/start.sh failed; see " << janus.log_path();

  load::LoadOptions options;
  options.server = load::LoadServer::janus;
  options.relay_port = janus.port();
  options.relay_pid = janus.pid();
  options.calls = 2;
  options.seconds = 5;
  options.loops = 1;
  options.clip_path = default_clip();
  std::string error;
  const std::optional<nlohmann::json> summary = load::run_load_generator(options, error);
  ASSERT_TRUE(summary.has_value()) << error;
  std::printf("%s\n", summary->dump().c_str());

  EXPECT_EQ(summary->at("server"), "janus");
  EXPECT_EQ(summary->at("participants_connected"), 4);
  EXPECT_EQ(summary->at("participants_failed"), 0);
  // Janus 1.1 as DTLS server picks the first of its own profiles that the
  // client offers; the participant offers AES-128-GCM first, then AES-CM.
  EXPECT_EQ(summary->at("srtp_profile"), "SRTP_AEAD_AES_128_GCM");
  // Four participants send about 2700 packets in five seconds. Janus drops
  // what arrives before the other side's subscription is set up (about the
  // first second here, longer on a busy machine); what follows comes back.
  const auto sent = summary->at("packets_sent").get<uint64_t>();
  const auto received = summary->at("packets_received").get<uint64_t>();
  EXPECT_GT(sent, 1000u);
  EXPECT_GT(received, sent / 2);
  EXPECT_LT(summary->at("loss_percent").get<double>(), 1.0);
  // Every received packet carries the generator's send time. Latency goals
  // belong to bench/compare; this only checks the figures are measured.
  EXPECT_GT(summary->at("latency_samples").get<uint64_t>(), received / 2);
  EXPECT_GT(summary->at("latency_p99_ms").get<double>(), 0.0);
  EXPECT_LT(summary->at("latency_p99_ms").get<double>(), 1000.0);
  EXPECT_GT(summary->at("relay_cpu_seconds").get<double>(), 0.0);
}

}  // namespace
}  // namespace sightline::testing

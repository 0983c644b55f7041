// Calls created and torn down many times: three participants join, all
// leave at once while the call is destroyed. File descriptors, bound UDP
// ports and resident memory must return to their starting level.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/relay_fixture.h"

namespace sightline::testing {
namespace {

using namespace std::chrono_literals;

// Targets of the open file descriptors, for failure messages.
std::string describe_file_descriptors() {
  std::string text;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    text += " " + entry.path().filename().string() + "->" + std::filesystem::read_symlink(entry.path(), error).string();
  }
  return text;
}

size_t open_file_descriptors() {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

// UDP sockets of this process, IPv4 and IPv6, from /proc/net: one line per
// bound socket, matched to this process by socket inode.
size_t bound_udp_ports() {
  std::vector<std::string> inodes;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const std::string target = std::filesystem::read_symlink(entry.path(), error).string();
    if (!error && target.rfind("socket:[", 0) == 0) inodes.push_back(target.substr(8, target.size() - 9));
  }
  size_t count = 0;
  for (const char* table : {"/proc/net/udp", "/proc/net/udp6"}) {
    std::ifstream file(table);
    std::string line;
    std::getline(file, line);  // header
    while (std::getline(file, line)) {
      for (const std::string& inode : inodes) {
        if (line.find(" " + inode + " ") != std::string::npos) ++count;
      }
    }
  }
  return count;
}

size_t resident_kib() {
  std::ifstream statm("/proc/self/statm");
  size_t pages_total = 0;
  size_t pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) / 1024;
}

// Rounds to run: 1000 by default, fewer under the sanitizers (set by the
// environment variable), where each handshake is several times slower.
int round_count() {
  const char* value = std::getenv("SIGHTLINE_CHURN_ROUNDS");
  return value ? std::atoi(value) : 1000;
}

TEST(CallChurn, ResourcesReturnToStartingLevel) {
  call::Relay relay(loopback_relay_config());
  ASSERT_EQ(relay.start(), std::nullopt);

  auto run_round = [&](int round) {
    const std::string call_id = "churn-" + std::to_string(round);
    std::vector<std::unique_ptr<peer::Peer>> peers;
    for (const char* role : {"terminal", "caller", "interpreter"}) {
      peer::PeerOptions options = peer_options(relay, call_id, role, role);
      options.send_audio = false;
      peers.push_back(std::make_unique<peer::Peer>(options));
      ASSERT_EQ(peers.back()->start(), std::nullopt) << "round " << round;
    }
    for (auto& participant : peers) {
      ASSERT_TRUE(wait_until([&] { return participant->stats().connected; }, 5s)) << "round " << round;
    }
    // All leave at once: each stop sends leave and closes the signalling
    // socket, racing the relay's teardown of the emptied call.
    std::vector<std::thread> leaving;
    for (auto& participant : peers) leaving.emplace_back([&participant] { participant->stop(); });
    for (auto& thread : leaving) thread.join();
  };

  // Warm up allocator pools and lazily created state before measuring.
  for (int round = 0; round < 5; ++round) run_round(round);
  ASSERT_TRUE(wait_until([&] { return relay.call_count() == 0; }, 5s));
  ASSERT_TRUE(wait_until([&] { return relay.totals().participants == 0; }, 5s));
  ASSERT_TRUE(wait_until([&] { return relay.session_count() == 0; }, 5s));
  // The warm-up's last signalling sockets close on the control thread
  // shortly after their sessions end: count once the figure holds still.
  size_t fds_settled = open_file_descriptors();
  wait_until(
      [&] {
        std::this_thread::sleep_for(200ms);
        const size_t now = open_file_descriptors();
        const bool still = now == fds_settled;
        fds_settled = now;
        return still;
      },
      5s);
  const size_t fds_before = open_file_descriptors();
  const size_t ports_before = bound_udp_ports();
  const size_t rss_before = resident_kib();

  const int rounds = round_count();
  for (int round = 5; round < 5 + rounds; ++round) {
    run_round(round);
    if (::testing::Test::HasFatalFailure()) return;
  }

  ASSERT_TRUE(wait_until([&] { return relay.call_count() == 0; }, 5s));
  ASSERT_TRUE(wait_until([&] { return relay.session_count() == 0; }, 5s));
  ASSERT_TRUE(wait_until([&] { return relay.totals().calls == 0; }, 5s));
  ASSERT_TRUE(wait_until([&] { return relay.totals().participants == 0; }, 5s));
  // Sockets of ended sessions close on the control thread shortly after the
  // session is gone from the relay's table, so give them a moment.
  wait_until([&] { return open_file_descriptors() == fds_before; }, 5s);
  EXPECT_EQ(open_file_descriptors(), fds_before) << describe_file_descriptors();
  EXPECT_EQ(bound_udp_ports(), ports_before);
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIGHTLINE_ADDRESS_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(SIGHTLINE_ADDRESS_SANITIZER)
  // AddressSanitizer keeps freed memory in quarantine, so resident memory
  // grows by design. LeakSanitizer checks for leaks at exit instead.
  (void)rss_before;
#else
  // Allow for allocator fragmentation, not for a leak per call: a leak of a
  // single transport per round would exceed this by far.
  EXPECT_LT(resident_kib(), rss_before + 8 * 1024) << "before " << rss_before << " KiB";
#endif
  relay.stop();
}

}  // namespace
}  // namespace sightline::testing

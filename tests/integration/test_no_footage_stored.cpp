// Runs `sightline serve` as a user would, with analysis on and a supervised
// call in which a phone is raised, and checks that nothing of the media
// reached a disk. No file may appear in the data directory, TMPDIR or the log
// folder other than the database, the join secret and the log. Neither the
// database nor the log may contain image or video bytes. When strace is
// installed it also checks every file the server opened for writing.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "analysis/model_files.h"
#include "tests/integration/footage_scan.h"
#include "tests/integration/relay_fixture.h"
#include "tools/media/vp8_decoder.h"
#include "tools/media/vp8_encoder.h"

extern char** environ;

namespace sightline::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kStartTimeout = 30s;
constexpr auto kAlertTimeout = 45s;
constexpr auto kStopTimeout = 20s;
constexpr auto kMinimumCall = 15s;
// 90 kHz RTP clock ticks per frame of a 15 fps clip.
constexpr int64_t kTicksPerFrame = 6000;

std::string phone_clip() {
  return (fs::path(SIGHTLINE_SOURCE_DIR) / ".cache/media/phone_raise_640x352.y4m").string();
}

fs::path make_temporary_root() {
  std::string pattern = (fs::temp_directory_path() / "sightline-no-footage-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `sightline serve`, optionally under strace, with its own environment and
// its standard output and error appended to one log file.
class ServeProcess {
 public:
  ~ServeProcess() { stop(); }

  std::optional<std::string> start(const std::vector<std::string>& command, const fs::path& working_directory,
                                   const fs::path& log_file, const std::vector<std::string>& environment) {
    std::vector<char*> argv;
    for (const std::string& word : command) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const std::string& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addchdir_np(&actions, working_directory.c_str());
    // A process group of its own, so that strace and the server it runs can be killed together.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    const int result = posix_spawn(&pid_, argv[0], &actions, &attributes, argv.data(), envp.data());
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (result != 0) return "cannot start " + command[0] + ": " + std::strerror(result);
    return std::nullopt;
  }

  // Sends SIGTERM to `target` (the server, which may be a child of strace)
  // and waits for the started process to exit. Returns its exit status.
  std::optional<int> stop(pid_t target = 0) {
    if (pid_ <= 0) return std::nullopt;
    // Without a known server pid the whole group gets SIGTERM, strace included.
    if (target > 0) {
      kill(target, SIGTERM);
    } else {
      kill(-pid_, SIGTERM);
    }
    const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(-pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        pid_ = 0;
        return std::nullopt;
      }
      std::this_thread::sleep_for(20ms);
    }
    // Anything left in the group, such as a server that strace left behind, goes too.
    kill(-pid_, SIGKILL);
    pid_ = 0;
    return WIFEXITED(status) ? std::optional<int>(WEXITSTATUS(status)) : std::nullopt;
  }

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    return waitpid(pid_, &status, WNOHANG) == 0;
  }

 private:
  pid_t pid_ = 0;
};

// The control port from the server's "listening" log line.
std::optional<uint16_t> listening_port(const std::string& log) {
  static const std::regex kListening(R"re("component":"control","event":"listening".*"port":(\d+))re");
  std::smatch match;
  if (!std::regex_search(log, match, kListening)) return std::nullopt;
  return static_cast<uint16_t>(std::stoi(match[1].str()));
}

bool alert_raised(const std::string& log) {
  static const std::regex kRaised(R"re("component":"analysis","event":"alert".*"state":"raised")re");
  return std::regex_search(log, kRaised);
}

// The pid of the traced server: the process that ran execve on the binary.
std::optional<pid_t> traced_server_pid(const fs::path& trace, const std::string& binary) {
  std::ifstream in(trace);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("execve(\"" + binary + "\"") == std::string::npos) continue;
    return static_cast<pid_t>(std::stol(line));
  }
  return std::nullopt;
}

struct TracedWrite {
  std::string call;
  std::string path;
};

// File system calls in an `strace -f -e trace=%file` output that create,
// write, rename or link files, with the path each names.
std::vector<TracedWrite> traced_writes(const fs::path& trace) {
  static const std::regex kOpen(R"re(^\d+ +(open|openat|creat)\((?:AT_FDCWD, |\d+<?[^,]*>?, )?"([^"]*)"(?:, ([A-Z_|]+))?)re");
  static const std::regex kOther(
      R"re(^\d+ +(mkdir|mkdirat|rename|renameat|renameat2|link|linkat|symlink|symlinkat|unlink|unlinkat|truncate)\((?:AT_FDCWD, )?"([^"]*)")re");
  std::vector<TracedWrite> writes;
  std::ifstream in(trace);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" = -1 ") != std::string::npos) continue;  // failed calls changed nothing
    std::smatch match;
    if (std::regex_search(line, match, kOpen)) {
      const std::string call = match[1].str();
      const std::string flags = match[3].str();
      const bool writes_file = call == "creat" || flags.find("O_WRONLY") != std::string::npos ||
                               flags.find("O_RDWR") != std::string::npos || flags.find("O_CREAT") != std::string::npos;
      if (writes_file) writes.push_back({call, match[2].str()});
    } else if (std::regex_search(line, match, kOther)) {
      writes.push_back({match[1].str(), match[2].str()});
    }
  }
  return writes;
}

bool expected_in_data_directory(const std::string& relative) {
  static const std::set<std::string> kExpected = {"sightline.db", "sightline.db-journal", "sightline.db-wal",
                                                   "sightline.db-shm", "join-secret"};
  return kExpected.contains(relative);
}

TEST(FootageScan, FindsDecodedFrameInBytes) {
  // The scan itself must find a decoded frame: encode and decode one frame
  // of the clip as the call does and hide its luma plane among text.
  const std::string clip = phone_clip();
  if (!fs::exists(clip)) GTEST_SKIP() << clip << " is missing; scripts/setup.sh makes it";
  std::string error;
  auto reader = media::Y4mReader::open(clip, false, error);
  ASSERT_NE(reader, nullptr) << error;
  media::Vp8EncoderConfig encoder_config;
  encoder_config.width = reader->width();
  encoder_config.height = reader->height();
  auto encoder = media::Vp8Encoder::create(encoder_config, error);
  ASSERT_NE(encoder, nullptr) << error;
  auto decoder = media::Vp8Decoder::create(error);
  ASSERT_NE(decoder, nullptr) << error;

  media::I420Frame source;
  media::I420Frame decoded;
  std::vector<media::EncodedFrame> encoded;
  for (int index = 0; index < 40 && reader->read_frame(source); ++index) {
    encoded.clear();
    ASSERT_TRUE(encoder->encode(source, index * kTicksPerFrame, encoded));
    for (const media::EncodedFrame& frame : encoded) decoder->decode(frame.bytes, decoded);
  }
  ASSERT_GT(decoded.width, 0);

  const LumaWindowSearch search = LumaWindowSearch::from_clip(clip, 1, 2, error);
  ASSERT_GT(search.window_count(), 100u) << error;
  std::vector<uint8_t> bytes(5000, 'x');
  EXPECT_EQ(search.find(bytes), std::nullopt);
  EXPECT_EQ(find_media_signature(bytes), std::nullopt);
  const size_t frame_offset = bytes.size();
  bytes.insert(bytes.end(), decoded.y().begin(), decoded.y().end());
  const std::optional<size_t> found = search.find(bytes);
  ASSERT_TRUE(found.has_value());
  EXPECT_GE(*found, frame_offset);

  // And a VP8 keyframe as it travels in RTP.
  encoder->request_keyframe();
  encoded.clear();
  ASSERT_TRUE(encoder->encode(source, 40 * kTicksPerFrame, encoded));
  ASSERT_FALSE(encoded.empty());
  std::vector<uint8_t> with_keyframe(100 + encoded[0].bytes.size(), 'y');
  std::copy(encoded[0].bytes.begin(), encoded[0].bytes.end(), with_keyframe.begin() + 100);
  EXPECT_NE(find_media_signature(with_keyframe), std::nullopt);
}

TEST(NoFootageStored, SupervisedCallWithAlertLeavesNoMedia) {
  const fs::path binary = fs::path(SIGHTLINE_BINARY_DIR) / "sightline";
  ASSERT_TRUE(fs::exists(binary)) << binary << " is missing; build the sightline target";
  const std::string clip = phone_clip();
  ASSERT_TRUE(fs::exists(clip)) << clip << " is missing; scripts/setup.sh makes it from the shared MP4";
  const fs::path models = analysis::models_directory("", SIGHTLINE_SOURCE_DIR);
  for (const char* file : {analysis::kNanoDetModelFile, analysis::kNanoDetSmallModelFile, analysis::kNsfwModelFile}) {
    if (!fs::exists(models / file)) {
      GTEST_SKIP() << "analysis models missing (" << (models / file)
                   << "); run tools/models/import.sh or set SIGHTLINE_MODELS_DIR";
    }
  }

  // Everywhere the server may write: its data directory, its TMPDIR and the
  // folder of its log. The trace goes elsewhere because it is the test's own file.
  const fs::path root = make_temporary_root();
  ASSERT_FALSE(root.empty()) << "cannot make a temporary folder";
  std::printf("server folders under %s (kept when the test fails)\n", root.c_str());
  const fs::path data = root / "data";
  const fs::path temporary = root / "tmp";
  const fs::path logs = root / "logs";
  const fs::path trace_folder = root / "trace";
  for (const fs::path& folder : {data, temporary, logs, trace_folder}) fs::create_directories(folder);
  const fs::path log_file = logs / "serve.log";
  const fs::path trace_file = trace_folder / "strace.txt";
  const FileListing data_before = list_files(data);
  const FileListing temporary_before = list_files(temporary);
  const FileListing logs_before = list_files(logs);

  const bool traced = fs::exists("/usr/bin/strace");
  std::vector<std::string> environment;
  std::string sanitizer_options;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    if (text.starts_with("TMPDIR=") || text.starts_with("SIGHTLINE_MODELS_DIR=")) continue;
    if (text.starts_with("ASAN_OPTIONS=")) {
      sanitizer_options = text.substr(std::string_view("ASAN_OPTIONS=").size());
      continue;
    }
    environment.push_back(text);
  }
  environment.push_back("TMPDIR=" + temporary.string());
  environment.push_back("SIGHTLINE_MODELS_DIR=" + models.string());
  // LeakSanitizer cannot run under ptrace, so a sanitizer build of the
  // server checks for leaks only when strace is not tracing it.
  if (traced) sanitizer_options += (sanitizer_options.empty() ? "" : ":") + std::string("detect_leaks=0");
  if (!sanitizer_options.empty()) environment.push_back("ASAN_OPTIONS=" + sanitizer_options);

  std::vector<std::string> command;
  if (traced) {
    command = {"/usr/bin/strace", "-f", "-qq", "-e", "trace=%file", "-o", trace_file.string()};
  } else {
    std::fprintf(stderr, "strace is not installed, so the files the server opens are not traced "
                         "(scripts/setup.sh installs it)\n");
  }
  const std::vector<std::string> serve = {binary.string(),
                                          "serve",
                                          "--control.port=0",
                                          "--control.tls=false",
                                          "--media.first-port=0",
                                          "--media.workers=1",
                                          "--admission.require-token=false",
                                          // No officer joins, so the call goes live without the ID check.
                                          "--calls.id-check=false",
                                          "--analysis.enabled=true",
                                          "--data.directory=" + data.string(),
                                          "--web.root=" + (fs::path(SIGHTLINE_SOURCE_DIR) / "web").string(),
                                          "--log.level=info"};
  command.insert(command.end(), serve.begin(), serve.end());

  ServeProcess server;
  ASSERT_EQ(server.start(command, root, log_file, environment), std::nullopt);
  std::optional<uint16_t> port;
  ASSERT_TRUE(wait_until(
      [&] {
        port = listening_port(read_text(log_file));
        return port.has_value() || !server.running();
      },
      kStartTimeout))
      << "the server did not start listening; its log:\n"
      << read_text(log_file);
  ASSERT_TRUE(port.has_value()) << "the server exited; its log:\n" << read_text(log_file);
  ASSERT_NE(read_text(log_file).find("\"analysis on\""), std::string::npos)
      << "analysis did not start; its log:\n"
      << read_text(log_file);

  // A supervised call: the caller raises a phone, the terminal talks.
  peer::PeerOptions caller_options;
  caller_options.relay_port = *port;
  caller_options.call_id = "no-footage";
  caller_options.participant_id = "caller";
  caller_options.role = "caller";
  caller_options.video_path = clip;
  peer::PeerOptions terminal_options = caller_options;
  terminal_options.participant_id = "terminal";
  terminal_options.role = "terminal";
  terminal_options.video_path = default_clip();
  peer::Peer caller(caller_options);
  peer::Peer terminal(terminal_options);
  ASSERT_EQ(caller.start(), std::nullopt);
  ASSERT_EQ(terminal.start(), std::nullopt);
  const auto call_started = std::chrono::steady_clock::now();
  const bool raised = wait_until([&] { return alert_raised(read_text(log_file)); }, kAlertTimeout);
  // Long enough for both raises of the clip, their clears and many samples.
  std::this_thread::sleep_until(std::max(call_started + kMinimumCall, std::chrono::steady_clock::now() + 2s));
  caller.stop();
  terminal.stop();
  EXPECT_GT(terminal.stats().frames_decoded, 100u) << "the call carried too little video to mean anything";

  std::optional<pid_t> server_pid;
  if (traced) server_pid = traced_server_pid(trace_file, binary.string());
  if (traced) {
    EXPECT_TRUE(server_pid.has_value()) << "no execve of " << binary << " in " << trace_file;
  }
  const std::optional<int> exit_status = server.stop(server_pid.value_or(0));
  EXPECT_EQ(exit_status, std::optional<int>(0)) << "the server did not stop cleanly on SIGTERM";
  const std::string log = read_text(log_file);
  EXPECT_TRUE(raised) << "no alert was raised while the caller raised a phone; the log:\n" << log;

  // Only the expected files are new.
  const FileListing data_after = list_files(data);
  const FileListing temporary_after = list_files(temporary);
  const FileListing logs_after = list_files(logs);
  std::vector<fs::path> stored;
  for (const auto& [path, size] : data_after) {
    if (data_before.contains(path)) continue;
    EXPECT_TRUE(expected_in_data_directory(path)) << "unexpected new file in the data directory: " << path << " ("
                                                  << size << " bytes); all files:\n"
                                                  << describe(data_after);
    stored.push_back(data / path);
  }
  EXPECT_TRUE(data_after.contains("sightline.db")) << "the database was not made; files:\n" << describe(data_after);
  EXPECT_EQ(temporary_after, temporary_before) << "files appeared in TMPDIR:\n" << describe(temporary_after);
  const FileListing logs_expected = {{"serve.log", fs::file_size(log_file)}};
  EXPECT_EQ(logs_after, logs_expected) << "files appeared in the log folder:\n" << describe(logs_after);
  stored.push_back(log_file);
  // The server's working directory is the root: nothing may appear there either.
  FileListing root_after;
  for (const auto& [path, size] : list_files(root)) {
    if (path.find('/') == path.size() - 1 || path.find('/') == std::string::npos) root_after[path] = size;
  }
  const FileListing root_expected = {{"data/", 0}, {"logs/", 0}, {"tmp/", 0}, {"trace/", 0}};
  EXPECT_EQ(root_after, root_expected) << "files appeared in the server's working directory:\n"
                                       << describe(root_after);

  // No image or frame bytes in what was written.
  std::string error;
  const LumaWindowSearch frames = LumaWindowSearch::from_clip(clip, 1, 2, error);
  ASSERT_GT(frames.window_count(), 100u) << "too few textured windows in " << clip << " " << error;
  for (const fs::path& file : stored) {
    const std::vector<uint8_t> bytes = read_bytes(file);
    const std::optional<std::string> signature = find_media_signature(bytes);
    EXPECT_EQ(signature, std::nullopt) << file << " contains " << signature.value_or("");
    const std::optional<size_t> window = frames.find(bytes);
    EXPECT_EQ(window, std::nullopt) << file << " contains a row of the clip's frames at offset " << window.value_or(0);
  }

  // Every file the server opened for writing, created, renamed or linked.
  if (traced) {
    const std::vector<TracedWrite> writes = traced_writes(trace_file);
    EXPECT_FALSE(writes.empty()) << "the trace shows no writes at all, so it cannot be read: " << trace_file;
    std::set<std::string> reported;
    for (const TracedWrite& write : writes) {
      if (!reported.insert(write.call + " " + write.path).second) continue;
      const fs::path path = fs::path(write.path).is_absolute() ? fs::path(write.path) : root / write.path;
      const fs::path normal = path.lexically_normal();
      const std::string relative = normal.lexically_relative(data).string();
      const bool in_data = !relative.starts_with("..") && (expected_in_data_directory(relative) || normal == data);
      const bool device = normal == "/dev/null" || normal == "/dev/tty";
      EXPECT_TRUE(in_data || device) << write.call << " of " << write.path << " outside the expected files";
    }
  }

  if (!::testing::Test::HasFailure()) fs::remove_all(root);
}

}  // namespace
}  // namespace sightline::testing

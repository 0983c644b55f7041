// CPU time readers over /proc/<pid>/stat (proc(5): utime and stime are fields 14 and 15, in clock ticks).
#include "tools/load/cpu_time.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace sightline::load {

namespace {
// Reads utime + stime from a stat file. The command name in field 2 may
// contain spaces and parentheses, so parsing starts after its last ')'.
std::optional<double> read_stat_cpu_seconds(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  if (!file || !std::getline(file, line)) return std::nullopt;
  const size_t name_end = line.rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(name_end + 1));
  // After the name: field 3 (state) through field 13 are skipped, 14 and 15 are read.
  std::string skipped;
  for (int field = 3; field <= 13; ++field) fields >> skipped;
  unsigned long long user_ticks = 0;
  unsigned long long system_ticks = 0;
  if (!(fields >> user_ticks >> system_ticks)) return std::nullopt;
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  if (ticks_per_second <= 0) return std::nullopt;
  return static_cast<double>(user_ticks + system_ticks) / static_cast<double>(ticks_per_second);
}

double to_seconds(const timeval& value) {
  return static_cast<double>(value.tv_sec) + static_cast<double>(value.tv_usec) / 1e6;
}
}  // namespace

std::optional<double> process_cpu_seconds(pid_t pid) {
  return read_stat_cpu_seconds("/proc/" + std::to_string(pid) + "/stat");
}

std::optional<double> thread_cpu_seconds(pid_t tid) {
  return read_stat_cpu_seconds("/proc/self/task/" + std::to_string(tid) + "/stat");
}

std::vector<pid_t> own_thread_ids() {
  std::vector<pid_t> ids;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", error)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
      ids.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return ids;
}

double own_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return to_seconds(usage.ru_utime) + to_seconds(usage.ru_stime);
}

unsigned usable_cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<unsigned>(count);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace sightline::load

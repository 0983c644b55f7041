// JSON-lines logger shared by every thread; writes are rare, so a mutex is fine.
#include "relay/base/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace sightline::log {

namespace {
std::atomic<Level> g_level{Level::info};
std::mutex g_write_mutex;

const char* level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buffer;
}
}  // namespace

void set_level(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level level() { return g_level.load(std::memory_order_relaxed); }

bool parse_level(std::string_view text, Level& out) {
  for (Level candidate : {Level::debug, Level::info, Level::warn, Level::error}) {
    if (text == level_name(candidate)) {
      out = candidate;
      return true;
    }
  }
  return false;
}

void write(Level level, std::string_view component, std::string_view event, const nlohmann::json& fields) {
  if (level < g_level.load(std::memory_order_relaxed)) return;

  nlohmann::json line = nlohmann::json::object();
  line["ts"] = utc_timestamp();
  line["level"] = level_name(level);
  line["component"] = component;
  line["event"] = event;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  // Replace invalid UTF-8 rather than throw: field values may come from the network.
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

  std::lock_guard lock(g_write_mutex);
  std::fprintf(stderr, "%s\n", text.c_str());
}

}  // namespace sightline::log

// Structured logging: one JSON object per line on standard error. Log state
// changes and rejections with their ids and reason; never log per packet
// (count it in a metric instead) and never log keys, tokens or media.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace sightline::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// Sets the lowest level written; the default is info.
void set_level(Level level);
Level level();
// Parses "debug", "info", "warn" or "error"; returns false for anything else.
bool parse_level(std::string_view text, Level& out);

// Writes {"ts": ..., "level": ..., "component": ..., "event": ..., fields...}.
void write(Level level, std::string_view component, std::string_view event,
           const nlohmann::json& fields = nlohmann::json::object());

inline void debug(std::string_view component, std::string_view event,
                  const nlohmann::json& fields = nlohmann::json::object()) {
  if (level() <= Level::debug) write(Level::debug, component, event, fields);
}
inline void info(std::string_view component, std::string_view event,
                 const nlohmann::json& fields = nlohmann::json::object()) {
  write(Level::info, component, event, fields);
}
inline void warn(std::string_view component, std::string_view event,
                 const nlohmann::json& fields = nlohmann::json::object()) {
  write(Level::warn, component, event, fields);
}
inline void error(std::string_view component, std::string_view event,
                  const nlohmann::json& fields = nlohmann::json::object()) {
  write(Level::error, component, event, fields);
}

}  // namespace sightline::log

// Typed settings read from a TOML file and overridden by command-line flags of
// the same dotted names: TOML "[media]\nworkers = 2" is the flag "--media.workers 2".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace sightline::control {

enum class SettingType { string, integer, boolean, number, duration };

// The outcome of apply_flags().
struct FlagsResult {
  // Arguments that are not flags, in order, including everything after "--".
  std::vector<std::string> positional;
  // True when --help or -h was given; the caller prints help_text() and exits.
  bool help_requested = false;
  // Empty on success, else what was wrong with which flag.
  std::string error;

  bool ok() const { return error.empty(); }
};

// Settings are registered up front with a name, help text, default, type and
// range, so that parsing, errors and --help all come from one table. Later
// sources override earlier ones: defaults, then load_file(), then apply_flags().
// Reading a name that was never registered, or with the wrong type, is a
// programming error and throws std::logic_error; user input never throws.
class Settings {
 public:
  void add_string(std::string name, std::string help, std::string default_value);
  void add_integer(std::string name, std::string help, int64_t default_value, int64_t min, int64_t max);
  void add_boolean(std::string name, std::string help, bool default_value);
  void add_number(std::string name, std::string help, double default_value, double min, double max);
  void add_duration(std::string name, std::string help, std::chrono::milliseconds default_value,
                    std::chrono::milliseconds min, std::chrono::milliseconds max);
  // Registers a short flag for a command, e.g. add_alias("seconds", "load.duration")
  // makes --seconds set load.duration. Aliases exist only as flags, not in files.
  void add_alias(std::string alias, std::string name);

  // Reads a TOML file. Returns an error naming the file, line and column, or nullopt.
  std::optional<std::string> load_file(const std::string& path);
  // Reads TOML text; source_name stands for the file name in errors.
  std::optional<std::string> load_toml(std::string_view text, std::string_view source_name);
  // Applies --name VALUE, --name=VALUE, and --name alone for booleans. argv[0]
  // is the program and is skipped. Stops at the first error.
  FlagsResult apply_flags(int argc, const char* const* argv);
  // One entry per setting and alias: flag, expected value, default, help.
  std::string help_text(std::string_view usage) const;

  const std::string& get_string(std::string_view name) const;
  int64_t get_integer(std::string_view name) const;
  bool get_boolean(std::string_view name) const;
  double get_number(std::string_view name) const;
  std::chrono::milliseconds get_duration(std::string_view name) const;
  // True when a file or a flag gave the setting a value.
  bool is_set(std::string_view name) const;
  // Lists the settings whose value differs from their default, as
  // "name = value (default: value)", in registration order.
  std::vector<std::string> values_other_than_defaults() const;

 private:
  using Value = std::variant<std::string, int64_t, bool, double, std::chrono::milliseconds>;

  struct Entry {
    std::string name;
    std::string help;
    SettingType type;
    Value value;
    Value default_value;
    // Inclusive range for integer, number and duration settings.
    Value min;
    Value max;
    bool set = false;
  };

  void add(Entry entry);
  Entry* find(std::string_view name);
  const Entry& require(std::string_view name, SettingType type) const;
  // Parses flag text into entry's value; returns an error text or empty.
  std::string assign_text(Entry& entry, std::string_view text);
  std::string assign_value(Entry& entry, const Value& value);
  // A key and value read from a TOML file, defined in settings.cpp.
  struct FileValue;
  std::string assign_file_value(const FileValue& item);

  static std::string expected(const Entry& entry);
  static std::string format(const Value& value);

  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<std::pair<std::string, std::string>> aliases_;
};

// Parses "250ms", "30s", "5m" or "1h". Returns nullopt for anything else.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace sightline::control

// Settings: registration, TOML loading with toml++, flag parsing and --help.
#include "relay/control/settings.h"

#include <toml++/toml.h>

#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace sightline::control {

using std::chrono::milliseconds;

namespace {

constexpr std::string_view kTypeNames[] = {"a string", "an integer", "true or false", "a number", "a duration"};

struct DurationUnit {
  std::string_view suffix;
  int64_t milliseconds;
};
// Longest suffix first, so that "ms" is not read as "m" followed by "s".
constexpr DurationUnit kDurationUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};

std::optional<int64_t> parse_integer(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string location_of(std::string_view source, const toml::source_region& region) {
  return std::string(source) + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
}

}  // namespace

std::optional<milliseconds> parse_duration(std::string_view text) {
  for (const DurationUnit& unit : kDurationUnits) {
    if (!text.ends_with(unit.suffix)) continue;
    const auto count = parse_integer(text.substr(0, text.size() - unit.suffix.size()));
    if (!count || *count < 0 || *count > INT64_MAX / unit.milliseconds) return std::nullopt;
    return milliseconds(*count * unit.milliseconds);
  }
  return std::nullopt;
}

struct Settings::FileValue {
  std::string name;
  std::string location;
  // Holds the TOML string, integer, boolean or float; monostate for any other TOML type.
  std::variant<std::monostate, std::string, int64_t, bool, double> value;
  std::string toml_type;
};

void Settings::add(Entry entry) {
  if (index_.contains(entry.name)) throw std::logic_error("setting registered twice: " + entry.name);
  index_.emplace(entry.name, entries_.size());
  entries_.push_back(std::move(entry));
}

void Settings::add_string(std::string name, std::string help, std::string default_value) {
  add(Entry{std::move(name), std::move(help), SettingType::string, default_value, default_value, {}, {}});
}

void Settings::add_integer(std::string name, std::string help, int64_t default_value, int64_t min, int64_t max) {
  add(Entry{std::move(name), std::move(help), SettingType::integer, default_value, default_value, min, max});
}

void Settings::add_boolean(std::string name, std::string help, bool default_value) {
  add(Entry{std::move(name), std::move(help), SettingType::boolean, default_value, default_value, {}, {}});
}

void Settings::add_number(std::string name, std::string help, double default_value, double min, double max) {
  add(Entry{std::move(name), std::move(help), SettingType::number, default_value, default_value, min, max});
}

void Settings::add_duration(std::string name, std::string help, milliseconds default_value, milliseconds min,
                            milliseconds max) {
  add(Entry{std::move(name), std::move(help), SettingType::duration, default_value, default_value, min, max});
}

void Settings::add_alias(std::string alias, std::string name) {
  if (find(name) == nullptr) throw std::logic_error("alias --" + alias + " names unknown setting " + name);
  aliases_.emplace_back(std::move(alias), std::move(name));
}

Settings::Entry* Settings::find(std::string_view name) {
  const auto found = index_.find(std::string(name));
  return found == index_.end() ? nullptr : &entries_[found->second];
}

const Settings::Entry& Settings::require(std::string_view name, SettingType type) const {
  const auto found = index_.find(std::string(name));
  if (found == index_.end()) throw std::logic_error("setting not registered: " + std::string(name));
  const Entry& entry = entries_[found->second];
  if (entry.type != type) throw std::logic_error("setting " + std::string(name) + " read with the wrong type");
  return entry;
}

std::string Settings::format(const Value& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return "\"" + *text + "\"";
  if (const auto* integer = std::get_if<int64_t>(&value)) return std::to_string(*integer);
  if (const auto* boolean = std::get_if<bool>(&value)) return *boolean ? "true" : "false";
  if (const auto* number = std::get_if<double>(&value)) {
    std::ostringstream out;
    out << *number;
    return out.str();
  }
  const int64_t ms = std::get<milliseconds>(value).count();
  for (auto unit = std::rbegin(kDurationUnits); unit != std::rend(kDurationUnits); ++unit) {
    if (ms != 0 && ms % unit->milliseconds == 0) return std::to_string(ms / unit->milliseconds) + std::string(unit->suffix);
  }
  return std::to_string(ms) + "ms";
}

std::string Settings::expected(const Entry& entry) {
  std::string text(kTypeNames[static_cast<size_t>(entry.type)]);
  if (entry.type == SettingType::integer || entry.type == SettingType::number ||
      entry.type == SettingType::duration) {
    text += " from " + format(entry.min) + " to " + format(entry.max);
  }
  if (entry.type == SettingType::duration) text += " such as 250ms, 30s, 5m or 1h";
  return text;
}

std::string Settings::assign_value(Entry& entry, const Value& value) {
  const bool in_range = std::visit(
      [&](const auto& typed) {
        using T = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, double> || std::is_same_v<T, milliseconds>) {
          return std::get<T>(entry.min) <= typed && typed <= std::get<T>(entry.max);
        } else {
          return true;
        }
      },
      value);
  if (!in_range) return entry.name + " must be " + expected(entry) + ", got " + format(value);
  entry.value = value;
  entry.set = true;
  return {};
}

std::string Settings::assign_text(Entry& entry, std::string_view text) {
  const std::string invalid = entry.name + " must be " + expected(entry) + ", got \"" + std::string(text) + "\"";
  switch (entry.type) {
    case SettingType::string:
      return assign_value(entry, std::string(text));
    case SettingType::integer: {
      const auto value = parse_integer(text);
      return value ? assign_value(entry, *value) : invalid;
    }
    case SettingType::boolean:
      if (text == "true") return assign_value(entry, true);
      if (text == "false") return assign_value(entry, false);
      return invalid;
    case SettingType::number: {
      const auto value = parse_number(text);
      return value ? assign_value(entry, *value) : invalid;
    }
    case SettingType::duration: {
      const auto value = parse_duration(text);
      return value ? assign_value(entry, *value) : invalid;
    }
  }
  return invalid;
}

std::string Settings::assign_file_value(const FileValue& item) {
  Entry* entry = find(item.name);
  if (entry == nullptr) {
    return item.location + ": unknown setting \"" + item.name + "\"; run with --help to list the settings";
  }
  const std::string wrong_type = item.location + ": " + item.name + " must be " + expected(*entry) + ", got " +
                                 item.toml_type;
  std::string error;
  switch (entry->type) {
    case SettingType::string:
      if (!std::holds_alternative<std::string>(item.value)) return wrong_type;
      error = assign_value(*entry, std::get<std::string>(item.value));
      break;
    case SettingType::integer:
      if (!std::holds_alternative<int64_t>(item.value)) return wrong_type;
      error = assign_value(*entry, std::get<int64_t>(item.value));
      break;
    case SettingType::boolean:
      if (!std::holds_alternative<bool>(item.value)) return wrong_type;
      error = assign_value(*entry, std::get<bool>(item.value));
      break;
    case SettingType::number:
      // TOML writes whole numbers as integers, which a number setting accepts.
      if (const auto* integer = std::get_if<int64_t>(&item.value)) {
        error = assign_value(*entry, static_cast<double>(*integer));
      } else if (const auto* number = std::get_if<double>(&item.value)) {
        error = assign_value(*entry, *number);
      } else {
        return wrong_type;
      }
      break;
    case SettingType::duration:
      if (!std::holds_alternative<std::string>(item.value)) return wrong_type;
      error = assign_text(*entry, std::get<std::string>(item.value));
      break;
  }
  return error.empty() ? error : item.location + ": " + error;
}

namespace {

// Flattens nested tables into dotted names, in file order.
template <typename FileValue>
void flatten_table(const toml::table& table, const std::string& prefix, std::string_view source,
                   std::vector<FileValue>& out) {
  for (const auto& [key, node] : table) {
    const std::string name = prefix + std::string(key.str());
    if (const toml::table* child = node.as_table()) {
      flatten_table(*child, name + ".", source, out);
      continue;
    }
    FileValue item;
    item.name = name;
    item.location = location_of(source, node.source());
    if (const auto* text = node.as_string()) {
      item.value = text->get();
      item.toml_type = "a string";
    } else if (const auto* integer = node.as_integer()) {
      item.value = integer->get();
      item.toml_type = "an integer";
    } else if (const auto* boolean = node.as_boolean()) {
      item.value = boolean->get();
      item.toml_type = "a boolean";
    } else if (const auto* number = node.as_floating_point()) {
      item.value = number->get();
      item.toml_type = "a float";
    } else {
      item.toml_type = node.is_array() ? "an array" : "a date or time";
    }
    out.push_back(std::move(item));
  }
}

}  // namespace

std::optional<std::string> Settings::load_toml(std::string_view text, std::string_view source_name) {
  toml::table table;
  try {
    table = toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    return location_of(source_name, error.source()) + ": invalid TOML: " + std::string(error.description());
  }

  std::vector<FileValue> items;
  flatten_table(table, "", source_name, items);
  for (const FileValue& item : items) {
    std::string error = assign_file_value(item);
    if (!error.empty()) return error;
  }
  return std::nullopt;
}

std::optional<std::string> Settings::load_file(const std::string& path) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    // toml++ reports an unreadable file as a parse error at line 0.
    if (error.source().begin.line == 0) return "cannot read config file " + path + ": " + std::string(error.description());
    return location_of(path, error.source()) + ": invalid TOML: " + std::string(error.description());
  }

  std::vector<FileValue> items;
  flatten_table(table, "", path, items);
  for (const FileValue& item : items) {
    std::string error = assign_file_value(item);
    if (!error.empty()) return error;
  }
  return std::nullopt;
}

FlagsResult Settings::apply_flags(int argc, const char* const* argv) {
  FlagsResult result;
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (argument == "--") {
      for (++i; i < argc; ++i) result.positional.emplace_back(argv[i]);
      break;
    }
    if (argument == "--help" || argument == "-h") {
      result.help_requested = true;
      continue;
    }
    if (!argument.starts_with("--")) {
      if (argument.starts_with("-") && argument.size() > 1) {
        result.error = "unknown flag " + std::string(argument) + "; flags start with -- (run with --help)";
        return result;
      }
      result.positional.emplace_back(argument);
      continue;
    }

    const std::string_view body = argument.substr(2);
    const size_t equals = body.find('=');
    std::string name(body.substr(0, equals));
    for (const auto& [alias, target] : aliases_) {
      if (alias == name) name = target;
    }
    Entry* entry = find(name);
    if (entry == nullptr) {
      result.error = "unknown flag --" + std::string(body.substr(0, equals)) + "; run with --help to list the flags";
      return result;
    }

    std::string value;
    if (equals != std::string_view::npos) {
      value = body.substr(equals + 1);
    } else if (entry->type == SettingType::boolean) {
      // A bare boolean flag turns the setting on; "--flag false", as the
      // help's "<true or false>" suggests, takes the next argument.
      const bool value_follows =
          i + 1 < argc && (std::string_view(argv[i + 1]) == "true" || std::string_view(argv[i + 1]) == "false");
      value = value_follows ? argv[++i] : "true";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      result.error = "flag --" + std::string(body) + " needs a value: " + expected(*entry);
      return result;
    }

    const std::string error = assign_text(*entry, value);
    if (!error.empty()) {
      result.error = "flag --" + std::string(body.substr(0, equals)) + ": " + error;
      return result;
    }
  }
  return result;
}

std::string Settings::help_text(std::string_view usage) const {
  std::string text = "Usage: " + std::string(usage) + "\n\n";
  text += "Each setting is a key in the TOML config file ([section] then key = value)\n";
  text += "and a flag of the same dotted name, which overrides the file.\n\n";
  for (const Entry& entry : entries_) {
    text += "  --" + entry.name + " <" + expected(entry) + ">\n";
    text += "      " + entry.help + " Default: " + format(entry.default_value) + ".\n";
  }
  if (!aliases_.empty()) text += "\nShort flags:\n";
  for (const auto& [alias, name] : aliases_) text += "  --" + alias + "  is --" + name + "\n";
  text += "  --help, -h  prints this text\n";
  return text;
}

const std::string& Settings::get_string(std::string_view name) const {
  return std::get<std::string>(require(name, SettingType::string).value);
}

int64_t Settings::get_integer(std::string_view name) const {
  return std::get<int64_t>(require(name, SettingType::integer).value);
}

bool Settings::get_boolean(std::string_view name) const {
  return std::get<bool>(require(name, SettingType::boolean).value);
}

double Settings::get_number(std::string_view name) const {
  return std::get<double>(require(name, SettingType::number).value);
}

milliseconds Settings::get_duration(std::string_view name) const {
  return std::get<milliseconds>(require(name, SettingType::duration).value);
}

bool Settings::is_set(std::string_view name) const {
  const auto found = index_.find(std::string(name));
  return found != index_.end() && entries_[found->second].set;
}

std::vector<std::string> Settings::values_other_than_defaults() const {
  std::vector<std::string> differing;
  for (const Entry& entry : entries_) {
    if (entry.value == entry.default_value) continue;
    differing.push_back(entry.name + " = " + format(entry.value) + " (default: " + format(entry.default_value) + ")");
  }
  return differing;
}

}  // namespace sightline::control

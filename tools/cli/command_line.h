// Shared command-line handling: an optional --config TOML file, then flags of
// the same names, then --help.
#pragma once

#include <optional>
#include <string_view>

#include "relay/control/settings.h"

namespace sightline::cli {

// Applies --config FILE (if given) and the other flags to settings. Returns
// an exit code when the command should stop here: after printing help, or
// after printing what was wrong with the file or a flag.
std::optional<int> apply_command_line(control::Settings& settings, int argc, const char* const* argv,
                                      std::string_view usage, std::string_view description);

}  // namespace sightline::cli

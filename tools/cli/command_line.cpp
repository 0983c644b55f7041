// --config, flags and --help for every subcommand.
#include "tools/cli/command_line.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/cli/commands.h"

namespace sightline::cli {

std::optional<int> apply_command_line(control::Settings& settings, int argc, const char* const* argv,
                                      std::string_view usage, std::string_view description) {
  // Take --config out first: the file is applied before the flags, so that
  // a flag overrides the file whatever their order on the command line.
  std::vector<const char*> rest;
  std::string config_path;
  for (int i = 0; i < argc; ++i) {
    const char* argument = argv[i];
    if (i > 0 && std::strcmp(argument, "--config") == 0) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "error: --config needs a file path\n");
        return kExitUsage;
      }
      config_path = argv[++i];
      continue;
    }
    if (i > 0 && std::strncmp(argument, "--config=", 9) == 0) {
      config_path = argument + 9;
      continue;
    }
    rest.push_back(argument);
  }

  if (!config_path.empty()) {
    if (auto error = settings.load_file(config_path)) {
      std::fprintf(stderr, "error: %s\n", error->c_str());
      return kExitUsage;
    }
  }
  const control::FlagsResult flags = settings.apply_flags(static_cast<int>(rest.size()), rest.data());
  if (flags.help_requested) {
    std::printf("%.*s\n\n%s  --config FILE\n      TOML file with any of the settings above; flags override it.\n",
                static_cast<int>(description.size()), description.data(), settings.help_text(usage).c_str());
    return kExitOk;
  }
  if (!flags.ok()) {
    std::fprintf(stderr, "error: %s\n", flags.error.c_str());
    return kExitUsage;
  }
  if (!flags.positional.empty()) {
    std::fprintf(stderr, "error: unexpected argument '%s'\nRun with --help for the options.\n",
                 flags.positional.front().c_str());
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace sightline::cli

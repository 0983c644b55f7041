// `sightline load`: drives many calls against a relay and reports what it
// carried. The CLI calls run_load with the arguments after the subcommand.
#pragma once

#include <atomic>

namespace sightline::load {

// Parses the options, runs the load and prints progress lines, then the JSON
// summary as the last line of stdout. Returns 0 on success, 1 when the run
// failed, 2 for invalid options. stop_requested (may be null) ends the run early.
int run_load(int argc, const char* const* argv, const std::atomic<bool>* stop_requested = nullptr);

}  // namespace sightline::load

// sightline purge: runs the retention purge now, deleting the personal data
// of detained individuals and their recipients six months after their last
// call, and prints what it deleted as counts.
#include <cstdio>
#include <string>

#include "policy/retention_job.h"
#include "policy/store_factory.h"
#include "relay/control/settings.h"
#include "tools/cli/command_line.h"
#include "tools/cli/commands.h"
#include "tools/cli/existing_policy_store.h"

namespace sightline::cli {
namespace {

std::string count_text(int64_t count, const char* singular, const char* plural) {
  return std::to_string(count) + " " + (count == 1 ? singular : plural);
}

std::string counts_text(const policy::RetentionCounts& counts) {
  return count_text(counts.individuals, "detained individual", "detained individuals") + " and " +
         count_text(counts.recipients, "recipient", "recipients");
}

}  // namespace

int run_purge(int argc, const char* const* argv) {
  control::Settings settings;
  settings.add_string("purge.store", "Policy store URL: sqlite:PATH, a file path, or postgresql://...", "");
  settings.add_string("purge.now", "The time to purge as of, in UTC as 2026-09-04T02:00:00Z, not in the future unless --dry-run; default: now.",
                      "");
  settings.add_boolean("purge.dry-run", "Count what would be deleted and delete nothing.", false);
  settings.add_alias("store", "purge.store");
  settings.add_alias("now", "purge.now");
  settings.add_alias("dry-run", "purge.dry-run");
  if (auto exit_code = apply_command_line(settings, argc, argv, "sightline purge --store URL [--now ISO8601] [--dry-run]",
                                          "Deletes the personal data of detained individuals and their recipients "
                                          "six months after their last call, and records the run.")) {
    return *exit_code;
  }

  const std::string& url = settings.get_string("purge.store");
  if (url.empty()) {
    std::fprintf(stderr, "error: --store is required (the policy store URL, e.g. sqlite:/var/lib/sightline/sightline.db)\n");
    return kExitUsage;
  }
  try {
    policy::parse_store_url(url);
  } catch (const policy::StoreError& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return kExitUsage;
  }
  policy::UtcTime now = policy::SystemClock().now();
  if (const std::string& text = settings.get_string("purge.now"); !text.empty()) {
    auto parsed = policy::parse_utc(text);
    if (!parsed) {
      std::fprintf(stderr, "error: invalid --now '%s'; write a UTC time as 2026-09-04T02:00:00Z\n", text.c_str());
      return kExitUsage;
    }
    now = *parsed;
  }
  const bool dry_run = settings.get_boolean("purge.dry-run");
  // A purge as of a later time would delete data before its six months
  // have passed; only a dry run may look ahead.
  if (!dry_run && now > policy::SystemClock().now()) {
    std::fprintf(stderr, "error: --now %s is in the future; a purge cannot run ahead of time, so add --dry-run to preview\n",
                 policy::format_utc(now).c_str());
    return kExitUsage;
  }

  try {
    auto store = open_existing_policy_store(url);
    const std::string when = policy::format_utc(now);
    if (dry_run) {
      const policy::RetentionCounts due = policy::count_due_for_deletion(*store, now);
      std::printf("dry run as of %s: would delete %s; nothing was deleted\n", when.c_str(), counts_text(due).c_str());
      return kExitOk;
    }
    const policy::RetentionCounts deleted = policy::run_retention(*store, now, policy::RetentionTrigger::command);
    std::printf("purged as of %s: deleted %s\n", when.c_str(), counts_text(deleted).c_str());
    return kExitOk;
  } catch (const policy::StoreError& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return kExitFailure;
  }
}

}  // namespace sightline::cli

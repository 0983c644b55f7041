// sightline audit: writes the annual self-audit of one year as
// audit-YYYY.html (printable, self-contained) and audit-YYYY.csv (one file,
// with a section column) from the policy store.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "policy/audit_report.h"
#include "policy/store_factory.h"
#include "relay/control/settings.h"
#include "tools/cli/command_line.h"
#include "tools/cli/commands.h"
#include "tools/cli/existing_policy_store.h"

namespace sightline::cli {
namespace {

// A year as four digits; anything else is a usage error.
constexpr int64_t kLastWritableYear = 9999;

bool write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) {
    std::fprintf(stderr, "error: failed to write %s\n", path.string().c_str());
    return false;
  }
  return true;
}

int write_report(const policy::AuditReport& report, const std::filesystem::path& out_dir) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) {
    std::fprintf(stderr, "error: failed to create output directory %s: %s\n", out_dir.string().c_str(),
                 error.message().c_str());
    return kExitFailure;
  }
  const std::string stem = "audit-" + std::to_string(report.year);
  const std::filesystem::path html = out_dir / (stem + ".html");
  const std::filesystem::path csv = out_dir / (stem + ".csv");
  if (!write_file(html, policy::render_audit_html(report)) || !write_file(csv, policy::render_audit_csv(report))) {
    return kExitFailure;
  }
  std::printf("wrote %s\nwrote %s\n", html.string().c_str(), csv.string().c_str());
  return kExitOk;
}

}  // namespace

int run_audit(int argc, const char* const* argv) {
  control::Settings settings;
  settings.add_integer("audit.year", "The calendar year to audit, e.g. 2026.", 0, 0, kLastWritableYear);
  settings.add_string("audit.store", "Policy store URL: sqlite:PATH, a file path, or postgresql://...", "");
  settings.add_string("audit.out", "Directory to write audit-YYYY.html and audit-YYYY.csv to; created if missing.", ".");
  settings.add_string("audit.centre", "Audit only this centre, by its name; default: every centre.", "");
  settings.add_alias("year", "audit.year");
  settings.add_alias("store", "audit.store");
  settings.add_alias("out", "audit.out");
  settings.add_alias("centre", "audit.centre");
  if (auto exit_code = apply_command_line(settings, argc, argv,
                                          "sightline audit --year YYYY --store URL [--out DIR] [--centre NAME]",
                                          "Writes the annual self-audit of video calls as HTML and CSV.")) {
    return *exit_code;
  }

  if (!settings.is_set("audit.year")) {
    std::fprintf(stderr, "error: --year is required (the calendar year to audit, e.g. 2026)\n");
    return kExitUsage;
  }
  const std::string& url = settings.get_string("audit.store");
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
  const int year = static_cast<int>(settings.get_integer("audit.year"));
  const std::string& centre = settings.get_string("audit.centre");

  try {
    auto store = open_existing_policy_store(url);
    auto report = policy::build_audit_report(*store, year, centre.empty() ? std::nullopt : std::optional(centre),
                                              policy::SystemClock().now());
    if (!report.ok()) {
      std::fprintf(stderr, "error: %s\n", report.refusal().reason.c_str());
      return kExitUsage;
    }
    return write_report(report.value(), settings.get_string("audit.out"));
  } catch (const policy::StoreError& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return kExitFailure;
  }
}

}  // namespace sightline::cli

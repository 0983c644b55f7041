// Suspension notices.
#include "policy/suspension_notice.h"

#include <cstdio>
#include <utility>
#include <vector>

namespace sightline::policy {
namespace {

std::string escape_html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string local_text(const CentreTimeZone& zone, UtcTime t) {
  const LocalTime local = zone.to_local(t);
  const LocalDay day = std::chrono::floor<days>(local);
  const std::chrono::hh_mm_ss hms{local - day};
  char text[64];
  std::snprintf(text, sizeof text, " %02d:%02d", static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()));
  return format_date(std::chrono::year_month_day{std::chrono::sys_days{day.time_since_epoch()}}) + text + " (" +
         zone.name() + ")";
}

}  // namespace

std::string render_suspension_notice(const Suspension& s, const std::string& recorded_name, const CentreTimeZone& zone,
                                     NoticeFormat format) {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"Name", recorded_name},
      {"Reason category", std::string(to_string(s.category))},
      {"Reasons", s.reasons},
      {"From", local_text(zone, s.starts_at)},
      {"Until", local_text(zone, s.ends_at)},
      {"Decided by", s.decided_by},
      {"Authorised by", s.authorised_by.empty() ? "not required (7 days or less)" : s.authorised_by},
      {"Legal access meanwhile", s.legal_access},
  };
  const std::string title = "Notice of suspension of video calls";
  const std::string appeal =
      "You may appeal against this decision. Your appeal will be decided within 48 hours, or within 12 hours if you "
      "have removal directions soon, by a manager who did not make this decision. Calls with your legal adviser "
      "continue as described above.";

  if (format == NoticeFormat::text) {
    std::string out = title + "\n\n";
    for (const auto& [label, value] : fields) out += label + ": " + value + "\n";
    return out + "\n" + appeal + "\n";
  }
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title +
                    "</title><style>body{font-family:serif;max-width:40em;margin:2em auto}"
                    "th{text-align:left;padding-right:1em}@media print{body{margin:0}}</style></head><body>\n<h1>" +
                    title + "</h1>\n<table>\n";
  for (const auto& [label, value] : fields) {
    out += "<tr><th>" + escape_html(label) + "</th><td>" + escape_html(value) + "</td></tr>\n";
  }
  return out + "</table>\n<p>" + escape_html(appeal) + "</p>\n</body></html>\n";
}

}  // namespace sightline::policy

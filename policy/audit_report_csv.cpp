// The audit report as one CSV file (RFC 4180: comma-separated, CRLF line
// ends, fields quoted when they contain a comma, quote or line break).
//
// Columns: section,centre,date,item,value,note. The sections and their rows:
//   refusals_by_reason      item = reason code, value = count
//   refusal                 centre, date = local time, item = reason code, note = recorded reason
//   suspension_reviews      item = on_time | late | missing, value = count
//   suspension              centre, date = local start, item = suspension id, value = length in days,
//                           note = category, end, authorisation and review counts
//   appeals                 item = in_time | late | overdue | pending | same_manager, value = count
//   appeal                  centre, date = local lodged time, item = appeal id, value = empty,
//                           note = timing, due, decision and both managers
//   availability            centre, item = finished | recorded | under_minimum | not_recorded, value = days
//   availability_day        centre, date, item = available_hours, value = hours, note = "under_minimum" or empty
//   retention_run           date = UTC time, item = individuals_deleted | recipients_deleted, value = count
//                           (empty when not recorded), note = what started the run
//   incidents_by_kind       item = kind, value = count
#include <cstdio>
#include <string>

#include "policy/audit_report.h"

namespace sightline::policy {
namespace {

struct CsvRow {
  std::string_view section;
  std::string centre;
  std::string date;
  std::string item;
  std::string value;
  std::string note;
};

// Quotes a field when RFC 4180 needs it. A text field starting with = + - @
// or a tab gets a leading apostrophe, so that a spreadsheet shows it as
// text instead of running it as a formula.
std::string field(std::string_view text, bool is_text) {
  std::string value(text);
  if (is_text && !value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos) {
    value.insert(value.begin(), '\'');
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void append(std::string& csv, const CsvRow& row) {
  csv += std::string(row.section) + "," + field(row.centre, true) + "," + field(row.date, false) + "," +
         field(row.item, true) + "," + field(row.value, false) + "," + field(row.note, true) + "\r\n";
}

void append_counts(std::string& csv, std::string_view section, const std::string& centre,
                   const std::vector<NamedCount>& counts) {
  for (const NamedCount& c : counts) append(csv, {section, centre, "", c.name, std::to_string(c.count), ""});
}

std::string decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

std::string utc_text(UtcTime t) {
  std::string text = format_utc(t).substr(0, 16);
  text[10] = ' ';
  return text;
}

void append_suspensions(std::string& csv, const AuditReport& report) {
  append_counts(csv, "suspension_reviews", "", review_summary(report));
  for (const AuditSuspension& s : report.suspensions) {
    const std::string note = "category " + s.category + "; ends " + s.ends + "; authorised by " +
                             (s.authorised_by.empty() ? "not recorded" : s.authorised_by) + "; reviews due " +
                             std::to_string(s.reviews_due) + ", on time " + std::to_string(s.reviews_on_time) +
                             ", late " + std::to_string(s.reviews_late) + ", missing " +
                             std::to_string(s.reviews_missing);
    append(csv, {"suspension", s.centre, s.starts, std::to_string(s.id), decimal(s.length_days), note});
  }
}

void append_appeals(std::string& csv, const AuditReport& report) {
  append_counts(csv, "appeals", "", appeal_summary(report));
  for (const AuditAppeal& a : report.appeals) {
    std::string note = std::string(to_string(a.timing)) + "; due " + a.due + "; ";
    note += a.decided.empty() ? "not decided" : "decided " + a.decided + " by " + a.decided_by;
    note += "; suspension decided by " + a.suspension_decided_by;
    if (a.same_manager) note += "; same manager";
    if (a.imminent_removal) note += "; imminent removal";
    append(csv, {"appeal", a.centre, a.lodged, std::to_string(a.id), "", note});
  }
}

void append_availability(std::string& csv, const AuditReport& report) {
  for (const AuditAvailability& centre : report.availability) {
    append_counts(csv, "availability", centre.centre, availability_summary(centre));
    for (const DailyAvailability& d : centre.days) {
      const std::string date =
          format_date(std::chrono::year_month_day{std::chrono::sys_days{d.day.time_since_epoch()}});
      append(csv, {"availability_day", centre.centre, date, "available_hours",
                   decimal(static_cast<double>(d.available.count()) / 3600.0), d.below_minimum ? "under_minimum" : ""});
    }
  }
}

void append_retention_runs(std::string& csv, const AuditReport& report) {
  for (const RetentionRun& run : report.retention_runs) {
    const std::string started_by = run.started_by.empty() ? "not recorded" : run.started_by;
    append(csv, {"retention_run", "", utc_text(run.ran_at), "individuals_deleted",
                 std::to_string(run.individuals_deleted), started_by});
    append(csv, {"retention_run", "", utc_text(run.ran_at), "recipients_deleted",
                 run.recipients_deleted ? std::to_string(*run.recipients_deleted) : "", started_by});
  }
}

}  // namespace

std::string render_audit_csv(const AuditReport& report) {
  std::string csv = "section,centre,date,item,value,note\r\n";
  append_counts(csv, "refusals_by_reason", "", report.refusals_by_reason);
  for (const AuditRefusal& r : report.refusals) append(csv, {"refusal", r.centre, r.local_time, r.code, "", r.reason});
  append_suspensions(csv, report);
  append_appeals(csv, report);
  append_availability(csv, report);
  append_retention_runs(csv, report);
  append_counts(csv, "incidents_by_kind", "", report.incidents_by_kind);
  return csv;
}

}  // namespace sightline::policy

// The audit report as one self-contained, printable HTML page.
#include <cstdio>
#include <string>

#include "policy/audit_chart.h"
#include "policy/audit_report.h"

namespace sightline::policy {
namespace {

constexpr std::string_view kStyle = R"css(
body { font-family: sans-serif; color: #1a1a1a; background: #fff; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 2px solid #1f4e8c; } h3 { font-size: 1.05rem; }
table { border-collapse: collapse; margin: 0.8rem 0 1.2rem; font-size: 0.92rem; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3rem; }
caption { white-space: nowrap; }
th, td { border: 1px solid #767676; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #e8eef6; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.warning { color: #b00020; font-weight: bold; }
.meaning { font-style: italic; }
svg { display: block; max-width: 100%; height: auto; margin: 0.5rem 0; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-before: auto; break-after: avoid; }
  table, svg { break-inside: avoid; }
  th { background: #e8eef6 !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  rect { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
)css";

std::string hours_text(std::chrono::seconds duration) {
  char text[16];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(duration.count()) / 3600.0);
  return text;
}

std::string day_text(LocalDay day) {
  return format_date(std::chrono::year_month_day{std::chrono::sys_days{day.time_since_epoch()}});
}

std::string cell(std::string_view text) { return "<td>" + escape_html(text) + "</td>"; }
std::string number_cell(int64_t value) { return "<td class=\"number\">" + std::to_string(value) + "</td>"; }
std::string warning_cell(std::string_view text) { return "<td class=\"warning\">" + escape_html(text) + "</td>"; }

std::string table_open(std::string_view caption, std::initializer_list<std::string_view> headings) {
  std::string html = "<table>\n<caption>" + escape_html(caption) + "</caption>\n<thead><tr>";
  for (std::string_view heading : headings) html += "<th scope=\"col\">" + escape_html(heading) + "</th>";
  return html + "</tr></thead>\n<tbody>\n";
}
constexpr std::string_view kTableClose = "</tbody>\n</table>\n";

std::string section_open(std::string_view id, std::string_view heading, std::string_view meaning) {
  return "<section id=\"" + std::string(id) + "\">\n<h2>" + escape_html(heading) + "</h2>\n<p class=\"meaning\">" +
         escape_html(meaning) + "</p>\n";
}

std::string counts_table(std::string_view caption, std::string_view name_heading, const std::vector<NamedCount>& counts) {
  std::string html = table_open(caption, {name_heading, "Count"});
  for (const NamedCount& c : counts) html += "<tr>" + cell(c.name) + number_cell(c.count) + "</tr>\n";
  if (counts.empty()) html += "<tr><td colspan=\"2\">None in this year.</td></tr>\n";
  return html + std::string(kTableClose);
}

std::string header(const AuditReport& report) {
  std::string centres;
  for (const AuditCentre& c : report.centres) {
    if (!centres.empty()) centres += ", ";
    centres += c.name + " (" + c.time_zone + ")";
  }
  if (centres.empty()) centres = "no centres are recorded in the store";
  const std::string year = std::to_string(report.year);
  std::string generated = format_utc(report.generated_at).substr(0, 16) + " UTC";
  generated[10] = ' ';
  return "<header>\n<h1>Video calls: annual self-audit " + year + "</h1>\n<p>Centres: " + escape_html(centres) +
         ".<br>Year: 1 January to 31 December " + year +
         ", by each centre's local time; times below are local to the centre unless marked UTC.<br>Generated: " +
         generated +
         ".</p>\n<p>This report is drawn from the policy store as it stands. People whose data retention has "
         "deleted no longer appear in the suspension and appeal sections; refusals and incident reports are kept "
         "without their names.</p>\n</header>\n";
}

std::string refusals_section(const AuditReport& report) {
  std::string html = section_open("refusals", "Refusals and their reasons",
                                  "Every refused booking request, with the reason recorded when it was refused and "
                                  "reported to the security team (DSO 01/2020 paragraph 10).");
  std::vector<ChartBar> bars;
  for (const NamedCount& c : report.refusals_by_reason) bars.push_back({c.name, static_cast<double>(c.count), false});
  html += svg_bar_chart("Refusals by reason, " + std::to_string(report.year), bars);
  html += counts_table("Refusals by reason", "Reason code", report.refusals_by_reason);
  html += table_open("All refusals (" + std::to_string(report.refusals.size()) + ")",
                     {"Time", "Centre", "Reason code", "Recorded reason"});
  for (const AuditRefusal& r : report.refusals) {
    html += "<tr>" + cell(r.local_time) + cell(r.centre.empty() ? "(none recorded)" : r.centre) + cell(r.code) +
            cell(r.reason) + "</tr>\n";
  }
  if (report.refusals.empty()) html += "<tr><td colspan=\"4\">None in this year.</td></tr>\n";
  return html + std::string(kTableClose) + "</section>\n";
}

std::string suspensions_section(const AuditReport& report) {
  std::string html = section_open("suspensions", "Suspensions over 7 days",
                                  "Suspensions longer than 7 days in force during the year, which need the "
                                  "compliance manager's authorisation and a review every 7 days (DSO 01/2020 "
                                  "paragraph 19).");
  html += counts_table("Weekly reviews whose due date has passed", "Review", review_summary(report));
  html += table_open("Suspensions over 7 days (" + std::to_string(report.suspensions.size()) + ")",
                     {"Suspension", "Centre", "Category", "Starts", "Ends", "Days", "Authorised by",
                      "Reviews due", "On time", "Late", "Missing"});
  for (const AuditSuspension& s : report.suspensions) {
    char days[16];
    std::snprintf(days, sizeof days, "%.1f", s.length_days);
    html += "<tr>" + number_cell(s.id) + cell(s.centre) + cell(s.category) + cell(s.starts) + cell(s.ends) +
            cell(days) + (s.authorised_by.empty() ? warning_cell("not recorded") : cell(s.authorised_by)) +
            number_cell(s.reviews_due) + number_cell(s.reviews_on_time) +
            (s.reviews_late > 0 ? warning_cell(std::to_string(s.reviews_late)) : number_cell(0)) +
            (s.reviews_missing > 0 ? warning_cell(std::to_string(s.reviews_missing)) : number_cell(0)) + "</tr>\n";
  }
  if (report.suspensions.empty()) html += "<tr><td colspan=\"11\">None in this year.</td></tr>\n";
  return html + std::string(kTableClose) + "</section>\n";
}

std::string same_manager_list(const AuditReport& report) {
  std::string html = "<h3>Appeals decided by the manager who took the original decision</h3>\n";
  std::string rows;
  for (const AuditAppeal& a : report.appeals) {
    if (!a.same_manager) continue;
    rows += "<tr>" + number_cell(a.id) + number_cell(a.suspension_id) + cell(a.centre) + cell(a.decided) +
            warning_cell(a.decided_by) + "</tr>\n";
  }
  if (rows.empty()) {
    return html + "<p>None: every decided appeal was decided by a manager other than the one who decided the "
                  "suspension.</p>\n";
  }
  return html + table_open("Appeals decided by the same manager", {"Appeal", "Suspension", "Centre", "Decided", "Manager"}) +
         rows + std::string(kTableClose);
}

std::string appeals_section(const AuditReport& report) {
  std::string html = section_open("appeals", "Appeals against suspensions",
                                  "Appeals lodged during the year, which must be decided within 48 hours (12 hours "
                                  "with imminent removal directions) by a manager not involved in the original "
                                  "decision (DSO 01/2020 paragraph 20).");
  const std::vector<NamedCount> summary = appeal_summary(report);
  std::vector<ChartBar> bars;
  for (size_t i = 0; i < 4; ++i) {
    bars.push_back({summary[i].name, static_cast<double>(summary[i].count), summary[i].name == "late" ||
                                                                               summary[i].name == "overdue"});
  }
  html += svg_bar_chart("Appeals decided in time and late, " + std::to_string(report.year), bars);
  html += counts_table("Appeals by outcome of the deadline", "Appeals", summary);
  html += same_manager_list(report);
  html += table_open("All appeals (" + std::to_string(report.appeals.size()) + ")",
                     {"Appeal", "Suspension", "Centre", "Imminent removal", "Lodged", "Due", "Decided", "Decided by",
                      "Suspension decided by", "Timing"});
  for (const AuditAppeal& a : report.appeals) {
    const std::string timing(to_string(a.timing));
    const bool bad = a.timing == AppealTiming::late || a.timing == AppealTiming::overdue;
    html += "<tr>" + number_cell(a.id) + number_cell(a.suspension_id) + cell(a.centre) +
            cell(a.imminent_removal ? "yes" : "no") + cell(a.lodged) + cell(a.due) +
            cell(a.decided.empty() ? "not decided" : a.decided) +
            (a.same_manager ? warning_cell(a.decided_by) : cell(a.decided_by)) + cell(a.suspension_decided_by) +
            (bad ? warning_cell(timing) : cell(timing)) + "</tr>\n";
  }
  if (report.appeals.empty()) html += "<tr><td colspan=\"10\">None in this year.</td></tr>\n";
  return html + std::string(kTableClose) + "</section>\n";
}

std::string availability_section(const AuditReport& report) {
  std::string html = section_open("availability", "Daily availability against the 7-hour minimum",
                                  "For each finished day, the bookable hours of the opening windows during which the "
                                  "relay was up; each centre must offer at least 7 hours every day (DSO 01/2020 "
                                  "paragraph 7).");
  for (const AuditAvailability& centre : report.availability) {
    html += "<h3>" + escape_html(centre.centre) + "</h3>\n";
    html += svg_availability_chart("Available hours per day at " + centre.centre + ", " + std::to_string(report.year),
                                   centre.days, report.year);
    html += counts_table("Days of the year at " + centre.centre, "Days", availability_summary(centre));
    html += table_open("Days under the 7-hour minimum at " + centre.centre,
                       {"Date", "Available hours", "Bookable hours", "Day length (hours)"});
    bool any = false;
    for (const DailyAvailability& d : centre.days) {
      if (!d.below_minimum) continue;
      any = true;
      html += "<tr>" + cell(day_text(d.day)) + warning_cell(hours_text(d.available)) + cell(hours_text(d.bookable)) +
              cell(hours_text(d.day_length)) + "</tr>\n";
    }
    if (!any) html += "<tr><td colspan=\"4\">None: every recorded day met the minimum.</td></tr>\n";
    html += kTableClose;
  }
  return html + "</section>\n";
}

std::string retention_section(const AuditReport& report) {
  std::string html = section_open("retention", "Retention runs",
                                  "Each run of the purge that deletes a detained individual's personal data and their "
                                  "recipients' six months after the last call (the compact, DSO 01/2020 Annex A); "
                                  "retention covers every centre, so times are UTC.");
  html += table_open("Retention runs (" + std::to_string(report.retention_runs.size()) + ")",
                     {"Ran at (UTC)", "Started by", "Detained individuals deleted", "Recipients deleted"});
  for (const RetentionRun& run : report.retention_runs) {
    std::string ran_at = format_utc(run.ran_at).substr(0, 16);
    ran_at[10] = ' ';
    html += "<tr>" + cell(ran_at) + cell(run.started_by.empty() ? "not recorded" : run.started_by) +
            number_cell(run.individuals_deleted) +
            (run.recipients_deleted ? number_cell(*run.recipients_deleted) : cell("not recorded")) + "</tr>\n";
  }
  if (report.retention_runs.empty()) {
    html += "<tr><td colspan=\"4\" class=\"warning\">No retention run in this year.</td></tr>\n";
  }
  return html + std::string(kTableClose) + "</section>\n";
}

std::string incidents_section(const AuditReport& report) {
  return section_open("incidents", "Incident reports by kind",
                      "Reports sent to the security team during the year, counted by kind; a refused booking is "
                      "reported with its reason code as the kind.") +
         counts_table("Incident reports by kind", "Kind", report.incidents_by_kind) + "</section>\n";
}

}  // namespace

std::string render_audit_html(const AuditReport& report) {
  std::string html = "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<title>Video calls: annual self-audit " +
                     std::to_string(report.year) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  html += header(report);
  html += "<main>\n";
  html += refusals_section(report);
  html += suspensions_section(report);
  html += appeals_section(report);
  html += availability_section(report);
  html += retention_section(report);
  html += incidents_section(report);
  return html + "</main>\n</body>\n</html>\n";
}

}  // namespace sightline::policy

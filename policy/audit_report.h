// The annual self-audit (DSO 01/2020 paragraphs 23 and 24), gathered from
// the records. It covers refusals and their reasons, suspensions over 7 days
// with their authorisation and weekly reviews, appeals and their timing, the
// daily availability figure, retention runs and incident reports by kind.
// Rendered as self-contained HTML (audit_report_html.cpp) and as one CSV
// (audit_report_csv.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/availability_record.h"
#include "policy/refusal.h"
#include "policy/retention_job.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

// The first year an audit can cover: DSO 01/2020 took effect in 2020.
constexpr int kAuditFirstYear = 2020;

struct AuditCentre {
  int64_t id;
  std::string name;
  std::string time_zone;
  UtcTime year_start;  // local midnight on 1 January
  UtcTime year_end;    // local midnight on 1 January of the next year
};

struct NamedCount {
  std::string name;
  int64_t count;
};

struct AuditRefusal {
  std::string centre;  // empty when the refusal named no known centre
  std::string local_time;
  std::string code;
  std::string reason;
};

struct AuditSuspension {
  int64_t id;
  std::string centre;
  std::string category;
  std::string starts;  // local time
  std::string ends;
  double length_days;
  std::string authorised_by;  // empty when no authorisation is recorded
  int reviews_due = 0;        // due dates passed at generation time
  int reviews_on_time = 0;
  int reviews_late = 0;
  int reviews_missing = 0;
};

enum class AppealTiming { in_time, late, overdue, pending };
std::string_view to_string(AppealTiming timing);

struct AuditAppeal {
  int64_t id;
  int64_t suspension_id;
  std::string centre;
  bool imminent_removal;
  std::string lodged;   // local time
  std::string due;
  std::string decided;  // empty while undecided
  std::string decided_by;
  std::string suspension_decided_by;
  AppealTiming timing;
  bool same_manager;  // decided by the manager who decided the suspension
};

struct AuditAvailability {
  std::string centre;
  std::vector<DailyAvailability> days;  // the stored figures of the year
  int64_t days_finished;                // local days of the year finished at generation time
};

struct AuditReport {
  int year;
  std::vector<AuditCentre> centres;
  UtcTime generated_at;
  std::vector<AuditRefusal> refusals;
  std::vector<NamedCount> refusals_by_reason;  // most frequent first
  std::vector<AuditSuspension> suspensions;    // over 7 days, in force during the year
  std::vector<AuditAppeal> appeals;            // lodged during the year
  std::vector<AuditAvailability> availability;
  std::vector<RetentionRun> retention_runs;  // UTC year: retention covers every centre
  std::vector<NamedCount> incidents_by_kind;  // most frequent first
};

// Gathers the audit of `year` at `now`, for one centre by name or for all.
// Refuses a year before kAuditFirstYear or after now's year (invalid_input)
// and an unknown centre (not_found). Throws StoreError when the store fails.
Result<AuditReport> build_audit_report(Store& store, int year, const std::optional<std::string>& centre_name,
                                       UtcTime now);

// Counts of weekly reviews: on_time, late, missing.
std::vector<NamedCount> review_summary(const AuditReport& report);
// Counts of appeals: in_time, late, overdue, pending, same_manager.
std::vector<NamedCount> appeal_summary(const AuditReport& report);
// Counts of availability days: finished, recorded, under_minimum, not_recorded.
std::vector<NamedCount> availability_summary(const AuditAvailability& availability);

// The self-contained printable HTML page: inline CSS and SVG, no scripts and
// no external resources.
std::string render_audit_html(const AuditReport& report);
// One CSV with columns section,centre,date,item,value,note; the rows of each
// section are described at the top of audit_report_csv.cpp.
std::string render_audit_csv(const AuditReport& report);

}  // namespace sightline::policy

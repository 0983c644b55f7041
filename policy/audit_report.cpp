// Gathering the annual self-audit from the store.
#include "policy/audit_report.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include "policy/appeals.h"
#include "policy/centre_time_zone.h"
#include "policy/suspensions.h"

namespace sightline::policy {
namespace {

using std::chrono::local_days;
using std::chrono::year_month_day;

struct ScopeCentre {
  AuditCentre info;
  CentreTimeZone zone;
};

// The store and the year the audit covers, with each centre's zone.
struct AuditScope {
  Store& store;
  int year;
  UtcTime now;
  std::vector<ScopeCentre> centres;
  bool all_centres;
  UtcTime utc_year_start;
  UtcTime utc_year_end;

  const ScopeCentre* centre(const Value& id) const {
    const auto* number = std::get_if<int64_t>(&id);
    if (!number) return nullptr;
    for (const ScopeCentre& c : centres) {
      if (c.info.id == *number) return &c;
    }
    return nullptr;
  }
};

std::string format_local(const CentreTimeZone& zone, UtcTime t) {
  const LocalTime local = zone.to_local(t);
  const LocalDay day = std::chrono::floor<days>(local);
  const std::chrono::hh_mm_ss time{local - day};
  char text[8];
  std::snprintf(text, sizeof text, "%02d:%02d", static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()));
  return format_date(year_month_day{std::chrono::sys_days{day.time_since_epoch()}}) + " " + text;
}

std::string format_utc_readable(UtcTime t) {
  std::string text = format_utc(t).substr(0, 16);  // "YYYY-MM-DDTHH:MM"
  text[10] = ' ';
  return text + " UTC";
}

bool is_refusal_code(std::string_view kind) {
  // RefusalCode has consecutive values from 0; to_string names each one and
  // returns "unknown" past the last.
  for (int i = 0;; ++i) {
    const std::string_view name = to_string(static_cast<RefusalCode>(i));
    if (name == "unknown") return false;
    if (name == kind) return true;
  }
}

// Lower-cased, with runs of white space as one space and none at the ends,
// so that "Manager  Hughes" and "manager hughes" are the same person.
std::string normalised_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<NamedCount> sorted_counts(const std::map<std::string, int64_t>& counts) {
  std::vector<NamedCount> sorted;
  for (const auto& [name, count] : counts) sorted.push_back({name, count});
  std::stable_sort(sorted.begin(), sorted.end(), [](const NamedCount& a, const NamedCount& b) { return a.count > b.count; });
  return sorted;
}

bool within(UtcTime t, UtcTime from, UtcTime to) { return from <= t && t < to; }

Result<AuditScope> make_scope(Store& store, int year, const std::optional<std::string>& centre_name, UtcTime now) {
  const int current_year = static_cast<int>(year_month_day{std::chrono::floor<days>(now)}.year());
  if (year < kAuditFirstYear || year > current_year) {
    return Refusal{RefusalCode::invalid_input, "invalid year " + std::to_string(year) + ": an audit covers a year from " +
                                                   std::to_string(kAuditFirstYear) + " to " +
                                                   std::to_string(current_year)};
  }
  const std::chrono::year y{year};
  AuditScope scope{store, year, now, {}, !centre_name.has_value(), std::chrono::sys_days{y / 1 / 1},
                   std::chrono::sys_days{(y + std::chrono::years{1}) / 1 / 1}};
  for (const Row& row : store.query("SELECT id, name, time_zone FROM centres ORDER BY name")) {
    if (centre_name && row.text(1) != *centre_name) continue;
    auto zone = CentreTimeZone::find(row.text(2));
    if (!zone) throw StoreError("centre " + row.text(1) + " has unknown time zone " + row.text(2));
    const AuditCentre info{row.integer(0), row.text(1), row.text(2), zone->start_of_day(local_days{y / 1 / 1}),
                           zone->start_of_day(local_days{(y + std::chrono::years{1}) / 1 / 1})};
    scope.centres.push_back({info, *zone});
  }
  if (centre_name && scope.centres.empty()) {
    return Refusal{RefusalCode::not_found, "centre \"" + *centre_name + "\" not found in the policy store"};
  }
  return scope;
}

// Refusals and incident reports of the year. A report that names no centre
// counts by the UTC year and only in an audit of all centres.
void gather_incident_reports(const AuditScope& scope, AuditReport& report) {
  std::map<std::string, int64_t> by_kind;
  std::map<std::string, int64_t> by_reason;
  for (const Row& row : scope.store.query("SELECT centre_id, kind, reason, created_at FROM incident_reports "
                                          "ORDER BY created_at, id")) {
    auto created_at = parse_utc(row.text(3));
    if (!created_at) continue;
    const ScopeCentre* centre = scope.centre(row.values.at(0));
    std::string centre_name;
    std::string local_time;
    if (centre) {
      if (!within(*created_at, centre->info.year_start, centre->info.year_end)) continue;
      centre_name = centre->info.name;
      local_time = format_local(centre->zone, *created_at);
    } else {
      if (!row.is_null(0) || !scope.all_centres) continue;
      if (!within(*created_at, scope.utc_year_start, scope.utc_year_end)) continue;
      local_time = format_utc_readable(*created_at);
    }
    ++by_kind[row.text(1)];
    if (is_refusal_code(row.text(1))) {
      ++by_reason[row.text(1)];
      report.refusals.push_back({centre_name, local_time, row.text(1), row.text(2)});
    }
  }
  report.refusals_by_reason = sorted_counts(by_reason);
  report.incidents_by_kind = sorted_counts(by_kind);
}

void count_reviews(Store& store, const std::vector<UtcTime>& due_dates, UtcTime now, AuditSuspension& entry) {
  std::vector<UtcTime> reviews;
  for (const Row& row : store.query("SELECT reviewed_at FROM suspension_reviews WHERE suspension_id = ? ORDER BY reviewed_at",
                                    {entry.id})) {
    if (auto t = parse_utc(row.text(0))) reviews.push_back(*t);
  }
  // The n-th weekly review is due by the n-th due date.
  for (size_t i = 0; i < due_dates.size() && due_dates[i] < now; ++i) {
    ++entry.reviews_due;
    if (i >= reviews.size()) {
      ++entry.reviews_missing;
    } else if (reviews[i] <= due_dates[i]) {
      ++entry.reviews_on_time;
    } else {
      ++entry.reviews_late;
    }
  }
}

void gather_suspensions(const AuditScope& scope, AuditReport& report) {
  const SystemClock unused_clock;  // Suspensions reads no clock for these calls
  Suspensions suspensions(scope.store, unused_clock);
  for (const Row& row : scope.store.query("SELECT s.id, d.centre_id FROM suspensions s "
                                          "JOIN detained_individuals d ON d.id = s.detained_individual_id "
                                          "ORDER BY s.starts_at, s.id")) {
    const ScopeCentre* centre = scope.centre(row.values.at(1));
    auto suspension = suspensions.suspension(row.integer(0));
    if (!centre || !suspension) continue;
    const auto length = suspension->ends_at - suspension->starts_at;
    if (length <= kUnauthorisedSuspensionMax) continue;
    if (suspension->starts_at >= centre->info.year_end || suspension->ends_at <= centre->info.year_start) continue;

    AuditSuspension entry{suspension->id,
                          centre->info.name,
                          std::string(to_string(suspension->category)),
                          format_local(centre->zone, suspension->starts_at),
                          format_local(centre->zone, suspension->ends_at),
                          std::chrono::duration<double, days::period>(length).count(),
                          suspension->authorised_by};
    count_reviews(scope.store, suspensions.review_due_dates(*suspension), scope.now, entry);
    report.suspensions.push_back(entry);
  }
}

AppealTiming timing_of(const Appeal& appeal, UtcTime now) {
  if (appeal.decided_at) return appeal.decided_in_time() ? AppealTiming::in_time : AppealTiming::late;
  return appeal.due_at < now ? AppealTiming::overdue : AppealTiming::pending;
}

void gather_appeals(const AuditScope& scope, AuditReport& report) {
  const SystemClock unused_clock;  // Appeals::appeal reads no clock
  Appeals appeals(scope.store, unused_clock);
  for (const Row& row : scope.store.query("SELECT a.id, s.decided_by, d.centre_id FROM appeals a "
                                          "JOIN suspensions s ON s.id = a.suspension_id "
                                          "JOIN detained_individuals d ON d.id = s.detained_individual_id "
                                          "ORDER BY a.lodged_at, a.id")) {
    const ScopeCentre* centre = scope.centre(row.values.at(2));
    auto appeal = appeals.appeal(row.integer(0));
    if (!centre || !appeal) continue;
    if (!within(appeal->lodged_at, centre->info.year_start, centre->info.year_end)) continue;

    const std::string& original_manager = row.text(1);
    const bool same_manager =
        appeal->decided_at && normalised_name(appeal->decided_by) == normalised_name(original_manager);
    report.appeals.push_back({appeal->id, appeal->suspension_id, centre->info.name, appeal->imminent_removal,
                              format_local(centre->zone, appeal->lodged_at), format_local(centre->zone, appeal->due_at),
                              appeal->decided_at ? format_local(centre->zone, *appeal->decided_at) : std::string(),
                              appeal->decided_by, original_manager, timing_of(*appeal, scope.now), same_manager});
  }
}

void gather_availability(const AuditScope& scope, AuditReport& report) {
  const std::chrono::year y{scope.year};
  const LocalDay first{y / 1 / 1};
  const LocalDay last{y / 12 / 31};
  for (const ScopeCentre& centre : scope.centres) {
    const LocalDay today = std::chrono::floor<days>(centre.zone.to_local(scope.now));
    const int64_t year_days = (last - first).count() + 1;
    const int64_t finished = std::clamp<int64_t>((today - first).count(), 0, year_days);
    report.availability.push_back(
        {centre.info.name, stored_daily_availability(scope.store, centre.info.id, first, last), finished});
  }
}

}  // namespace

std::string_view to_string(AppealTiming timing) {
  switch (timing) {
    case AppealTiming::in_time: return "in_time";
    case AppealTiming::late: return "late";
    case AppealTiming::overdue: return "overdue";
    case AppealTiming::pending: return "pending";
  }
  return "unknown";
}

Result<AuditReport> build_audit_report(Store& store, int year, const std::optional<std::string>& centre_name,
                                       UtcTime now) {
  auto scope = make_scope(store, year, centre_name, now);
  if (!scope.ok()) return scope.refusal();

  AuditReport report{};
  report.year = year;
  report.generated_at = now;
  for (const ScopeCentre& centre : scope.value().centres) report.centres.push_back(centre.info);
  gather_incident_reports(scope.value(), report);
  gather_suspensions(scope.value(), report);
  gather_appeals(scope.value(), report);
  gather_availability(scope.value(), report);
  report.retention_runs = list_retention_runs(store, scope.value().utc_year_start, scope.value().utc_year_end);
  return report;
}

std::vector<NamedCount> review_summary(const AuditReport& report) {
  std::vector<NamedCount> counts = {{"on_time", 0}, {"late", 0}, {"missing", 0}};
  for (const AuditSuspension& s : report.suspensions) {
    counts[0].count += s.reviews_on_time;
    counts[1].count += s.reviews_late;
    counts[2].count += s.reviews_missing;
  }
  return counts;
}

std::vector<NamedCount> appeal_summary(const AuditReport& report) {
  std::vector<NamedCount> counts = {{"in_time", 0}, {"late", 0}, {"overdue", 0}, {"pending", 0}, {"same_manager", 0}};
  for (const AuditAppeal& appeal : report.appeals) {
    ++counts[static_cast<size_t>(appeal.timing)].count;
    if (appeal.same_manager) ++counts[4].count;
  }
  return counts;
}

std::vector<NamedCount> availability_summary(const AuditAvailability& availability) {
  const auto recorded = static_cast<int64_t>(availability.days.size());
  const auto under = std::count_if(availability.days.begin(), availability.days.end(),
                                   [](const DailyAvailability& d) { return d.below_minimum; });
  return {{"finished", availability.days_finished},
          {"recorded", recorded},
          {"under_minimum", static_cast<int64_t>(under)},
          {"not_recorded", std::max<int64_t>(0, availability.days_finished - recorded)}};
}

}  // namespace sightline::policy

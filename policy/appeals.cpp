// Appeal rules.
#include "policy/appeals.h"

#include "relay/base/log.h"

namespace sightline::policy {

Result<Appeal> Appeals::lodge(int64_t suspension_id, const std::string& reasons, bool imminent_removal) {
  if (reasons.empty()) return Refusal{RefusalCode::invalid_input, "the reasons for the appeal are missing"};
  if (store_.query("SELECT 1 FROM suspensions WHERE id = ?", {suspension_id}).empty()) {
    return Refusal{RefusalCode::not_found, "suspension " + std::to_string(suspension_id) + " not found"};
  }
  const UtcTime now = clock_.now();
  const UtcTime due = now + (imminent_removal ? kAppealDecisionTimeImminentRemoval : kAppealDecisionTime);
  const int64_t id = store_.insert(
      "INSERT INTO appeals (suspension_id, reasons, imminent_removal, lodged_at, due_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
      {suspension_id, reasons, int64_t{imminent_removal ? 1 : 0}, format_utc(now), format_utc(due)});
  log::info("policy", "appeal_lodged", {{"appeal_id", id}, {"suspension_id", suspension_id}, {"due_at", format_utc(due)}});
  return *appeal(id);
}

Result<Appeal> Appeals::decide(int64_t appeal_id, const std::string& manager, const std::string& outcome) {
  auto existing = appeal(appeal_id);
  if (!existing) return Refusal{RefusalCode::not_found, "appeal " + std::to_string(appeal_id) + " not found"};
  if (manager.empty() || outcome.empty()) {
    return Refusal{RefusalCode::invalid_input, "an appeal decision needs the deciding manager and the outcome"};
  }
  if (existing->decided_at) {
    return Refusal{RefusalCode::already_decided, "appeal " + std::to_string(appeal_id) + " is already decided"};
  }
  auto original = store_.query("SELECT decided_by FROM suspensions WHERE id = ?", {existing->suspension_id});
  if (!original.empty() && original[0].text(0) == manager) {
    return Refusal{RefusalCode::same_manager, manager + " took the original decision; another manager must decide the appeal"};
  }
  store_.execute("UPDATE appeals SET decided_by = ?, decided_at = ?, outcome = ? WHERE id = ?",
                 {manager, format_utc(clock_.now()), outcome, appeal_id});
  auto decided = *appeal(appeal_id);
  log::info("policy", "appeal_decided", {{"appeal_id", appeal_id}, {"in_time", decided.decided_in_time()}});
  return decided;
}

std::optional<Appeal> Appeals::appeal(int64_t id) {
  auto rows = store_.query(
      "SELECT suspension_id, reasons, imminent_removal, lodged_at, due_at, decided_by, decided_at, outcome FROM appeals WHERE id = ?",
      {id});
  if (rows.empty()) return std::nullopt;
  const Row& row = rows[0];
  return Appeal{id, row.integer(0), row.text(1), row.integer(2) == 1, parse_utc(row.text(3)).value_or(UtcTime{}),
                parse_utc(row.text(4)).value_or(UtcTime{}), row.is_null(5) ? "" : row.text(5),
                row.is_null(6) ? std::nullopt : parse_utc(row.text(6)), row.is_null(7) ? "" : row.text(7)};
}

std::vector<Appeal> Appeals::overdue(UtcTime now) {
  std::vector<Appeal> late;
  for (const Row& row : store_.query("SELECT id FROM appeals WHERE decided_at IS NULL AND due_at < ? ORDER BY due_at, id",
                                     {format_utc(now)})) {
    late.push_back(*appeal(row.integer(0)));
  }
  return late;
}

}  // namespace sightline::policy

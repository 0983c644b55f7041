// Compact records.
#include "policy/compact.h"

namespace sightline::policy {

Result<int64_t> Compacts::record(const Compact& compact) {
  if (compact.language.empty()) return Refusal{RefusalCode::invalid_input, "the compact's language is missing"};
  if (compact.witnessing_officer.empty()) {
    return Refusal{RefusalCode::invalid_input, "the compact's witnessing officer is missing"};
  }
  if (!compact.signed_on.ok()) return Refusal{RefusalCode::invalid_input, "the compact's signing date is not a valid date"};
  const std::chrono::year_month_day today{std::chrono::floor<days>(clock_.now())};
  if (std::chrono::sys_days{compact.signed_on} > std::chrono::sys_days{today}) {
    return Refusal{RefusalCode::invalid_input,
                   "the compact's signing date " + format_date(compact.signed_on) + " is in the future"};
  }
  if (store_.query("SELECT 1 FROM detained_individuals WHERE id = ?", {compact.detained_individual_id}).empty()) {
    return Refusal{RefusalCode::not_found,
                   "detained individual " + std::to_string(compact.detained_individual_id) + " not found"};
  }
  return store_.insert(
      "INSERT INTO compacts (detained_individual_id, signed_on, language, interpreted, witnessing_officer) "
      "VALUES (?, ?, ?, ?, ?) RETURNING id",
      {compact.detained_individual_id, format_date(compact.signed_on), compact.language,
       int64_t{compact.interpreted ? 1 : 0}, compact.witnessing_officer});
}

std::optional<Compact> Compacts::latest(int64_t detained_individual_id) {
  auto rows = store_.query(
      "SELECT signed_on, language, interpreted, witnessing_officer FROM compacts "
      "WHERE detained_individual_id = ? ORDER BY signed_on DESC, id DESC LIMIT 1",
      {detained_individual_id});
  if (rows.empty()) return std::nullopt;
  const Row& row = rows[0];
  return Compact{detained_individual_id, parse_date(row.text(0)).value_or(std::chrono::year_month_day{}),
                 row.text(1), row.integer(2) == 1, row.text(3)};
}

bool has_signed_compact(Store& store, int64_t detained_individual_id) {
  return !store.query("SELECT 1 FROM compacts WHERE detained_individual_id = ?", {detained_individual_id}).empty();
}

}  // namespace sightline::policy

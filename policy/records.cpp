// Records of centres, detained individuals, recipients and interpreters.
#include "policy/records.h"

namespace sightline::policy {
namespace {

Refusal missing(const std::string& field) {
  return Refusal{RefusalCode::invalid_input, field + " is missing; fill it in and submit again"};
}

}  // namespace

std::optional<Refusal> Records::check_windows(const CentreTimeZone& zone,
                                              const std::vector<OpeningWindow>& windows) {
  if (auto refusal = check_window_shape(windows)) return refusal;
  const LocalDay today = std::chrono::floor<days>(zone.to_local(clock_.now()));
  return check_daily_availability(zone, windows, today, kAvailabilityCheckDays);
}

void Records::replace_windows(int64_t centre_id, const std::vector<OpeningWindow>& windows) {
  store_.execute("DELETE FROM opening_windows WHERE centre_id = ?", {centre_id});
  for (const OpeningWindow& w : windows) {
    store_.insert("INSERT INTO opening_windows (centre_id, weekday, start_minute, end_minute) VALUES (?, ?, ?, ?) RETURNING id",
                  {centre_id, int64_t{w.weekday}, int64_t{w.start_minute}, int64_t{w.end_minute}});
  }
}

Result<int64_t> Records::add_centre(const std::string& name, const std::string& time_zone,
                                    const std::vector<OpeningWindow>& windows) {
  if (name.empty()) return missing("centre name");
  auto zone = CentreTimeZone::find(time_zone);
  if (!zone) {
    return Refusal{RefusalCode::invalid_input,
                   "unknown time zone \"" + time_zone + "\"; use an IANA name such as Europe/London"};
  }
  if (auto refusal = check_windows(*zone, windows)) return *refusal;

  Transaction transaction(store_);
  const int64_t id = store_.insert("INSERT INTO centres (name, time_zone) VALUES (?, ?) RETURNING id", {name, time_zone});
  replace_windows(id, windows);
  transaction.commit();
  return id;
}

Result<int64_t> Records::set_opening_windows(int64_t centre_id, const std::vector<OpeningWindow>& windows) {
  auto existing = centre(centre_id);
  if (!existing) return Refusal{RefusalCode::not_found, "centre " + std::to_string(centre_id) + " not found"};
  if (auto refusal = check_windows(existing->zone, windows)) return *refusal;

  Transaction transaction(store_);
  replace_windows(centre_id, windows);
  transaction.commit();
  return centre_id;
}

std::optional<Centre> Records::centre(int64_t id) {
  auto rows = store_.query("SELECT name, time_zone FROM centres WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  auto zone = CentreTimeZone::find(rows[0].text(1));
  if (!zone) throw StoreError("centre " + std::to_string(id) + " has unknown time zone " + rows[0].text(1));

  Centre centre{id, rows[0].text(0), *zone, {}};
  for (const Row& row : store_.query("SELECT weekday, start_minute, end_minute FROM opening_windows WHERE centre_id = ? ORDER BY weekday, start_minute", {id})) {
    centre.windows.push_back({static_cast<int>(row.integer(0)), static_cast<int>(row.integer(1)),
                              static_cast<int>(row.integer(2))});
  }
  return centre;
}

Result<int64_t> Records::add_detained_individual(int64_t centre_id, const std::string& centre_reference,
                                                 const std::string& recorded_name, const std::string& log_name) {
  if (centre_reference.empty()) return missing("centre reference");
  if (recorded_name.empty()) return missing("recorded name");
  if (log_name.empty()) return missing("log name");
  if (store_.query("SELECT 1 FROM centres WHERE id = ?", {centre_id}).empty()) {
    return Refusal{RefusalCode::not_found, "centre " + std::to_string(centre_id) + " not found"};
  }
  if (!store_.query("SELECT 1 FROM detained_individuals WHERE centre_id = ? AND centre_reference = ?", {centre_id, centre_reference}).empty()) {
    return Refusal{RefusalCode::invalid_input, "centre reference " + centre_reference + " is already in use at this centre"};
  }
  return store_.insert("INSERT INTO detained_individuals (centre_id, centre_reference, recorded_name, log_name) VALUES (?, ?, ?, ?) RETURNING id",
                       {centre_id, centre_reference, recorded_name, log_name});
}

std::optional<DetainedIndividual> Records::detained_individual(int64_t id) {
  auto rows = store_.query("SELECT centre_id, centre_reference, recorded_name, log_name FROM detained_individuals WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  return DetainedIndividual{id, rows[0].integer(0), rows[0].text(1), rows[0].text(2), rows[0].text(3)};
}

Result<int64_t> Records::add_recipient(const Recipient& r) {
  if (r.full_name.empty()) return missing("recipient name");
  if (r.contact.empty()) return missing("recipient contact");
  if (!detained_individual(r.detained_individual_id)) {
    return Refusal{RefusalCode::not_found, "detained individual " + std::to_string(r.detained_individual_id) + " not found"};
  }
  const bool legal = r.kind == RecipientKind::legal;
  return store_.insert(
      "INSERT INTO recipients (detained_individual_id, kind, full_name, relationship, contact, firm, qualification) "
      "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {r.detained_individual_id, std::string(legal ? "legal" : "social"), r.full_name, r.relationship, r.contact,
       legal ? Value{r.firm} : Value{}, legal ? Value{r.qualification} : Value{}});
}

Result<int64_t> Records::add_caller(int64_t detained_individual_id, const std::string& full_name,
                                    const std::string& relationship, const std::string& contact) {
  if (relationship.empty()) return missing("relationship");
  return add_recipient({0, detained_individual_id, RecipientKind::social, full_name, relationship, contact, "", ""});
}

Result<int64_t> Records::add_legal_adviser(int64_t detained_individual_id, const std::string& full_name,
                                           const std::string& contact, const std::string& firm,
                                           const std::string& qualification) {
  if (firm.empty()) return missing("legal adviser's firm");
  if (qualification.empty()) return missing("legal adviser's qualification");
  return add_recipient({0, detained_individual_id, RecipientKind::legal, full_name, "legal adviser", contact, firm,
                        qualification});
}

std::optional<Recipient> Records::recipient(int64_t id) {
  auto rows = store_.query("SELECT detained_individual_id, kind, full_name, relationship, contact, firm, qualification FROM recipients WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  const Row& row = rows[0];
  const bool legal = row.text(1) == "legal";
  return Recipient{id, row.integer(0), legal ? RecipientKind::legal : RecipientKind::social, row.text(2), row.text(3),
                   row.text(4), legal ? row.text(5) : "", legal ? row.text(6) : ""};
}

Result<int64_t> Records::add_interpreter(const std::string& full_name, const std::string& languages,
                                        const std::string& contact) {
  if (full_name.empty()) return missing("interpreter name");
  if (languages.empty()) return missing("interpreter languages");
  return store_.insert("INSERT INTO interpreters (full_name, languages, contact) VALUES (?, ?, ?) RETURNING id",
                       {full_name, languages, contact});
}

std::optional<Interpreter> Records::interpreter(int64_t id) {
  auto rows = store_.query("SELECT full_name, languages, contact FROM interpreters WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  return Interpreter{id, rows[0].text(0), rows[0].text(1), rows[0].text(2)};
}

}  // namespace sightline::policy

// Schema migrations. Every instant is TEXT in the UTC form of format_utc;
// calendar dates are TEXT "YYYY-MM-DD". Rows that belong to a detained
// individual cascade on delete so that retention removes all of them.
#include "policy/schema.h"

namespace sightline::policy {
namespace {

// NOTE: "INTEGER PRIMARY KEY" assigns ids in SQLite only; a PostgreSQL store
// must map it to "BIGINT GENERATED ALWAYS AS IDENTITY" when it applies this.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE centres (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  time_zone TEXT NOT NULL
);
CREATE TABLE opening_windows (
  id INTEGER PRIMARY KEY,
  centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
  weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
  start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1440),
  end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440)
);
CREATE TABLE detained_individuals (
  id INTEGER PRIMARY KEY,
  centre_id INTEGER NOT NULL REFERENCES centres(id),
  centre_reference TEXT NOT NULL,
  recorded_name TEXT NOT NULL,
  log_name TEXT NOT NULL,
  UNIQUE (centre_id, centre_reference)
);
CREATE TABLE recipients (
  id INTEGER PRIMARY KEY,
  detained_individual_id INTEGER NOT NULL REFERENCES detained_individuals(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('social', 'legal')),
  full_name TEXT NOT NULL,
  relationship TEXT NOT NULL,
  contact TEXT NOT NULL,
  firm TEXT,
  qualification TEXT
);
CREATE TABLE interpreters (
  id INTEGER PRIMARY KEY,
  full_name TEXT NOT NULL,
  languages TEXT NOT NULL,
  contact TEXT NOT NULL
);
CREATE TABLE compacts (
  id INTEGER PRIMARY KEY,
  detained_individual_id INTEGER NOT NULL REFERENCES detained_individuals(id) ON DELETE CASCADE,
  signed_on TEXT NOT NULL,
  language TEXT NOT NULL,
  interpreted INTEGER NOT NULL CHECK (interpreted IN (0, 1)),
  witnessing_officer TEXT NOT NULL
);
CREATE TABLE risk_assessments (
  id INTEGER PRIMARY KEY,
  detained_individual_id INTEGER NOT NULL REFERENCES detained_individuals(id) ON DELETE CASCADE,
  assessed_by TEXT NOT NULL,
  assessed_at TEXT NOT NULL,
  review_date TEXT NOT NULL
);
CREATE TABLE recipient_approvals (
  id INTEGER PRIMARY KEY,
  recipient_id INTEGER NOT NULL UNIQUE REFERENCES recipients(id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('pending_review', 'approved', 'rejected')),
  restrictions TEXT NOT NULL,
  reviewed_by TEXT,
  reviewed_at TEXT
);
CREATE TABLE bookings (
  id INTEGER PRIMARY KEY,
  centre_id INTEGER NOT NULL REFERENCES centres(id),
  detained_individual_id INTEGER NOT NULL REFERENCES detained_individuals(id) ON DELETE CASCADE,
  recipient_id INTEGER NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('social', 'legal')),
  terminal TEXT NOT NULL,
  slot_start TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('confirmed', 'pending_review', 'refused')),
  urgent_approved_by TEXT,
  urgent_reason TEXT,
  refusal_reason TEXT
);
CREATE INDEX bookings_by_slot ON bookings (centre_id, slot_start);
CREATE TABLE booking_interpreters (
  booking_id INTEGER NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
  interpreter_id INTEGER NOT NULL REFERENCES interpreters(id),
  adjustment TEXT NOT NULL,
  PRIMARY KEY (booking_id, interpreter_id)
);
CREATE TABLE incident_reports (
  id INTEGER PRIMARY KEY,
  centre_id INTEGER REFERENCES centres(id),
  detained_individual_id INTEGER REFERENCES detained_individuals(id) ON DELETE SET NULL,
  booking_id INTEGER REFERENCES bookings(id) ON DELETE SET NULL,
  kind TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE suspensions (
  id INTEGER PRIMARY KEY,
  detained_individual_id INTEGER NOT NULL REFERENCES detained_individuals(id) ON DELETE CASCADE,
  decided_by TEXT NOT NULL,
  category TEXT NOT NULL,
  reasons TEXT NOT NULL,
  starts_at TEXT NOT NULL,
  ends_at TEXT NOT NULL,
  authorised_by TEXT,
  legal_access TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE suspension_reviews (
  id INTEGER PRIMARY KEY,
  suspension_id INTEGER NOT NULL REFERENCES suspensions(id) ON DELETE CASCADE,
  reviewed_by TEXT NOT NULL,
  reviewed_at TEXT NOT NULL,
  outcome TEXT NOT NULL
);
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  suspension_id INTEGER REFERENCES suspensions(id) ON DELETE CASCADE,
  audience TEXT NOT NULL,
  subject TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE appeals (
  id INTEGER PRIMARY KEY,
  suspension_id INTEGER NOT NULL REFERENCES suspensions(id) ON DELETE CASCADE,
  reasons TEXT NOT NULL,
  imminent_removal INTEGER NOT NULL CHECK (imminent_removal IN (0, 1)),
  lodged_at TEXT NOT NULL,
  due_at TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  outcome TEXT
);
CREATE TABLE call_log (
  id INTEGER PRIMARY KEY,
  detained_individual_id INTEGER NOT NULL REFERENCES detained_individuals(id) ON DELETE CASCADE,
  log_name TEXT NOT NULL,
  started_at TEXT NOT NULL,
  recipient_name TEXT NOT NULL,
  duration_seconds INTEGER NOT NULL CHECK (duration_seconds >= 0)
);
CREATE TABLE join_tokens (
  token_id TEXT PRIMARY KEY,
  booking_id INTEGER NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  used_at TEXT
);
CREATE TABLE retention_runs (
  id INTEGER PRIMARY KEY,
  ran_at TEXT NOT NULL,
  individuals_deleted INTEGER NOT NULL
)
)sql";

// The daily availability figure and its inputs: the intervals in which the
// relay was up (centre_id NULL means every centre) and one row per centre
// per finished local day, with the 23- and 25-hour days at their real
// length. Retention runs gain the recipients deleted and what started them
// ('schedule' or 'command'); rows written before this migration keep NULL.
constexpr std::string_view kAuditSchema = R"sql(
CREATE TABLE relay_up_intervals (
  id INTEGER PRIMARY KEY,
  centre_id INTEGER REFERENCES centres(id) ON DELETE CASCADE,
  up_from TEXT NOT NULL,
  up_to TEXT NOT NULL,
  CHECK (up_from <= up_to)
);
CREATE INDEX relay_up_intervals_by_end ON relay_up_intervals (up_to);
CREATE TABLE daily_availability (
  id INTEGER PRIMARY KEY,
  centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
  local_date TEXT NOT NULL,
  day_seconds INTEGER NOT NULL,
  bookable_seconds INTEGER NOT NULL,
  available_seconds INTEGER NOT NULL,
  below_minimum INTEGER NOT NULL CHECK (below_minimum IN (0, 1)),
  recorded_at TEXT NOT NULL,
  UNIQUE (centre_id, local_date)
);
ALTER TABLE retention_runs ADD COLUMN recipients_deleted INTEGER;
ALTER TABLE retention_runs ADD COLUMN started_by TEXT
)sql";

// Staff accounts, their sign-in sessions (only a hash of each session id is
// kept), the append-only staff audit log and the security team's reviews of
// incident reports. The audit log's guard triggers are dialect-specific, so
// they are installed by install_audit_log_guard (policy/api/staff_audit_log.h)
// and not here. Audit entries keep the centre id without a foreign key, so
// that they outlive any record they mention.
constexpr std::string_view kStaffSchema = R"sql(
CREATE TABLE staff_accounts (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('dco', 'security', 'manager', 'compliance', 'admin')),
  centre_id INTEGER REFERENCES centres(id),
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at TEXT NOT NULL,
  CHECK ((role IN ('compliance', 'admin') AND centre_id IS NULL) OR (role IN ('dco', 'security', 'manager') AND centre_id IS NOT NULL))
);
CREATE TABLE staff_sessions (
  id_hash TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES staff_accounts(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);
CREATE INDEX staff_sessions_by_account ON staff_sessions (account_id);
CREATE TABLE staff_audit_log (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL,
  role TEXT NOT NULL,
  centre_id INTEGER,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  call_id TEXT,
  detail TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE incident_report_reviews (
  incident_report_id INTEGER NOT NULL PRIMARY KEY REFERENCES incident_reports(id) ON DELETE CASCADE,
  reviewed_by TEXT NOT NULL,
  reviewed_at TEXT NOT NULL
)
)sql";

// The records behind the officer's console. Incident reports gain the call,
// the officer, the reason code and the alerts that led to them (no image is
// ever stored). Alert decisions hold no personal data, so they stay when
// retention deletes a person and can be counted per kind for tuning. A
// welfare check holds a note about a person, so it goes with them. Alert
// scores are kept as decimal text rounded to 4 places. The
// relay numbers alerts from 1 at every start, so an alert is identified by its
// call, id and time together.
constexpr std::string_view kSupervisionSchema = R"sql(
ALTER TABLE incident_reports ADD COLUMN call_id TEXT;
ALTER TABLE incident_reports ADD COLUMN officer TEXT;
ALTER TABLE incident_reports ADD COLUMN reason_code TEXT;
CREATE TABLE incident_report_alerts (
  incident_report_id INTEGER NOT NULL REFERENCES incident_reports(id) ON DELETE CASCADE,
  alert_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  score TEXT NOT NULL,
  raised_at TEXT NOT NULL,
  PRIMARY KEY (incident_report_id, alert_id, raised_at)
);
CREATE TABLE alert_decisions (
  id INTEGER PRIMARY KEY,
  centre_id INTEGER REFERENCES centres(id),
  call_id TEXT NOT NULL,
  alert_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  score TEXT NOT NULL,
  raised_at TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('acknowledged', 'dismissed')),
  officer TEXT NOT NULL,
  decided_at TEXT NOT NULL,
  UNIQUE (call_id, alert_id, raised_at)
);
CREATE INDEX alert_decisions_by_centre ON alert_decisions (centre_id, kind);
CREATE TABLE welfare_checks (
  id INTEGER PRIMARY KEY,
  centre_id INTEGER NOT NULL REFERENCES centres(id),
  detained_individual_id INTEGER NOT NULL REFERENCES detained_individuals(id) ON DELETE CASCADE,
  booking_id INTEGER REFERENCES bookings(id) ON DELETE CASCADE,
  call_id TEXT NOT NULL,
  note TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  completed_by TEXT,
  completed_at TEXT,
  CHECK ((completed_by IS NULL) = (completed_at IS NULL))
);
CREATE INDEX welfare_checks_by_centre ON welfare_checks (centre_id, completed_at)
)sql";

// When an account was added, or an administrator last set its password or
// enabled it. Failed sign-ins of the username before this instant no longer
// count towards its lockout, which the serving process keeps in memory. NULL
// for accounts not added, reset or enabled since this migration.
constexpr std::string_view kLockoutSchema = R"sql(
ALTER TABLE staff_accounts ADD COLUMN lockout_cleared_at TEXT
)sql";

constexpr Migration kMigrations[] = {
    {1, "records, compact, risk assessment, bookings, suspensions, appeals, call log", kInitialSchema},
    {2, "daily availability, retention runs", kAuditSchema},
    {3, "staff accounts, sessions, staff audit log", kStaffSchema},
    {4, "call incidents, alert decisions, welfare checks", kSupervisionSchema},
    {5, "staff account lockout cleared at", kLockoutSchema},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace sightline::policy

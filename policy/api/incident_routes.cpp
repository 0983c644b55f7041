// Incident reports for the security team (list, mark reviewed, CSV export)
// and the read-only view of the staff audit log.
#include "policy/api/api_routes.h"

#include <charconv>
#include <map>

namespace sightline::policy::api::routes {
namespace {

// At most this many audit entries per request.
constexpr int64_t kAuditPageMax = 500;

// An alert as stored with its report: the score stays in its stored text.
struct StoredAlert {
  int64_t alert_id;
  std::string kind;
  std::string score;
  std::string raised_at;
};

struct ReportRow {
  int64_t id;
  std::optional<int64_t> centre_id;
  std::optional<int64_t> detained_individual_id;
  std::optional<int64_t> booking_id;
  std::string kind;
  std::string reason;
  std::string created_at;
  std::string reviewed_by;
  std::string reviewed_at;
  // Set for reports the officer's console filed, empty for booking refusals.
  std::string call_id;
  std::string officer;
  std::string reason_code;
  std::vector<StoredAlert> alerts;
};

std::optional<int64_t> optional_integer(const Row& row, size_t column) {
  return row.is_null(column) ? std::nullopt : std::optional<int64_t>(row.integer(column));
}

std::string text_or_empty(const Row& row, size_t column) { return row.is_null(column) ? "" : row.text(column); }

std::vector<ReportRow> reports_in_scope(ApiContext& context) {
  const std::string select =
      "SELECT r.id, r.centre_id, r.detained_individual_id, r.booking_id, r.kind, r.reason, r.created_at, v.reviewed_by, "
      "v.reviewed_at, r.call_id, r.officer, r.reason_code FROM incident_reports r "
      "LEFT JOIN incident_report_reviews v ON v.incident_report_id = r.id ";
  const auto centre = context.listing_centre();
  const auto rows = centre ? context.store.query(select + "WHERE r.centre_id = ? ORDER BY r.id DESC", {*centre})
                           : context.store.query(select + "ORDER BY r.id DESC");
  std::vector<ReportRow> reports;
  std::map<int64_t, size_t> index_of_id;
  for (const Row& row : rows) {
    index_of_id[row.integer(0)] = reports.size();
    reports.push_back({row.integer(0), optional_integer(row, 1), optional_integer(row, 2), optional_integer(row, 3),
                       row.text(4), row.text(5), row.text(6), text_or_empty(row, 7), text_or_empty(row, 8),
                       text_or_empty(row, 9), text_or_empty(row, 10), text_or_empty(row, 11), {}});
  }

  // The alerts of every listed report in one query.
  const std::string alert_select =
      "SELECT a.incident_report_id, a.alert_id, a.kind, a.score, a.raised_at FROM incident_report_alerts a "
      "JOIN incident_reports r ON r.id = a.incident_report_id ";
  const auto alert_rows =
      centre ? context.store.query(alert_select + "WHERE r.centre_id = ? ORDER BY a.alert_id, a.raised_at", {*centre})
             : context.store.query(alert_select + "ORDER BY a.alert_id, a.raised_at");
  for (const Row& row : alert_rows) {
    auto found = index_of_id.find(row.integer(0));
    if (found == index_of_id.end()) continue;
    reports[found->second].alerts.push_back({row.integer(1), row.text(2), row.text(3), row.text(4)});
  }
  return reports;
}

// One CSV cell for the alerts, e.g. "alert 12 recording_device 0.74 2026-12-05T10:00:03Z".
std::string alerts_text(const std::vector<StoredAlert>& alerts) {
  std::string text;
  for (const StoredAlert& alert : alerts) {
    if (!text.empty()) text += "; ";
    text += "alert " + std::to_string(alert.alert_id) + " " + alert.kind + " " + alert.score + " " + alert.raised_at;
  }
  return text;
}

nlohmann::json alerts_json(const std::vector<StoredAlert>& alerts) {
  nlohmann::json list = nlohmann::json::array();
  for (const StoredAlert& alert : alerts) {
    // report_call_incident wrote the score as plain decimal text.
    double score = 0.0;
    std::from_chars(alert.score.data(), alert.score.data() + alert.score.size(), score);
    list.push_back({{"alert_id", alert.alert_id}, {"kind", alert.kind}, {"score", score},
                    {"raised_at", alert.raised_at}});
  }
  return list;
}

// Quotes one CSV field (RFC 4180). A leading = + - or @ gets an apostrophe
// so that a spreadsheet shows the text instead of running it as a formula.
std::string csv_field(const std::string& value) {
  std::string text = value;
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@')) text.insert(0, "'");
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string id_text(std::optional<int64_t> id) { return id ? std::to_string(*id) : ""; }

// The ?name= query parameter, or empty when it is absent.
std::string query_text(const ApiContext& context, const std::string& name) {
  auto it = context.request.query.find(name);
  return it == context.request.query.end() ? "" : it->second;
}

}  // namespace

control::HttpResponse list_incident_reports(ApiContext& context) {
  nlohmann::json list = nlohmann::json::array();
  for (const ReportRow& r : reports_in_scope(context)) {
    list.push_back({{"id", r.id}, {"centre_id", json_id(r.centre_id)}, {"detained_individual_id", json_id(r.detained_individual_id)},
                    {"booking_id", json_id(r.booking_id)}, {"kind", r.kind}, {"reason", r.reason},
                    {"created_at", r.created_at}, {"reviewed_by", r.reviewed_by}, {"reviewed_at", r.reviewed_at},
                    {"call_id", r.call_id}, {"officer", r.officer}, {"reason_code", r.reason_code},
                    {"alerts", alerts_json(r.alerts)}});
  }
  return json_response(200, {{"incident_reports", list}});
}

control::HttpResponse export_incident_reports(ApiContext& context) {
  std::string csv =
      "id,centre_id,detained_individual_id,booking_id,kind,reason,created_at,reviewed_by,reviewed_at,call_id,officer,"
      "reason_code,alerts\r\n";
  const auto reports = reports_in_scope(context);
  for (const ReportRow& r : reports) {
    csv += std::to_string(r.id) + "," + id_text(r.centre_id) + "," + id_text(r.detained_individual_id) + "," +
           id_text(r.booking_id) + "," + csv_field(r.kind) + "," + csv_field(r.reason) + "," + r.created_at + "," +
           csv_field(r.reviewed_by) + "," + r.reviewed_at + "," + csv_field(r.call_id) + "," + csv_field(r.officer) + "," +
           csv_field(r.reason_code) + "," + csv_field(alerts_text(r.alerts)) + "\r\n";
  }
  context.audit("incident_reports_exported", "incident reports", std::to_string(reports.size()) + " rows",
                context.listing_centre());
  control::HttpResponse response{200, "text/csv; charset=utf-8", csv, {}};
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"incident-reports.csv\"");
  return response;
}

control::HttpResponse mark_incident_reviewed(ApiContext& context) {
  const int64_t id = context.path_id(0);
  auto rows = context.store.query("SELECT centre_id FROM incident_reports WHERE id = ?", {id});
  if (rows.empty()) throw ApiError{404, "incident report " + std::to_string(id) + " not found", "", ""};
  const auto centre_id = optional_integer(rows[0], 0);
  context.require_centre(centre_id, "incident report " + std::to_string(id));
  if (!context.store.query("SELECT 1 FROM incident_report_reviews WHERE incident_report_id = ?", {id}).empty()) {
    throw ApiError{409, "incident report " + std::to_string(id) + " is already marked reviewed", "", "already_reviewed"};
  }
  context.store.execute("INSERT INTO incident_report_reviews (incident_report_id, reviewed_by, reviewed_at) VALUES (?, ?, ?)",
                        {id, context.staff().username, format_utc(context.now)});
  context.audit("incident_report_reviewed", "incident report " + std::to_string(id), "", centre_id);
  return json_response(200, {{"id", id}, {"reviewed_by", context.staff().username}, {"reviewed_at", format_utc(context.now)}});
}

control::HttpResponse list_audit_log(ApiContext& context) {
  nlohmann::json list = nlohmann::json::array();
  AuditFilter filter;
  filter.centre_id = context.listing_centre();
  filter.action = query_text(context, "action");
  filter.call_id = query_text(context, "call_id");
  for (const AuditEntry& e : context.api.audit_log().recent(kAuditPageMax, filter)) {
    list.push_back({{"id", e.id}, {"username", e.username}, {"role", e.role}, {"centre_id", json_id(e.centre_id)},
                    {"action", e.action}, {"target", e.target}, {"call_id", e.call_id}, {"detail", e.detail},
                    {"created_at", format_utc(e.created_at)}});
  }
  return json_response(200, {{"entries", list}});
}

}  // namespace sightline::policy::api::routes

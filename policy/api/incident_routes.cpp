// Incident reports for the security team (list, mark reviewed, CSV export)
// and the read-only view of the staff audit log.
#include "policy/api/api_routes.h"

namespace sightline::policy::api::routes {
namespace {

// At most this many audit entries per request.
constexpr int64_t kAuditPageMax = 500;

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
};

std::optional<int64_t> optional_integer(const Row& row, size_t column) {
  return row.is_null(column) ? std::nullopt : std::optional<int64_t>(row.integer(column));
}

std::vector<ReportRow> reports_in_scope(ApiContext& context) {
  const std::string select =
      "SELECT r.id, r.centre_id, r.detained_individual_id, r.booking_id, r.kind, r.reason, r.created_at, v.reviewed_by, "
      "v.reviewed_at FROM incident_reports r LEFT JOIN incident_report_reviews v ON v.incident_report_id = r.id ";
  const auto centre = context.listing_centre();
  const auto rows = centre ? context.store.query(select + "WHERE r.centre_id = ? ORDER BY r.id DESC", {*centre})
                           : context.store.query(select + "ORDER BY r.id DESC");
  std::vector<ReportRow> reports;
  for (const Row& row : rows) {
    reports.push_back({row.integer(0), optional_integer(row, 1), optional_integer(row, 2), optional_integer(row, 3),
                       row.text(4), row.text(5), row.text(6), row.is_null(7) ? "" : row.text(7),
                       row.is_null(8) ? "" : row.text(8)});
  }
  return reports;
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

}  // namespace

control::HttpResponse list_incident_reports(ApiContext& context) {
  nlohmann::json list = nlohmann::json::array();
  for (const ReportRow& r : reports_in_scope(context)) {
    list.push_back({{"id", r.id}, {"centre_id", json_id(r.centre_id)}, {"detained_individual_id", json_id(r.detained_individual_id)},
                    {"booking_id", json_id(r.booking_id)}, {"kind", r.kind}, {"reason", r.reason},
                    {"created_at", r.created_at}, {"reviewed_by", r.reviewed_by}, {"reviewed_at", r.reviewed_at}});
  }
  return json_response(200, {{"incident_reports", list}});
}

control::HttpResponse export_incident_reports(ApiContext& context) {
  std::string csv = "id,centre_id,detained_individual_id,booking_id,kind,reason,created_at,reviewed_by,reviewed_at\r\n";
  const auto reports = reports_in_scope(context);
  for (const ReportRow& r : reports) {
    csv += std::to_string(r.id) + "," + id_text(r.centre_id) + "," + id_text(r.detained_individual_id) + "," +
           id_text(r.booking_id) + "," + csv_field(r.kind) + "," + csv_field(r.reason) + "," + r.created_at + "," +
           csv_field(r.reviewed_by) + "," + r.reviewed_at + "\r\n";
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
  for (const AuditEntry& e : context.api.audit_log().recent(kAuditPageMax, context.listing_centre())) {
    list.push_back({{"id", e.id}, {"username", e.username}, {"role", e.role}, {"centre_id", json_id(e.centre_id)},
                    {"action", e.action}, {"target", e.target}, {"call_id", e.call_id}, {"detail", e.detail},
                    {"created_at", format_utc(e.created_at)}});
  }
  return json_response(200, {{"entries", list}});
}

}  // namespace sightline::policy::api::routes

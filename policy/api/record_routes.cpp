// Centres, detained individuals, their recipients, and interpreters.
#include "policy/api/api_routes.h"
#include "policy/compact.h"
#include "policy/opening_windows.h"
#include "policy/records.h"
#include "policy/risk_assessment.h"
#include "policy/suspensions.h"

namespace sightline::policy::api::routes {
namespace {

// Parses "HH:MM" (00:00 to 24:00) into minutes after midnight.
std::optional<int> parse_clock_time(const nlohmann::json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int hour = (text[0] - '0') * 10 + (text[1] - '0');
  const int minute = (text[3] - '0') * 10 + (text[4] - '0');
  if (minute > 59 || hour > 24 || (hour == 24 && minute != 0)) return std::nullopt;
  return hour * 60 + minute;
}

// Formats minutes after midnight (0 to 1440) as "HH:MM"; 1440 is "24:00".
std::string clock_time_text(int64_t minutes_after_midnight) {
  const auto two_digits = [](int64_t value) { return std::string(value < 10 ? "0" : "") + std::to_string(value); };
  return two_digits(minutes_after_midnight / 60) + ":" + two_digits(minutes_after_midnight % 60);
}

std::vector<OpeningWindow> windows_from(const ApiContext& context) {
  auto it = context.body.find("windows");
  if (it == context.body.end() || !it->is_array() || it->empty()) {
    throw ApiError{400, "windows is missing; give at least one {weekday, start, end} opening window", "windows", ""};
  }
  std::vector<OpeningWindow> windows;
  for (const nlohmann::json& item : *it) {
    const bool weekday_ok = item.is_object() && item.contains("weekday") && item["weekday"].is_number_integer();
    auto start = item.is_object() && item.contains("start") ? parse_clock_time(item["start"]) : std::nullopt;
    auto end = item.is_object() && item.contains("end") ? parse_clock_time(item["end"]) : std::nullopt;
    if (!weekday_ok || !start || !end) {
      throw ApiError{400, "each window needs weekday (0 = Sunday to 6 = Saturday), start and end as HH:MM", "windows", ""};
    }
    // Booking slots are 30 minutes long, so a window starts and ends on the
    // hour or half hour. A window that closes at midnight ends at "24:00".
    const int start_minute = *start;
    const int end_minute = *end;
    for (const auto& [name, minute] : {std::pair{"start", start_minute}, std::pair{"end", end_minute}}) {
      if (minute % kSlotLength.count() != 0) {
        const std::string text = item[name].get<std::string>();
        throw ApiError{400,
                       "the " + weekday_name(item["weekday"].get<int>()) + " window " + name + "s at " + text +
                           "; windows start and end on the hour or half hour (HH:00 or HH:30), and a window open "
                           "until midnight ends at 24:00",
                       "windows", ""};
      }
    }
    windows.push_back({item["weekday"].get<int>(), start_minute, end_minute});
  }
  return windows;
}

nlohmann::json individual_json(const DetainedIndividual& person) {
  return {{"id", person.id}, {"centre_id", person.centre_id}, {"centre_reference", person.centre_reference},
          {"recorded_name", person.recorded_name}, {"log_name", person.log_name}};
}

nlohmann::json recipient_json(const Recipient& recipient, const RecipientReview& review) {
  nlohmann::json json{{"id", recipient.id}, {"kind", recipient.kind == RecipientKind::legal ? "legal" : "social"},
                      {"full_name", recipient.full_name}, {"relationship", recipient.relationship},
                      {"contact", recipient.contact}, {"review_status", to_string(review.status)},
                      {"restrictions", review.restrictions}, {"reviewed_by", review.reviewed_by}};
  if (recipient.kind == RecipientKind::legal) {
    json["firm"] = recipient.firm;
    json["qualification"] = recipient.qualification;
  }
  return json;
}

}  // namespace

control::HttpResponse list_centres(ApiContext& context) {
  const auto centre = sees_all_centres(context.staff().role) ? std::nullopt : context.staff().centre_id;
  const auto rows = centre ? context.store.query("SELECT id, name, time_zone FROM centres WHERE id = ?", {*centre})
                           : context.store.query("SELECT id, name, time_zone FROM centres ORDER BY name");
  nlohmann::json centres = nlohmann::json::array();
  for (const Row& row : rows) {
    const int64_t id = row.integer(0);
    nlohmann::json windows = nlohmann::json::array();
    for (const Row& window : context.store.query(
             "SELECT weekday, start_minute, end_minute FROM opening_windows WHERE centre_id = ? ORDER BY weekday, start_minute",
             {id})) {
      windows.push_back({{"weekday", window.integer(0)},
                         {"start", clock_time_text(window.integer(1))},
                         {"end", clock_time_text(window.integer(2))}});
    }
    centres.push_back({{"id", id}, {"name", row.text(1)}, {"time_zone", row.text(2)}, {"windows", windows}});
  }
  return json_response(200, {{"centres", centres}});
}

control::HttpResponse add_centre(ApiContext& context) {
  const std::string name = context.text("name");
  const std::string time_zone = context.text("time_zone");
  if (!CentreTimeZone::find(time_zone)) {
    throw ApiError{400, "unknown time zone \"" + time_zone + "\"; use an IANA name such as Europe/London", "time_zone", ""};
  }
  auto windows = windows_from(context);
  auto added = Records(context.store, context.clock).add_centre(name, time_zone, windows);
  if (!added.ok()) context.refuse(added.refusal(), "windows");
  context.audit("centre_added", "centre " + std::to_string(added.value()), name, added.value());
  return json_response(201, {{"id", added.value()}});
}

control::HttpResponse list_detained_individuals(ApiContext& context) {
  const auto centre = context.listing_centre();
  const std::string columns = "SELECT id, centre_id, centre_reference, recorded_name, log_name FROM detained_individuals ";
  const auto rows = centre ? context.store.query(columns + "WHERE centre_id = ? ORDER BY centre_reference", {*centre})
                           : context.store.query(columns + "ORDER BY centre_id, centre_reference");
  nlohmann::json people = nlohmann::json::array();
  for (const Row& row : rows) {
    people.push_back(individual_json({row.integer(0), row.integer(1), row.text(2), row.text(3), row.text(4)}));
  }
  return json_response(200, {{"detained_individuals", people}});
}

control::HttpResponse add_detained_individual(ApiContext& context) {
  const auto centre_id = context.optional_id("centre_id").value_or(context.staff().centre_id.value_or(0));
  if (centre_id == 0) throw ApiError{400, "centre_id is missing; choose the centre", "centre_id", ""};
  const std::string reference = context.text("centre_reference");
  const std::string recorded_name = context.text("recorded_name");
  const std::string log_name = context.text("log_name");
  context.require_centre(centre_id, "centre " + std::to_string(centre_id));

  auto added = Records(context.store, context.clock).add_detained_individual(centre_id, reference, recorded_name, log_name);
  if (!added.ok()) context.refuse(added.refusal(), "centre_reference");
  context.audit("detained_individual_added", "detained individual " + std::to_string(added.value()), "", centre_id);
  return json_response(201, {{"id", added.value()}});
}

control::HttpResponse show_detained_individual(ApiContext& context) {
  const int64_t id = context.path_id(0);
  context.scoped_individual(id);
  Records records(context.store, context.clock);
  RiskAssessments risk(context.store, context.clock);
  nlohmann::json json = individual_json(*records.detained_individual(id));

  auto compact = Compacts(context.store, context.clock).latest(id);
  json["compact"] = compact ? nlohmann::json{{"signed_on", format_date(compact->signed_on)},
                                             {"language", compact->language},
                                             {"interpreted", compact->interpreted},
                                             {"witnessing_officer", compact->witnessing_officer}}
                            : nlohmann::json();
  json["has_risk_assessment"] = risk.has_assessment(id);
  json["suspended_now"] = is_suspended(context.store, id, context.now);
  json["recipients"] = nlohmann::json::array();
  for (const Row& row : context.store.query("SELECT id FROM recipients WHERE detained_individual_id = ? ORDER BY id", {id})) {
    const int64_t recipient_id = row.integer(0);
    json["recipients"].push_back(recipient_json(*records.recipient(recipient_id), risk.review(recipient_id)));
  }
  return json_response(200, json);
}

control::HttpResponse add_recipient(ApiContext& context) {
  const int64_t person = context.path_id(0);
  const int64_t centre_id = context.scoped_individual(person);
  const std::string kind = context.text("kind");
  const std::string full_name = context.text("full_name");
  const std::string contact = context.text("contact");

  Records records(context.store, context.clock);
  Result<int64_t> added = Refusal{RefusalCode::invalid_input, ""};
  if (kind == "social") {
    added = records.add_caller(person, full_name, context.text("relationship"), contact);
  } else if (kind == "legal") {
    // Section 84 details of the adviser.
    added = records.add_legal_adviser(person, full_name, contact, context.text("firm"), context.text("qualification"));
  } else {
    throw ApiError{400, "kind must be \"social\" (a caller) or \"legal\" (a legal adviser)", "kind", ""};
  }
  if (!added.ok()) context.refuse(added.refusal());
  context.audit("recipient_added", "recipient " + std::to_string(added.value()),
                kind + " recipient of detained individual " + std::to_string(person), centre_id);
  return json_response(201, {{"id", added.value()}});
}

control::HttpResponse list_interpreters(ApiContext& context) {
  nlohmann::json interpreters = nlohmann::json::array();
  for (const Row& row : context.store.query("SELECT id, full_name, languages, contact FROM interpreters ORDER BY full_name")) {
    interpreters.push_back(
        {{"id", row.integer(0)}, {"full_name", row.text(1)}, {"languages", row.text(2)}, {"contact", row.text(3)}});
  }
  return json_response(200, {{"interpreters", interpreters}});
}

control::HttpResponse add_interpreter(ApiContext& context) {
  const std::string full_name = context.text("full_name");
  const std::string languages = context.text("languages");
  auto added = Records(context.store, context.clock).add_interpreter(full_name, languages, context.optional_text("contact"));
  if (!added.ok()) context.refuse(added.refusal());
  context.audit("interpreter_added", "interpreter " + std::to_string(added.value()), languages, std::nullopt);
  return json_response(201, {{"id", added.value()}});
}

}  // namespace sightline::policy::api::routes

// Bookings: requests decided by the booking rules, interpreters added as a
// reasonable adjustment, and join links for each participant.
#include "policy/api/api_routes.h"
#include "policy/bookings.h"
#include "policy/records.h"

namespace sightline::policy::api::routes {
namespace {

// Formats a local wall-clock time as "2026-03-04T10:00".
std::string format_local(LocalTime local) {
  const auto day = std::chrono::floor<days>(local);
  const std::chrono::hh_mm_ss time{local - day};
  const std::string date = format_date(std::chrono::year_month_day{std::chrono::sys_days{day.time_since_epoch()}});
  char text[8];
  std::snprintf(text, sizeof text, "T%02d:%02d", static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()));
  return date + text;
}

// Parses "2026-03-04T10:00" in the centre's time zone.
UtcTime parse_local_slot(const std::string& text, const CentreTimeZone& zone) {
  const auto bad = [&](const std::string& why) { return ApiError{400, "slot_local \"" + text + "\" " + why, "slot_local", ""}; };
  if (text.size() != 16 || text[10] != 'T' || text[13] != ':') throw bad("is not a local time like 2026-03-04T10:00");
  auto date = parse_date(text.substr(0, 10));
  const auto digits = [&](size_t at) { return (text[at] - '0') * 10 + (text[at + 1] - '0'); };
  for (size_t i : {11, 12, 14, 15}) {
    if (text[i] < '0' || text[i] > '9') throw bad("is not a local time like 2026-03-04T10:00");
  }
  if (!date || digits(11) > 23 || digits(14) > 59) throw bad("is not a local time like 2026-03-04T10:00");
  const LocalTime local = LocalDay{std::chrono::sys_days{*date}.time_since_epoch()} + hours{digits(11)} + minutes{digits(14)};
  auto utc = zone.to_utc(local);
  if (!utc) throw bad("does not exist in " + zone.name() + " because the clocks go forward then");
  return *utc;
}

nlohmann::json booking_json(const Booking& booking, const CentreTimeZone& zone) {
  return {{"id", booking.id}, {"centre_id", booking.centre_id}, {"detained_individual_id", booking.detained_individual_id},
          {"recipient_id", booking.recipient_id}, {"kind", booking.kind == RecipientKind::legal ? "legal" : "social"},
          {"terminal", booking.terminal}, {"slot_start", format_utc(booking.slot_start)},
          {"slot_local", format_local(zone.to_local(booking.slot_start))}, {"state", to_string(booking.state)},
          {"refusal_reason", booking.refusal_reason}};
}

CentreTimeZone zone_of(ApiContext& context, int64_t centre_id) {
  auto centre = Records(context.store, context.clock).centre(centre_id);
  if (!centre) throw StoreError("centre " + std::to_string(centre_id) + " not found");
  return centre->zone;
}

// Issues one join link per participant of a confirmed booking.
nlohmann::json join_links(ApiContext& context, const Booking& booking) {
  nlohmann::json links = nlohmann::json::array();
  JoinTokens* tokens = context.join_tokens();
  if (!tokens || booking.state != BookingState::confirmed) return links;
  std::vector<std::pair<ParticipantRole, std::optional<int64_t>>> participants = {
      {ParticipantRole::detained_individual, std::nullopt}, {ParticipantRole::recipient, std::nullopt}};
  for (int64_t interpreter : Bookings(context.store, context.clock).interpreters(booking.id)) {
    participants.emplace_back(ParticipantRole::interpreter, interpreter);
  }
  for (const auto& [role, interpreter] : participants) {
    auto token = tokens->issue(booking.id, role);
    if (!token.ok()) context.refuse(token.refusal());
    // The call page reads the call, its role and the slot end from the link.
    std::string participant = std::string(call_page_role(role)) + "-" + std::to_string(booking.id);
    if (interpreter) participant += "-" + std::to_string(*interpreter);
    const std::string url = context.config().join_link_prefix + token.value() +
                            "&call=" + call_id_for_booking(booking.id) + "&participant=" + participant +
                            "&role=" + std::string(call_page_role(role)) + "&ends=" + format_utc(booking.slot_end());
    links.push_back({{"role", to_string(role)}, {"interpreter_id", json_id(interpreter)}, {"url", url}});
  }
  context.audit("join_links_issued", "booking " + std::to_string(booking.id),
                std::to_string(links.size()) + " links", booking.centre_id);
  return links;
}

Booking scoped_booking(ApiContext& context, int64_t booking_id) {
  auto booking = Bookings(context.store, context.clock).booking(booking_id);
  if (!booking) throw ApiError{404, "booking " + std::to_string(booking_id) + " not found", "", ""};
  context.require_centre(booking->centre_id, "booking " + std::to_string(booking_id));
  return *booking;
}

}  // namespace

control::HttpResponse list_bookings(ApiContext& context) {
  const auto centre = context.listing_centre();
  // Bookings whose slot has not yet ended, soonest first.
  const std::string from = format_utc(context.now - kSlotLength);
  const auto rows = centre ? context.store.query("SELECT id FROM bookings WHERE centre_id = ? AND slot_start > ? ORDER BY slot_start, id", {*centre, from})
                           : context.store.query("SELECT id FROM bookings WHERE slot_start > ? ORDER BY slot_start, id", {from});
  Bookings bookings(context.store, context.clock);
  nlohmann::json list = nlohmann::json::array();
  for (const Row& row : rows) {
    auto booking = bookings.booking(row.integer(0));
    list.push_back(booking_json(*booking, zone_of(context, booking->centre_id)));
  }
  return json_response(200, {{"bookings", list}});
}

control::HttpResponse request_booking(ApiContext& context) {
  const int64_t person = context.id("detained_individual_id");
  const int64_t recipient = context.id("recipient_id");
  const std::string terminal = context.text("terminal");
  const std::string urgent_reason = context.optional_text("urgent_reason");
  const int64_t centre_id = context.scoped_individual(person);
  const CentreTimeZone zone = zone_of(context, centre_id);
  const UtcTime slot = context.body.contains("slot_start") ? context.instant("slot_start")
                                                           : parse_local_slot(context.text("slot_local"), zone);

  BookingRequest request{person, recipient, terminal, slot, std::nullopt};
  // The signed-in officer approves an urgent request by giving its reason.
  if (!urgent_reason.empty()) request.urgent = UrgentApproval{context.staff().username, urgent_reason};
  auto booked = Bookings(context.store, context.clock).request(request);
  if (!booked.ok()) {
    const Refusal& refusal = booked.refusal();
    auto refused = context.store.query(
        "SELECT id FROM bookings WHERE detained_individual_id = ? AND slot_start = ? AND state = 'refused' ORDER BY id DESC LIMIT 1",
        {person, format_utc(slot)});
    const auto booking_id = refused.empty() ? std::nullopt : std::optional<int64_t>(refused[0].integer(0));
    context.audit("booking_refused", booking_id ? "booking " + std::to_string(*booking_id) : "booking request",
                  std::string(to_string(refusal.code)) + ": " + refusal.reason, centre_id);
    const int status = refusal.code == RefusalCode::not_found ? 404 : 422;
    throw ApiError{status, refusal.reason, status == 404 ? "recipient_id" : "", std::string(to_string(refusal.code)),
                   {{"booking_id", json_id(booking_id)}}};
  }

  const Booking& booking = booked.value();
  context.audit("booking_requested", "booking " + std::to_string(booking.id),
                std::string(to_string(booking.state)) + (request.urgent ? ", urgent" : ""), centre_id);
  return json_response(201, {{"booking", booking_json(booking, zone)}, {"join_links", join_links(context, booking)}});
}

control::HttpResponse add_booking_interpreter(ApiContext& context) {
  const Booking booking = scoped_booking(context, context.path_id(0));
  const int64_t interpreter = context.id("interpreter_id");
  const std::string adjustment = context.text("adjustment");
  auto added = Bookings(context.store, context.clock).add_interpreter(booking.id, interpreter, adjustment);
  if (!added.ok()) context.refuse(added.refusal(), "interpreter_id");
  context.audit("interpreter_added_to_booking", "booking " + std::to_string(booking.id),
                "interpreter " + std::to_string(interpreter), booking.centre_id);
  return json_response(201, {{"booking_id", booking.id}, {"interpreter_id", interpreter}});
}

control::HttpResponse issue_join_links(ApiContext& context) {
  const Booking booking = scoped_booking(context, context.path_id(0));
  if (booking.state != BookingState::confirmed) {
    throw ApiError{422, "booking " + std::to_string(booking.id) + " is " + std::string(to_string(booking.state)) +
                            "; join links are issued only for confirmed bookings", "", "not_confirmed"};
  }
  if (!context.join_tokens()) {
    throw ApiError{503, "join links are not configured on this server; set the join token secret", "", ""};
  }
  return json_response(201, {{"booking_id", booking.id}, {"join_links", join_links(context, booking)}});
}

}  // namespace sightline::policy::api::routes

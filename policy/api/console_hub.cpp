// The officer's console hub: sessions, the call list, alerts and decisions.
#include "policy/api/console_hub.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "policy/supervision.h"
#include "relay/base/log.h"

namespace sightline::policy::api {
namespace {

using nlohmann::json;

constexpr const char* kComponent = "console";
constexpr std::string_view kBookingPrefix = "booking-";

// A reason code for rejecting the ID check, with its description for the incident report.
struct IdRefusal {
  const char* code;
  const char* description;
};
constexpr IdRefusal kIdRefusals[] = {
    {"id_mismatch", "The photo ID does not match the named recipient"},
    {"under_18", "The caller is under 18"},
    {"no_id", "The caller showed no photo ID"},
    {"other", "Other reason"},
};

std::optional<int64_t> booking_of(const std::string& call_id) {
  if (!call_id.starts_with(kBookingPrefix)) return std::nullopt;
  const std::string_view number = std::string_view(call_id).substr(kBookingPrefix.size());
  int64_t id = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), id);
  if (error != std::errc() || end != number.data() + number.size() || id <= 0) return std::nullopt;
  return id;
}

// The console is for the officers who supervise calls.
bool may_use_console(StaffRole role) {
  return role == StaffRole::dco || role == StaffRole::manager || role == StaffRole::admin;
}

bool sees_centre(const StaffAccount& account, std::optional<int64_t> centre) {
  if (!account.centre_id) return true;  // admin: every centre
  return centre && *centre == *account.centre_id;
}

std::string text_field(const json& message, const char* name) {
  const auto it = message.find(name);
  return it != message.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The reason code the call pages translate (web/call/call.js END_REASONS).
std::string call_page_reason(EndReason reason) { return "officer-" + std::string(to_string(reason)); }

// Thrown by a message handler to reject the request with this message.
struct Refused {
  std::string message;
};

}  // namespace

struct ConsoleHub::Impl {
  struct Officer {
    StaffAccount account;
    std::string session_cookie;
  };
  struct CallEntry {
    ConsoleCall call;
    std::optional<BookedCall> booking;
    std::optional<int64_t> centre_id;
    std::optional<UtcTime> ended_at;
    std::string end_reason;  // the code the officer gave, if an officer ended it
    // Every alert raised in the call, kept after the console stops showing
    // it, for the incident report; dismissed ones leave.
    std::map<uint64_t, AlertSummary> alert_history;
  };
  struct AlertEntry {
    ConsoleAlertEvent raised;
    std::optional<int64_t> centre_id;
    bool active = true;
    std::string decision;  // "", "acknowledged", "dismissed"
  };

  Impl(StaffApi& staff_api, Store& policy_store, std::mutex& policy_store_mutex, CallControl& call_control,
       const Clock& time_source)
      : api(staff_api), store(policy_store), store_mutex(policy_store_mutex), control(call_control), clock(time_source) {}

  StaffApi& api;
  Store& store;
  std::mutex& store_mutex;
  CallControl& control;
  const Clock& clock;

  std::mutex mutex;  // guards what follows; taken before store_mutex, never while calling `control`
  std::map<control::SessionId, Officer> officers;
  std::map<std::string, CallEntry> calls;
  std::map<uint64_t, AlertEntry> alerts;

  // --- store access (each takes store_mutex) ---

  std::optional<StaffSession> resume(const std::string& cookie) {
    if (cookie.empty()) return std::nullopt;
    std::lock_guard lock(store_mutex);
    return api.sessions().resume(cookie, clock.now());
  }

  void audit(const StaffAccount& account, const std::string& action, const std::string& target,
             const std::string& detail, std::optional<int64_t> centre_id, const std::string& call_id) {
    std::lock_guard lock(store_mutex);
    try {
      api.audit_log().append(AuditEntry{0, account.username, std::string(to_string(account.role)), centre_id, action,
                                        target, call_id, detail, clock.now()});
    } catch (const std::exception& error) {
      log::error(kComponent, "audit entry not written", {{"action", action}, {"error", error.what()}});
    }
  }

  // --- views ---

  static std::string state_of(const CallEntry& entry) {
    if (entry.ended_at) return "ended";
    if (entry.call.id_check) return "id-check";
    return entry.call.parties_met && parties_present(entry.call) >= 2 ? "live" : "waiting";
  }

  // True when the person whose ID is checked (a caller or legal adviser) is in the call.
  static bool has_recipient(const ConsoleCall& call) {
    return std::any_of(call.participants.begin(), call.participants.end(), [](const ConsoleCall::Member& m) {
      return m.role == "caller" || m.role == "legal-adviser";
    });
  }

  static size_t parties_present(const ConsoleCall& call) {
    return static_cast<size_t>(std::count_if(call.participants.begin(), call.participants.end(),
                                             [](const ConsoleCall::Member& m) { return m.role != "officer"; }));
  }

  static std::string name_for(const CallEntry& entry, const std::string& role) {
    if (role == "officer") return "Officer";
    if (!entry.booking) return "";
    if (role == "terminal") return entry.booking->detained_individual_name;
    if (role == "caller" || role == "legal-adviser") return entry.booking->recipient_name;
    if (role == "interpreter") {
      std::string names;
      for (const std::string& name : entry.booking->interpreter_names) names += (names.empty() ? "" : ", ") + name;
      return names;
    }
    return "";
  }

  size_t open_alert_count(const std::string& call_id) const {
    size_t open = 0;
    for (const auto& [id, entry] : alerts) {
      if (entry.raised.call_id == call_id && entry.decision.empty()) ++open;
    }
    return open;
  }

  json call_json(const CallEntry& entry) const {
    json participants = json::array();
    for (const ConsoleCall::Member& member : entry.call.participants) {
      participants.push_back({{"id", member.participant_id}, {"role", member.role}, {"name", name_for(entry, member.role)}});
    }
    json view = {{"call", entry.call.call_id},
                 {"state", state_of(entry)},
                 {"participants", participants},
                 {"open_alerts", open_alert_count(entry.call.call_id)},
                 {"booking_id", nullptr},
                 {"centre_id", entry.centre_id ? json(*entry.centre_id) : json()},
                 {"ended_at", entry.ended_at ? json(format_utc(*entry.ended_at)) : json()},
                 {"end_reason", entry.end_reason}};
    if (entry.booking) {
      const BookedCall& b = entry.booking.value();
      view["booking_id"] = b.booking_id;
      view["detained_individual"] = b.detained_individual_name;
      view["recipient"] = b.recipient_name;
      view["relationship"] = b.recipient_relationship;
      view["legal"] = b.legal;
      view["interpreters"] = b.interpreter_names;
      view["slot_start"] = format_utc(b.slot_start);
      view["slot_end"] = format_utc(b.slot_end);
    }
    return view;
  }

  static json alert_json(const AlertEntry& entry) {
    const ConsoleAlertEvent& a = entry.raised;
    return {{"id", a.id},
            {"call", a.call_id},
            {"participant", a.participant_id},
            {"role", a.role},
            {"kind", a.kind},
            {"score", a.score},
            {"box", {a.box[0], a.box[1], a.box[2], a.box[3]}},
            {"raised_at", format_utc(a.time)},
            {"active", entry.active},
            {"decision", entry.decision}};
  }

  // Sends a message to every officer whose scope includes `centre`. Call with mutex held.
  void broadcast(std::optional<int64_t> centre, const json& message) {
    for (const auto& [session, officer] : officers) {
      if (sees_centre(officer.account, centre)) control.send(session, message);
    }
  }

  void broadcast_call(const CallEntry& entry) { broadcast(entry.centre_id, {{"type", "call"}, {"call", call_json(entry)}}); }

  void prune_ended(UtcTime now) {
    for (auto it = calls.begin(); it != calls.end();) {
      if (it->second.ended_at && now - *it->second.ended_at > kEndedCallKept) {
        broadcast(it->second.centre_id, {{"type", "call-removed"}, {"call", it->first}});
        it = calls.erase(it);
      } else {
        ++it;
      }
    }
  }

  static std::vector<AlertSummary> alert_summaries(const CallEntry& entry) {
    std::vector<AlertSummary> summaries;
    for (const auto& [id, summary] : entry.alert_history) summaries.push_back(summary);
    return summaries;
  }

  // The call an officer acts on, after the scope check; with mutex held.
  CallEntry& scoped_call(const Officer& officer, const json& message, const char* action) {
    const std::string call_id = text_field(message, "call");
    if (call_id.empty()) throw Refused{"Name the call (field \"call\")."};
    auto it = calls.find(call_id);
    if (it == calls.end()) throw Refused{"There is no call " + call_id + "."};
    if (!sees_centre(officer.account, it->second.centre_id)) {
      refuse_access(officer, action, call_id, it->second.centre_id);
    }
    return it->second;
  }

  [[noreturn]] void refuse_access(const Officer& officer, const char* action, const std::string& call_id,
                                  std::optional<int64_t> centre) {
    log::warn(kComponent, "access refused",
              {{"user", officer.account.username}, {"action", action}, {"call", call_id}});
    audit(officer.account, "access_refused", "call " + call_id, std::string("console ") + action, centre, call_id);
    throw Refused{"You may not act on calls of another centre."};
  }

  // --- message handlers: each returns extra fields for the result, or throws Refused ---

  json acknowledge_or_dismiss(std::unique_lock<std::mutex>& lock, const Officer& officer, const json& message,
                              AlertDecision decision) {
    const auto id_it = message.find("alert");
    if (id_it == message.end() || !id_it->is_number_integer() || id_it->get<int64_t>() < 0) {
      throw Refused{"Name the alert (field \"alert\")."};
    }
    const auto alert_id = static_cast<uint64_t>(id_it->get<int64_t>());
    auto it = alerts.find(alert_id);
    if (it == alerts.end()) throw Refused{"There is no open alert " + std::to_string(alert_id) + "."};
    AlertEntry& entry = it->second;
    const char* action = decision == AlertDecision::acknowledged ? "acknowledge" : "dismiss";
    if (!sees_centre(officer.account, entry.centre_id)) {
      refuse_access(officer, action, entry.raised.call_id, entry.centre_id);
    }
    if (!entry.decision.empty()) throw Refused{"This alert was already " + entry.decision + "."};
    const AlertSummary summary{alert_id, entry.raised.kind, entry.raised.score, entry.raised.time};
    const std::string call_id = entry.raised.call_id;
    const auto centre = entry.centre_id;
    {
      std::lock_guard store_lock(store_mutex);
      if (!record_alert_decision(store, centre, call_id, summary, decision, officer.account.username, clock.now())) {
        throw Refused{"This alert already has a decision."};
      }
    }
    entry.decision = std::string(to_string(decision));
    auto call = calls.find(call_id);
    if (decision == AlertDecision::dismissed && call != calls.end()) call->second.alert_history.erase(alert_id);
    broadcast(centre, {{"type", "alert"}, {"alert", alert_json(entry)}});
    if (!entry.active) {
      broadcast(centre, {{"type", "alert-removed"}, {"alert", alert_id}});
      alerts.erase(it);
    }
    if (call != calls.end()) broadcast_call(call->second);
    lock.unlock();
    audit(officer.account, decision == AlertDecision::acknowledged ? "alert_acknowledged" : "alert_dismissed",
          "alert " + std::to_string(alert_id), "kind=" + summary.kind, centre, call_id);
    return json::object();
  }

  json warn(std::unique_lock<std::mutex>& lock, const Officer& officer, const json& message) {
    CallEntry& entry = scoped_call(officer, message, "warn");
    const auto reason = parse_end_reason(text_field(message, "reason"));
    if (!reason) throw Refused{"Choose a reason for the warning."};
    const std::string text = text_field(message, "text");
    if (*reason == EndReason::other && text.empty()) throw Refused{"Write the warning for the reason \"Other\"."};
    if (text.size() > kMaxOfficerTextBytes) throw Refused{"The warning is too long."};
    if (entry.ended_at) throw Refused{"This call has already ended."};
    const std::string call_id = entry.call.call_id;
    const auto centre = entry.centre_id;
    lock.unlock();
    if (!control.warn_call(call_id, std::string(to_string(*reason)), text)) throw Refused{"This call has already ended."};
    audit(officer.account, "call_warned", "call " + call_id, "reason=" + std::string(to_string(*reason)), centre,
          call_id);
    return json::object();
  }

  // Builds the incident report of a call the officer ends, with the call's
  // alerts; with mutex held. The entry remembers `end_code` for the list.
  CallIncident incident_for(const Officer& officer, CallEntry& entry, std::string kind, EndReason reason,
                            std::string reason_text, std::string end_code) const {
    CallIncident incident;
    incident.kind = std::move(kind);
    incident.call_id = entry.call.call_id;
    incident.booking_id = entry.booking ? std::optional<int64_t>(entry.booking->booking_id) : std::nullopt;
    incident.centre_id = entry.centre_id;
    incident.reason = reason;
    incident.reason_text = std::move(reason_text);
    incident.officer = officer.account.username;
    incident.alerts = alert_summaries(entry);
    entry.end_reason = std::move(end_code);
    return incident;
  }

  // Ends the call with the reason the call pages show, files the incident
  // report and audits both; called without mutex. Returns the result fields.
  json end_and_report(const Officer& officer, CallIncident incident, const std::string& page_reason,
                      const std::string& action, const std::string& action_detail) {
    if (!control.end_call(incident.call_id, page_reason)) throw Refused{"This call has already ended."};
    incident.at = clock.now();
    int64_t report = 0;
    {
      std::lock_guard store_lock(store_mutex);
      report = report_call_incident(store, incident);
    }
    audit(officer.account, action, "call " + incident.call_id, action_detail, incident.centre_id, incident.call_id);
    audit(officer.account, "incident_reported", "incident report " + std::to_string(report),
          "kind=" + incident.kind + " alerts=" + std::to_string(incident.alerts.size()), incident.centre_id,
          incident.call_id);
    return {{"incident_report", report}};
  }

  json end(std::unique_lock<std::mutex>& lock, const Officer& officer, const json& message) {
    CallEntry& entry = scoped_call(officer, message, "end");
    const auto reason = parse_end_reason(text_field(message, "reason"));
    if (!reason) throw Refused{"Choose a reason for ending the call."};
    const std::string text = text_field(message, "text");
    if (*reason == EndReason::other && text.empty()) throw Refused{"Describe the reason for ending the call."};
    if (text.size() > kMaxOfficerTextBytes) throw Refused{"The reason is too long."};
    if (entry.ended_at) throw Refused{"This call has already ended."};
    const std::string code(to_string(*reason));
    CallIncident incident = incident_for(officer, entry, "call_ended", *reason, text, code);
    lock.unlock();
    return end_and_report(officer, std::move(incident), call_page_reason(*reason), "call_ended", "reason=" + code);
  }

  json confirm_id(std::unique_lock<std::mutex>& lock, const Officer& officer, const json& message) {
    CallEntry& entry = scoped_call(officer, message, "confirm-id");
    if (entry.ended_at) throw Refused{"This call has already ended."};
    if (!entry.call.id_check) throw Refused{"This call is not waiting for an ID check."};
    if (!has_recipient(entry.call)) throw Refused{"The caller is not connected, so there is no ID to confirm."};
    const std::string call_id = entry.call.call_id;
    const auto centre = entry.centre_id;
    lock.unlock();
    if (!control.make_live(call_id)) throw Refused{"This call has already ended."};
    audit(officer.account, "id_check_confirmed", "call " + call_id, "", centre, call_id);
    return json::object();
  }

  json refuse_id(std::unique_lock<std::mutex>& lock, const Officer& officer, const json& message) {
    CallEntry& entry = scoped_call(officer, message, "refuse-id");
    const std::string code = text_field(message, "reason");
    const auto refusal = std::find_if(std::begin(kIdRefusals), std::end(kIdRefusals),
                                      [&](const IdRefusal& r) { return code == r.code; });
    if (refusal == std::end(kIdRefusals)) throw Refused{"Choose why the ID check failed."};
    const std::string text = text_field(message, "text");
    if (code == "other" && text.empty()) throw Refused{"Describe why the ID check failed."};
    if (text.size() > kMaxOfficerTextBytes) throw Refused{"The reason is too long."};
    if (entry.ended_at) throw Refused{"This call has already ended."};
    if (!entry.call.id_check) throw Refused{"This call is not waiting for an ID check."};
    CallIncident incident =
        incident_for(officer, entry, "id_check_refused", EndReason::other,
                     std::string(refusal->description) + (text.empty() ? "" : ": " + text), "id_check_refused");
    lock.unlock();
    return end_and_report(officer, std::move(incident), "id-check-failed", "id_check_refused", "reason=" + code);
  }

  json welfare(std::unique_lock<std::mutex>& lock, const Officer& officer, const json& message) {
    CallEntry& entry = scoped_call(officer, message, "welfare");
    if (!entry.booking) throw Refused{"A welfare check needs a booked call."};
    const std::string note = text_field(message, "note");
    if (note.size() > kMaxOfficerTextBytes) throw Refused{"The note is too long."};
    const BookedCall booking = *entry.booking;
    const std::string call_id = entry.call.call_id;
    lock.unlock();
    int64_t id = 0;
    {
      std::lock_guard store_lock(store_mutex);
      if (const auto open = find_open_welfare_check(store, booking.centre_id, call_id)) {
        throw Refused{"Welfare check " + std::to_string(open->id) + " for this call is already open."};
      }
      id = request_welfare_check(store, booking.centre_id, booking.detained_individual_id, booking.booking_id,
                                 call_id, note, officer.account.username, clock.now());
    }
    audit(officer.account, "welfare_check_requested", "welfare check " + std::to_string(id), "", booking.centre_id,
          call_id);
    return {{"welfare_check", id}};
  }
};

ConsoleHub::ConsoleHub(StaffApi& api, Store& store, std::mutex& store_mutex, CallControl& control, const Clock& clock)
    : impl_(std::make_unique<Impl>(api, store, store_mutex, control, clock)) {}

ConsoleHub::~ConsoleHub() = default;

void ConsoleHub::open(control::SessionId session, const control::HttpRequestInfo& request) {
  Impl& d = *impl_;
  auto refuse = [&](const char* code, const char* message, const char* reason) {
    log::warn(kComponent, "console refused", {{"remote", request.remote_address}, {"reason", reason}});
    d.control.send(session, {{"type", "error"}, {"code", code}, {"message", message}});
    d.control.close(session, message);
  };
  // A cross-site page cannot use an officer's session: browsers always send
  // Origin on a WebSocket upgrade.
  if (request.origin.empty() || !d.api.origin_allowed(request)) {
    refuse("forbidden", "Open the console from this server's own pages.", "origin not allowed");
    return;
  }
  const std::string cookie = cookie_value(request.cookie, kSessionCookieName);
  const std::optional<StaffSession> staff = d.resume(cookie);
  if (!staff) {
    refuse("unauthorised", "Sign in to use the console.", "no staff session");
    return;
  }
  const StaffAccount& account = staff->account;
  if (!may_use_console(account.role)) {
    d.audit(account, "access_refused", "console", "role", account.centre_id, "");
    refuse("forbidden", "Your role does not use the console.", "role");
    return;
  }
  d.audit(account, "console_opened", "console", "", account.centre_id, "");

  std::lock_guard lock(d.mutex);
  d.prune_ended(d.clock.now());
  d.officers[session] = Impl::Officer{account, cookie};
  json calls = json::array();
  for (const auto& [id, entry] : d.calls) {
    if (sees_centre(account, entry.centre_id)) calls.push_back(d.call_json(entry));
  }
  json alerts = json::array();
  for (const auto& [id, entry] : d.alerts) {
    if (sees_centre(account, entry.centre_id)) alerts.push_back(Impl::alert_json(entry));
  }
  d.control.send(session, {{"type", "hello"},
                           {"user", account.username},
                           {"role", to_string(account.role)},
                           {"centre_id", account.centre_id ? json(*account.centre_id) : json()},
                           {"server_time", format_utc(d.clock.now())}});
  d.control.send(session, {{"type", "calls"}, {"calls", calls}});
  d.control.send(session, {{"type", "alerts"}, {"alerts", alerts}});
}

void ConsoleHub::message(control::SessionId session, const nlohmann::json& message) {
  Impl& d = *impl_;
  std::unique_lock lock(d.mutex);
  auto it = d.officers.find(session);
  if (it == d.officers.end()) return;  // refused at open; the close is on its way
  Impl::Officer officer = it->second;
  lock.unlock();

  // Every message checks the session again: it may have expired, or the
  // account may have been disabled, since the console opened.
  if (!d.resume(officer.session_cookie)) {
    d.control.send(session, {{"type", "error"}, {"code", "unauthorised"}, {"message", "Your session has ended. Sign in again."}});
    d.control.close(session, "session ended");
    lock.lock();
    d.officers.erase(session);
    return;
  }

  const json request = message.is_object() ? message.value("request", json()) : json();
  json result = {{"type", "result"}, {"request", request}};
  const std::string type = message.is_object() ? text_field(message, "type") : "";
  try {
    lock.lock();
    json extra;
    if (type == "acknowledge") {
      extra = d.acknowledge_or_dismiss(lock, officer, message, AlertDecision::acknowledged);
    } else if (type == "dismiss") {
      extra = d.acknowledge_or_dismiss(lock, officer, message, AlertDecision::dismissed);
    } else if (type == "warn") {
      extra = d.warn(lock, officer, message);
    } else if (type == "end") {
      extra = d.end(lock, officer, message);
    } else if (type == "confirm-id") {
      extra = d.confirm_id(lock, officer, message);
    } else if (type == "refuse-id") {
      extra = d.refuse_id(lock, officer, message);
    } else if (type == "welfare") {
      extra = d.welfare(lock, officer, message);
    } else {
      throw Refused{type.empty() ? "Every message needs a \"type\"." : "Unknown message type \"" + type + "\"."};
    }
    result["ok"] = true;
    result.update(extra);
  } catch (const Refused& refused) {
    result["ok"] = false;
    result["error"] = refused.message;
  } catch (const std::invalid_argument& error) {
    result["ok"] = false;
    result["error"] = error.what();
  } catch (const std::exception& error) {
    log::error(kComponent, "message failed", {{"type", type}, {"error", error.what()}});
    result["ok"] = false;
    result["error"] = "The server could not complete this; try again.";
  }
  if (lock.owns_lock()) lock.unlock();
  d.control.send(session, result);
}

void ConsoleHub::close(control::SessionId session) {
  std::lock_guard lock(impl_->mutex);
  impl_->officers.erase(session);
}

void ConsoleHub::call_changed(const ConsoleCall& call) {
  Impl& d = *impl_;
  std::lock_guard lock(d.mutex);
  auto [it, created] = d.calls.try_emplace(call.call_id);
  Impl::CallEntry& entry = it->second;
  if (created || entry.ended_at) {
    entry = Impl::CallEntry{};
    if (const auto booking_id = booking_of(call.call_id)) {
      std::lock_guard store_lock(d.store_mutex);
      try {
        entry.booking = find_booked_call(d.store, *booking_id);
      } catch (const std::exception& error) {
        log::error(kComponent, "booking not read", {{"call", call.call_id}, {"error", error.what()}});
      }
      if (entry.booking) entry.centre_id = entry.booking->centre_id;
    }
  }
  entry.call = call;
  d.broadcast_call(entry);
}

void ConsoleHub::call_removed(const std::string& call_id) {
  Impl& d = *impl_;
  std::lock_guard lock(d.mutex);
  const UtcTime now = d.clock.now();
  d.prune_ended(now);
  auto it = d.calls.find(call_id);
  if (it == d.calls.end()) return;
  Impl::CallEntry& entry = it->second;
  entry.ended_at = now;
  entry.call.participants.clear();
  entry.call.id_check = false;
  for (auto alert = d.alerts.begin(); alert != d.alerts.end();) {
    if (alert->second.raised.call_id == call_id) {
      d.broadcast(alert->second.centre_id, {{"type", "alert-removed"}, {"alert", alert->first}});
      alert = d.alerts.erase(alert);
    } else {
      ++alert;
    }
  }
  d.broadcast_call(entry);
}

void ConsoleHub::alert(const ConsoleAlertEvent& event) {
  Impl& d = *impl_;
  std::lock_guard lock(d.mutex);
  auto call = d.calls.find(event.call_id);
  if (call == d.calls.end() || call->second.ended_at) return;  // the call is gone
  if (event.raised) {
    Impl::AlertEntry& entry = d.alerts[event.id];
    entry.raised = event;
    entry.centre_id = call->second.centre_id;
    entry.active = true;
    call->second.alert_history[event.id] = AlertSummary{event.id, event.kind, event.score, event.time};
    d.broadcast(entry.centre_id, {{"type", "alert"}, {"alert", Impl::alert_json(entry)}});
  } else {
    auto it = d.alerts.find(event.id);
    if (it == d.alerts.end()) return;
    it->second.active = false;
    if (it->second.decision.empty()) {
      // Not yet seen to: it stays on the console until an officer decides.
      d.broadcast(it->second.centre_id, {{"type", "alert"}, {"alert", Impl::alert_json(it->second)}});
    } else {
      d.broadcast(it->second.centre_id, {{"type", "alert-removed"}, {"alert", event.id}});
      d.alerts.erase(it);
    }
  }
  d.broadcast_call(call->second);
}

std::optional<std::string> ConsoleHub::admit_officer(const std::string& cookie_header, const std::string& call_id,
                                                     const std::string& participant_id) {
  Impl& d = *impl_;
  const std::optional<StaffSession> staff = d.resume(cookie_value(cookie_header, kSessionCookieName));
  if (!staff) {
    log::warn(kComponent, "officer join refused", {{"call", call_id}, {"reason", "no staff session"}});
    return "Sign in to the staff console to join a call as an officer.";
  }
  const StaffAccount& account = staff->account;
  if (!may_use_console(account.role)) {
    d.audit(account, "access_refused", "call " + call_id, "join as officer: role", account.centre_id, call_id);
    return "Your role does not supervise calls.";
  }
  std::unique_lock lock(d.mutex);
  auto it = d.calls.find(call_id);
  if (it == d.calls.end() || it->second.ended_at) {
    lock.unlock();
    log::warn(kComponent, "officer join refused", {{"call", call_id}, {"reason", "no such call"}});
    return "This call is not in progress.";
  }
  const auto centre = it->second.centre_id;
  const bool id_check = it->second.call.id_check;
  lock.unlock();
  if (!sees_centre(account, centre)) {
    log::warn(kComponent, "access refused", {{"user", account.username}, {"action", "join"}, {"call", call_id}});
    d.audit(account, "access_refused", "call " + call_id, "join as officer", centre, call_id);
    return "You may not open calls of another centre.";
  }
  d.audit(account, id_check ? "id_check_opened" : "call_video_opened", "call " + call_id,
          "participant=" + participant_id, centre, call_id);
  return std::nullopt;
}

}  // namespace sightline::policy::api

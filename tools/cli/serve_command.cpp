// sightline serve: the relay with the service around it: the policy store,
// admission at join, the staff API and pages, analysis of the parties'
// video, and the daily availability and retention jobs. Runs until SIGINT
// or SIGTERM.
#include <openssl/rand.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include "policy/api/console_hub.h"
#include "policy/api/staff_api.h"
#include "policy/api/staff_sessions.h"
#include "policy/availability_record.h"
#include "policy/call_log.h"
#include "policy/join_token.h"
#include "policy/retention_job.h"
#include "policy/store_factory.h"
#include "relay/base/log.h"
#include "relay/call/relay.h"
#include "relay/control/config.h"
#include "tools/cli/analysis_setup.h"
#include "tools/cli/command_line.h"
#include "tools/cli/commands.h"

namespace sightline::cli {
namespace {

constexpr std::chrono::seconds kJobInterval{60};

// The console hub's view of the relay.
class RelayCallControl final : public policy::api::CallControl {
 public:
  explicit RelayCallControl(call::Relay& relay) : relay_(relay) {}
  bool make_live(const std::string& call_id) override { return relay_.set_call_phase(call_id, call::CallPhase::live); }
  bool end_call(const std::string& call_id, const std::string& reason) override {
    return relay_.end_call(call_id, reason);
  }
  bool warn_call(const std::string& call_id, const std::string& reason, const std::string& text) override {
    return relay_.warn_call(call_id, reason, text);
  }
  void send(control::SessionId session, const nlohmann::json& message) override { relay_.send_staff(session, message); }
  void close(control::SessionId session, const std::string& reason) override { relay_.close_staff(session, reason); }

 private:
  call::Relay& relay_;
};

policy::api::ConsoleCall console_call(const call::CallSnapshot& snapshot) {
  policy::api::ConsoleCall call;
  call.call_id = snapshot.call_id;
  call.id_check = snapshot.phase == call::CallPhase::id_check;
  call.parties_met = snapshot.parties_met.has_value();
  for (const auto& member : snapshot.participants) {
    call.participants.push_back({member.participant_id, std::string(control::to_string(member.role))});
  }
  return call;
}

policy::api::ConsoleAlertEvent console_alert(const analysis::Alert& alert) {
  policy::api::ConsoleAlertEvent event;
  event.id = alert.id;
  event.raised = alert.state == analysis::AlertState::raised;
  event.call_id = alert.call_id;
  event.participant_id = alert.participant_id;
  event.role = alert.role;
  event.kind = std::string(analysis::to_string(alert.kind));
  event.score = alert.score;
  event.box[0] = alert.box.x;
  event.box[1] = alert.box.y;
  event.box[2] = alert.box.width;
  event.box[3] = alert.box.height;
  event.time = std::chrono::floor<std::chrono::seconds>(alert.time);
  return event;
}


// The join-token secret: made once with 32 random bytes and kept, owner-only,
// in the data directory, so that links survive a restart.
std::optional<std::vector<uint8_t>> load_join_secret(const std::filesystem::path& file, std::string& error) {
  std::vector<uint8_t> secret(policy::kJoinSecretMinBytes);
  if (std::ifstream in{file, std::ios::binary}) {
    in.read(reinterpret_cast<char*>(secret.data()), static_cast<std::streamsize>(secret.size()));
    if (in.gcount() == static_cast<std::streamsize>(secret.size())) return secret;
    error = file.string() + " is shorter than " + std::to_string(secret.size()) + " bytes; delete it to make a new one";
    return std::nullopt;
  }
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    error = "no random bytes for the join-token secret";
    return std::nullopt;
  }
  std::ofstream out{file, std::ios::binary | std::ios::trunc};
  out.write(reinterpret_cast<const char*>(secret.data()), static_cast<std::streamsize>(secret.size()));
  if (!out) {
    error = "cannot write " + file.string();
    return std::nullopt;
  }
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return secret;
}

}  // namespace

int run_serve(int argc, const char* const* argv) {
  control::Settings settings;
  control::register_relay_settings(settings);
  control::register_service_settings(settings);
  if (auto exit_code = apply_command_line(settings, argc, argv, "sightline serve [--config FILE] [options]",
                                          "Runs the relay, the call pages, the staff API and pages, and analysis.")) {
    return *exit_code;
  }
  control::RelayConfig config;
  if (auto error = control::make_relay_config(settings, config)) {
    std::fprintf(stderr, "error: %s\n", error->c_str());
    return kExitUsage;
  }
  log::set_level(config.log_level);

  std::error_code ignored;
  std::filesystem::create_directories(config.data_directory, ignored);
  std::string store_url = settings.get_string("store.url");
  if (store_url.empty()) store_url = "sqlite:" + (std::filesystem::path(config.data_directory) / "sightline.db").string();
  std::unique_ptr<policy::Store> store;
  policy::api::SqlDialect dialect = policy::api::SqlDialect::sqlite;
  try {
    if (policy::parse_store_url(store_url).kind == policy::StoreKind::postgresql) {
      dialect = policy::api::SqlDialect::postgresql;
    }
    store = policy::open_store(store_url);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "error: policy store %s: %s\n", store_url.c_str(), error.what());
    return kExitFailure;
  }
  std::string secret_error;
  auto secret = load_join_secret(std::filesystem::path(config.data_directory) / "join-secret", secret_error);
  if (!secret) {
    std::fprintf(stderr, "error: %s\n", secret_error.c_str());
    return kExitFailure;
  }

  // One mutex for the store: the control thread (API, admission) and the
  // jobs below share its connection.
  std::mutex store_mutex;
  policy::SystemClock clock;
  policy::api::StaffApiConfig api_config;
  api_config.dialect = dialect;
  api_config.join_secret = *secret;
  policy::api::StaffApi staff_api(*store, api_config);
  policy::JoinTokens join_tokens(*store, *secret);
  policy::RejoinTickets rejoin_tickets;
  const bool require_token = settings.get_boolean("admission.require-token");
  const bool id_check = settings.get_boolean("calls.id-check");

  install_stop_signals();
  call::Relay relay(config);
  RelayCallControl call_control(relay);
  policy::api::ConsoleHub console(staff_api, *store, store_mutex, call_control, clock);
  AnalysisSetup analysis_setup{settings.get_boolean("analysis.enabled"), settings.get_string("analysis.models"),
                               static_cast<int>(settings.get_integer("analysis.threads")),
                               [&console](const analysis::Alert& alert) { console.alert(console_alert(alert)); },
                               {},
                               {}};
  read_analysis_settings(settings, analysis_setup);
  std::unique_ptr<analysis::AnalysisService> analysis_service = start_analysis(std::move(analysis_setup));

  call::RelayHooks hooks;
  hooks.media_tap = analysis_service.get();
  hooks.http = [&](const control::HttpRequestInfo& request) {
    std::lock_guard lock(store_mutex);
    return staff_api.handle(request, clock.now());
  };
  hooks.admit = [&](const control::JoinMessage& join, const control::HttpRequestInfo& request) {
    call::JoinDecision decision;
    if (join.role == control::ParticipantRole::officer) {
      decision.refusal = console.admit_officer(request.cookie, join.call, join.participant);
      decision.refusal_reason = "officer_not_admitted";
      return decision;
    }
    decision.hold_for_id_check = id_check;
    std::lock_guard lock(store_mutex);
    if (!require_token) return decision;
    const std::string token = join.token.value_or("");
    const std::optional<policy::TokenClaims> claims = policy::read_claims(token);
    if (!claims || policy::call_id_for_booking(claims->booking_id) != join.call) {
      log::warn("admission", "refused", {{"call", join.call}, {"reason", claims ? "token for another call" : "no valid token"}});
      decision.refusal = std::string(policy::participant_message(policy::Admission::invalid_token));
      decision.refusal_reason = policy::to_string(policy::Admission::invalid_token);
      return decision;
    }
    // A page that reloads or reconnects brings the ticket of its first admission.
    if (join.rejoin && rejoin_tickets.valid(join.call, join.participant, *join.rejoin, clock.now())) {
      log::info("admission", "rejoined", {{"call", join.call}, {"participant", join.participant}});
      decision.rejoin_ticket = *join.rejoin;
      return decision;
    }
    const policy::Admission admission = join_tokens.admit(token, clock.now());
    if (admission != policy::Admission::allowed) {
      decision.refusal = std::string(policy::participant_message(admission));
      decision.refusal_reason = policy::to_string(admission);
      return decision;
    }
    decision.rejoin_ticket = rejoin_tickets.issue(join.call, join.participant, claims->valid_until);
    return decision;
  };

  hooks.call_ended = [&](const std::string& call_id, std::chrono::system_clock::time_point started,
                         std::chrono::system_clock::time_point ended) {
    // Only booked calls are logged. The call log contains only the compact's fields.
    constexpr std::string_view kPrefix = "booking-";
    if (!call_id.starts_with(kPrefix)) return;
    int64_t booking_id = 0;
    const std::string_view number = std::string_view(call_id).substr(kPrefix.size());
    const auto [end, parse_error] = std::from_chars(number.data(), number.data() + number.size(), booking_id);
    if (parse_error != std::errc() || end != number.data() + number.size()) return;
    std::lock_guard lock(store_mutex);
    try {
      const auto logged = policy::record_call(*store, booking_id, std::chrono::floor<std::chrono::seconds>(started),
                                              std::chrono::floor<std::chrono::seconds>(ended - started));
      if (!logged.ok()) log::warn("call_log", "not written", {{"call", call_id}, {"reason", logged.refusal().reason}});
    } catch (const std::exception& error) {
      log::error("call_log", "not written", {{"call", call_id}, {"error", error.what()}});
    }
  };

  hooks.call_changed = [&console](const call::CallSnapshot& snapshot) { console.call_changed(console_call(snapshot)); };
  hooks.call_removed = [&console](const std::string& call_id) { console.call_removed(call_id); };
  hooks.staff = call::StaffChannel{
      "/console/ws",
      [&console](control::SessionId session, const control::HttpRequestInfo& request) { console.open(session, request); },
      [&console](control::SessionId session, const nlohmann::json& message) { console.message(session, message); },
      [&console](control::SessionId session) { console.close(session); }};
  relay.set_hooks(std::move(hooks));
  if (auto error = relay.start()) {
    log::error("serve", "start failed", {{"error", *error}});
    std::fprintf(stderr, "error: %s\n", error->c_str());
    return kExitFailure;
  }

  policy::AvailabilityRecorder availability(*store);
  policy::RetentionJob retention(*store);
  auto next_job = std::chrono::steady_clock::now();
  while (!g_stop_requested.load()) {
    if (std::chrono::steady_clock::now() >= next_job) {
      next_job += kJobInterval;
      try {
        std::lock_guard lock(store_mutex);
        availability.tick(clock.now(), true);
        if (auto purged = retention.tick(clock.now())) {
          log::info("retention", "purged", {{"individuals", purged->individuals}, {"recipients", purged->recipients}});
        }
      } catch (const std::exception& error) {
        log::error("serve", "scheduled job failed", {{"error", error.what()}});
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  log::info("serve", "stopping", {{"reason", "signal"}});
  relay.stop();
  return kExitOk;
}

}  // namespace sightline::cli

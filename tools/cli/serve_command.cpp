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
// The message for an officer without a staff session. The log gives the reason.
constexpr const char* kOfficerRefusal = "Sign in to the staff console to join a call as an officer.";


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
  policy::api::StaffSessions staff_sessions(*store);
  policy::JoinTokens join_tokens(*store, *secret);
  const bool require_token = settings.get_boolean("admission.require-token");
  const bool id_check = settings.get_boolean("calls.id-check");

  install_stop_signals();
  AnalysisSetup analysis_setup{settings.get_boolean("analysis.enabled"), settings.get_string("analysis.models"),
                               static_cast<int>(settings.get_integer("analysis.threads")), nullptr, {}, {}};
  read_analysis_settings(settings, analysis_setup);
  std::unique_ptr<analysis::AnalysisService> analysis_service = start_analysis(std::move(analysis_setup));

  call::RelayHooks hooks;
  hooks.media_tap = analysis_service.get();
  hooks.http = [&](const control::HttpRequestInfo& request) {
    std::lock_guard lock(store_mutex);
    return staff_api.handle(request, clock.now());
  };
  hooks.admit = [&](const control::JoinMessage& join, const control::HttpRequestInfo& request) {
    std::lock_guard lock(store_mutex);
    call::JoinDecision decision;
    if (join.role == control::ParticipantRole::officer) {
      const std::string cookie = policy::api::cookie_value(request.cookie, policy::api::kSessionCookieName);
      if (cookie.empty() || !staff_sessions.resume(cookie, clock.now())) {
        log::warn("admission", "refused", {{"call", join.call}, {"reason", "officer without a staff session"}});
        decision.refusal = kOfficerRefusal;
      }
      return decision;
    }
    if (!require_token) return decision;
    const std::string token = join.token.value_or("");
    const std::optional<policy::TokenClaims> claims = policy::read_claims(token);
    if (!claims || policy::call_id_for_booking(claims->booking_id) != join.call) {
      log::warn("admission", "refused", {{"call", join.call}, {"reason", claims ? "token for another call" : "no valid token"}});
      decision.refusal = std::string(policy::participant_message(policy::Admission::invalid_token));
      return decision;
    }
    const policy::Admission admission = join_tokens.admit(token, clock.now());
    if (admission != policy::Admission::allowed) {
      decision.refusal = std::string(policy::participant_message(admission));
      return decision;
    }
    decision.hold_for_id_check = id_check;
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

  call::Relay relay(config);
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

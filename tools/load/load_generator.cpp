// run_load_generator: set-up of the relay, loops and calls, the per-second
// sampling, the ramp steps and the summary.
#include "tools/load/load_generator.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "relay/base/log.h"
#include "relay/call/relay.h"
#include "relay/crypto/dtls_certificate.h"
#include "relay/crypto/srtp_session.h"
#include "tools/load/cpu_time.h"
#include "tools/load/encoded_media.h"
#include "tools/load/event_loop.h"
#include "tools/load/janus_call.h"
#include "tools/load/load_participant.h"

namespace sightline::load {

namespace {
constexpr milliseconds kSampleInterval{1000};
constexpr milliseconds kWaitSlice{20};
// The generator warns that it is the bottleneck when its loop threads use
// more than this share of their cores, or a media tick runs this late.
constexpr double kBottleneckCpuShare = 0.8;
constexpr uint64_t kBottleneckTickLagUs = 20000;

// Rounds to a multiple of step. Steps below 1 divide by their inverse, so
// that 2.3 prints as 2.3 and not as 2.3000000000000003.
double round_to(double value, double step) {
  const double inverse = std::round(1.0 / step);
  if (inverse > 1) return std::round(value * inverse) / inverse;
  return std::round(value / step) * step;
}

struct CallPair {
  std::unique_ptr<LoadParticipant> terminal;
  std::unique_ptr<LoadParticipant> caller;
  // Set when the call runs through Janus.
  std::unique_ptr<JanusCall> janus;
};

struct SecondSample {
  int index = 0;
  int calls = 0;
  MetricsSnapshot delta;
  double relay_cpu_seconds = 0;
  double generator_cpu_seconds = 0;
  double loop_cpu_seconds = 0;
  uint64_t forwarded_packets = 0;
};

struct StepResult {
  int calls = 0;
  MetricsSnapshot window;
  double relay_cpu_share = 0;
  double forwarded_pps = 0;
  bool held = false;
};

class LoadRun {
 public:
  explicit LoadRun(const LoadOptions& options) : options_(options) {}
  ~LoadRun() { shut_down(); }

  std::optional<nlohmann::json> run(std::string& error);

 private:
  bool start(std::string& error);
  bool add_calls(int count, std::string& error);
  std::optional<std::string> join_sightline(CallPair& pair, const std::string& call_id);
  // Sends each Janus call's keepalives when they are due.
  void keep_janus_sessions_alive();
  // Starts the next sample now, so that the time add_calls() took (signalling,
  // ICE and DTLS, and with Janus its HTTP requests) is in no sample.
  void restart_sampling();
  // Samples once a second for seconds; returns false when stopped early.
  bool run_for(int seconds);
  SecondSample take_sample();
  void report(const SecondSample& sample);
  StepResult evaluate(size_t first_sample) const;
  nlohmann::json summary(const std::vector<StepResult>& steps) const;
  // Janus runs carry sequence tags in the encrypted padding, so their
  // participants decrypt every packet whatever the option is set to.
  uint32_t effective_decrypt_every() const {
    return options_.server == LoadServer::janus ? 1 : std::max<uint32_t>(1, options_.decrypt_every);
  }
  bool stop_requested() const { return options_.stop_requested && options_.stop_requested->load(); }
  double relay_cpu_now() const;
  double loop_cpu_now() const;
  // Packets forwarded so far; call after previous_ is updated.
  uint64_t forwarded_total() const;
  void shut_down();

  LoadOptions options_;
  std::unique_ptr<EncodedMedia> media_;
  std::shared_ptr<crypto::DtlsCertificate> certificate_;
  std::unique_ptr<call::Relay> relay_;
  std::string relay_host_;
  uint16_t relay_port_ = 0;
  std::vector<std::unique_ptr<EventLoop>> loops_;
  // CPUs the generator may run on (taskset), read at start.
  size_t usable_cpus_ = usable_cpu_count();
  std::vector<CallPair> calls_;
  pid_t main_thread_id_ = 0;
  std::ofstream csv_;
  std::vector<SecondSample> samples_;
  std::vector<std::string> warnings_;
  bool warned_bottleneck_ = false;

  MetricsSnapshot previous_;
  double previous_relay_cpu_ = 0;
  double previous_generator_cpu_ = 0;
  double previous_loop_cpu_ = 0;
  uint64_t previous_forwarded_ = 0;
};

bool LoadRun::start(std::string& error) {
  main_thread_id_ = static_cast<pid_t>(gettid());
  media_ = encode_media(options_.clip_path, options_.video_bitrate_kbps, options_.video_frame_rate, error);
  if (!media_) return false;
  if (!crypto::initialize_srtp_library()) {
    error = "libsrtp initialisation failed";
    return false;
  }
  // One certificate for every participant: generating hundreds would only slow the set-up.
  certificate_ = crypto::DtlsCertificate::generate_ecdsa();
  if (!certificate_) {
    error = "generating the DTLS certificate failed";
    return false;
  }

  relay_host_ = options_.relay_host;
  relay_port_ = options_.relay_port;
  if (options_.in_process) {
    control::RelayConfig config;
    config.control.port = 0;
    config.first_media_port = 0;
    config.media_workers = options_.workers;
    config.log_level = log::Level::warn;
    relay_ = std::make_unique<call::Relay>(config);
    if (auto relay_error = relay_->start()) {
      error = "starting the in-process relay failed: " + *relay_error;
      return false;
    }
    relay_host_ = "127.0.0.1";
    relay_port_ = relay_->control_port();
  }

  unsigned loop_count = options_.loops;
  if (loop_count == 0) loop_count = usable_cpu_count();
  for (unsigned i = 0; i < loop_count; ++i) {
    loops_.push_back(std::make_unique<EventLoop>());
    loops_.back()->start();
  }

  if (!options_.csv_path.empty()) {
    csv_.open(options_.csv_path);
    if (!csv_) {
      error = "cannot write the CSV file " + options_.csv_path;
      return false;
    }
    csv_ << "second,calls,connected,failed,packets_sent,packets_received,bytes_sent,bytes_received,packets_lost,"
            "loss_percent,latency_p50_ms,latency_p99_ms,jitter_ms,nacks,plis,relay_cpu_percent,"
            "generator_cpu_percent,forwarded_pps\n";
  }
  if (options_.progress && effective_decrypt_every() > 1) {
    std::fprintf(options_.progress,
                 "receive side: each participant decrypts and authenticates 1 in %u RTP packets and counts the "
                 "others from their clear RTP header (--load.decrypt-every)\n",
                 effective_decrypt_every());
  }
  previous_generator_cpu_ = own_cpu_seconds();
  previous_relay_cpu_ = relay_cpu_now();
  return true;
}

bool LoadRun::add_calls(int count, std::string& error) {
  for (int i = 0; i < count; ++i) {
    const size_t index = calls_.size();
    EventLoop& loop = *loops_[index % loops_.size()];
    CallPair pair;
    pair.terminal = std::make_unique<LoadParticipant>(*media_, certificate_, loop.metrics(), options_.udp_gro);
    pair.caller = std::make_unique<LoadParticipant>(*media_, certificate_, loop.metrics(), options_.udp_gro);
    pair.terminal->set_decrypt_every(options_.decrypt_every);
    pair.caller->set_decrypt_every(options_.decrypt_every);
    const std::string call_id = "load-" + std::to_string(index + 1);
    std::optional<std::string> join_error;
    if (options_.server == LoadServer::janus) {
      // Joining many calls can outlast Janus's session timeout, so the calls
      // already joined get their keepalives meanwhile.
      keep_janus_sessions_alive();
      pair.janus = std::make_unique<JanusCall>();
      JanusCallParams params;
      params.host = relay_host_;
      params.port = relay_port_;
      params.call_id = call_id;
      join_error = pair.janus->connect(params, *pair.terminal, *pair.caller);
    } else {
      join_error = join_sightline(pair, call_id);
    }
    if (join_error) {
      error = *join_error;
      if (pair.janus) pair.janus->close();
      return false;
    }
    pair.terminal->set_remote(pair.caller.get());
    pair.caller->set_remote(pair.terminal.get());
    // Both participants of a call share a loop, so the send-time rings are
    // written and read on one thread.
    loop.add(pair.terminal.get());
    loop.add(pair.caller.get());
    calls_.push_back(std::move(pair));
  }
  return true;
}

std::optional<std::string> LoadRun::join_sightline(CallPair& pair, const std::string& call_id) {
  JoinParams params;
  params.relay_host = relay_host_;
  params.relay_port = relay_port_;
  params.call_id = call_id;
  params.participant_id = call_id + "-terminal";
  params.role = "terminal";
  if (auto join_error = pair.terminal->join(params)) return join_error;
  params.participant_id = call_id + "-caller";
  params.role = "caller";
  return pair.caller->join(params);
}

double LoadRun::loop_cpu_now() const {
  double total = 0;
  for (const std::unique_ptr<EventLoop>& loop : loops_) {
    if (loop->thread_id() != 0) total += thread_cpu_seconds(loop->thread_id()).value_or(0);
  }
  return total;
}

double LoadRun::relay_cpu_now() const {
  if (options_.in_process) {
    // Every thread of this process except the generator's own: the relay's
    // workers and control thread (and the signalling clients' threads).
    const double generator = loop_cpu_now() + thread_cpu_seconds(main_thread_id_).value_or(0);
    return std::max(0.0, own_cpu_seconds() - generator);
  }
  if (options_.relay_pid > 0) return process_cpu_seconds(options_.relay_pid).value_or(0);
  return 0;
}

uint64_t LoadRun::forwarded_total() const {
  // The relay's own counter in process, else what the generator's
  // participants received (every forwarded packet lands at one).
  return relay_ ? relay_->totals().rtp_packets_out : previous_.packets_received;
}

void LoadRun::restart_sampling() {
  MetricsSnapshot total;
  for (const std::unique_ptr<EventLoop>& loop : loops_) total.add(loop->metrics().snapshot());
  previous_ = total;
  previous_forwarded_ = forwarded_total();
  previous_relay_cpu_ = relay_cpu_now();
  previous_loop_cpu_ = loop_cpu_now();
  previous_generator_cpu_ =
      options_.in_process ? previous_loop_cpu_ + thread_cpu_seconds(main_thread_id_).value_or(0) : own_cpu_seconds();
}

SecondSample LoadRun::take_sample() {
  MetricsSnapshot total;
  for (const std::unique_ptr<EventLoop>& loop : loops_) total.add(loop->metrics().snapshot());
  SecondSample sample;
  sample.index = static_cast<int>(samples_.size()) + 1;
  sample.calls = static_cast<int>(calls_.size());
  sample.delta = total.since(previous_);
  previous_ = total;

  const double relay_cpu = relay_cpu_now();
  const double loop_cpu = loop_cpu_now();
  const double generator_cpu = options_.in_process
                                   ? loop_cpu + thread_cpu_seconds(main_thread_id_).value_or(0)
                                   : own_cpu_seconds();
  sample.relay_cpu_seconds = std::max(0.0, relay_cpu - previous_relay_cpu_);
  sample.loop_cpu_seconds = std::max(0.0, loop_cpu - previous_loop_cpu_);
  sample.generator_cpu_seconds = std::max(0.0, generator_cpu - previous_generator_cpu_);
  previous_relay_cpu_ = relay_cpu;
  previous_loop_cpu_ = loop_cpu;
  previous_generator_cpu_ = generator_cpu;

  const uint64_t forwarded = forwarded_total();
  sample.forwarded_packets = forwarded - previous_forwarded_;
  previous_forwarded_ = forwarded;
  return sample;
}

void LoadRun::report(const SecondSample& sample) {
  const MetricsSnapshot& d = sample.delta;
  const double jitter_ms = d.jitter_streams ? static_cast<double>(d.jitter_sum_us) / d.jitter_streams / 1000.0 : 0;
  // Loop threads beyond the CPUs they may use share those CPUs.
  const auto loop_cores = static_cast<double>(std::min<size_t>(loops_.size(), usable_cpus_));
  const double loop_share = sample.loop_cpu_seconds / loop_cores;
  // The second in which calls joined contains their DTLS handshakes on the loop
  // threads, so only steady seconds are judged.
  const bool steady = samples_.size() >= 2 && samples_[samples_.size() - 2].calls == sample.calls;
  if (!warned_bottleneck_ && steady &&
      (loop_share > kBottleneckCpuShare || d.max_tick_lag_us > kBottleneckTickLagUs)) {
    warned_bottleneck_ = true;
    const std::string warning = "the load generator is the bottleneck at " + std::to_string(sample.calls) +
                                " calls: its loop threads used " + std::to_string(static_cast<int>(loop_share * 100)) +
                                "% of their cores and a media tick ran " + std::to_string(d.max_tick_lag_us / 1000) +
                                " ms late, so the figures understate the relay; add --loops or run fewer calls";
    warnings_.push_back(warning);
    std::fprintf(stderr, "warning: %s\n", warning.c_str());
  }
  if (options_.progress) {
    std::fprintf(options_.progress,
                 "%4ds calls %d connected %llu sent %llu pkt/s received %llu pkt/s loss %.2f%% "
                 "latency p50 %.2f ms p99 %.2f ms jitter %.2f ms relay CPU %.0f%% generator CPU %.0f%%\n",
                 sample.index, sample.calls, static_cast<unsigned long long>(d.participants_connected),
                 static_cast<unsigned long long>(d.packets_sent), static_cast<unsigned long long>(d.packets_received),
                 d.loss_fraction() * 100, d.latency_percentile_ms(0.5), d.latency_percentile_ms(0.99), jitter_ms,
                 sample.relay_cpu_seconds * 100, sample.generator_cpu_seconds * 100);
    std::fflush(options_.progress);
  }
  if (csv_.is_open()) {
    csv_ << sample.index << ',' << sample.calls << ',' << d.participants_connected << ',' << d.participants_failed
         << ',' << d.packets_sent << ',' << d.packets_received << ',' << d.bytes_sent << ',' << d.bytes_received << ','
         << d.packets_lost << ',' << d.loss_fraction() * 100 << ',' << d.latency_percentile_ms(0.5) << ','
         << d.latency_percentile_ms(0.99) << ',' << jitter_ms << ',' << d.nacks_received << ','
         << d.plis_received << ',' << sample.relay_cpu_seconds * 100 << ',' << sample.generator_cpu_seconds * 100
         << ',' << sample.forwarded_packets << '\n';
    csv_.flush();
  }
}

void LoadRun::keep_janus_sessions_alive() {
  for (CallPair& pair : calls_) {
    if (!pair.janus) continue;
    if (auto failure = pair.janus->keep_alive(sightline::now())) warnings_.push_back(*failure);
  }
}

bool LoadRun::run_for(int seconds) {
  TimePoint next = sightline::now() + kSampleInterval;
  for (int i = 0; i < seconds; ++i) {
    while (sightline::now() < next) {
      if (stop_requested()) return false;
      std::this_thread::sleep_for(kWaitSlice);
    }
    next += kSampleInterval;
    keep_janus_sessions_alive();
    for (CallPair& pair : calls_) {
      for (LoadParticipant* participant : {pair.terminal.get(), pair.caller.get()}) {
        if (auto ended = participant->poll_signalling()) {
          warnings_.push_back("a participant's call ended: " + *ended);
        }
      }
    }
    samples_.push_back(take_sample());
    report(samples_.back());
  }
  return true;
}

// Judges the samples from first_sample on: the calls are held when every
// participant is connected, none failed, loss and p99 latency are within limits.
StepResult LoadRun::evaluate(size_t first_sample) const {
  StepResult result;
  result.calls = static_cast<int>(calls_.size());
  double relay_cpu = 0;
  uint64_t forwarded = 0;
  size_t count = 0;
  for (size_t i = first_sample; i < samples_.size(); ++i) {
    result.window.add(samples_[i].delta);
    relay_cpu += samples_[i].relay_cpu_seconds;
    forwarded += samples_[i].forwarded_packets;
    ++count;
  }
  if (count == 0) return result;
  const MetricsSnapshot& last = samples_.back().delta;
  result.window.participants_connected = last.participants_connected;
  result.window.participants_failed = last.participants_failed;
  result.window.jitter_sum_us = last.jitter_sum_us;
  result.window.jitter_streams = last.jitter_streams;
  result.relay_cpu_share = relay_cpu / static_cast<double>(count);
  result.forwarded_pps = static_cast<double>(forwarded) / static_cast<double>(count);
  result.held = last.participants_connected == 2 * calls_.size() && last.participants_failed == 0 &&
                result.window.packets_received > 0 && result.window.loss_fraction() < options_.max_loss_fraction &&
                result.window.latency_percentile_ms(0.99) < options_.max_p99_latency_ms;
  return result;
}

nlohmann::json step_json(const StepResult& step) {
  const MetricsSnapshot& w = step.window;
  return {{"calls", step.calls},
          {"held", step.held},
          {"loss_percent", round_to(w.loss_fraction() * 100, 0.001)},
          {"latency_p50_ms", w.latency_percentile_ms(0.5)},
          {"latency_p99_ms", w.latency_percentile_ms(0.99)},
          {"relay_cpu_percent", round_to(step.relay_cpu_share * 100, 0.1)},
          {"forwarded_pps", round_to(step.forwarded_pps, 1)}};
}

nlohmann::json LoadRun::summary(const std::vector<StepResult>& steps) const {
  MetricsSnapshot total;
  double relay_cpu = 0;
  double generator_cpu = 0;
  for (const SecondSample& sample : samples_) {
    total.add(sample.delta);
    relay_cpu += sample.relay_cpu_seconds;
    generator_cpu += sample.generator_cpu_seconds;
  }
  std::vector<std::string> warnings = warnings_;
  if (total.decrypt_failures > 0) {
    warnings.push_back(std::to_string(total.decrypt_failures) +
                       " received RTP packets failed SRTP decryption or authentication");
  }
  nlohmann::json out = {
      {"server", options_.server == LoadServer::janus ? "janus" : "sightline"},
      {"mode", options_.ramp_step > 0 ? "ramp" : "fixed"},
      {"seconds", samples_.size()},
      {"calls", calls_.size()},
      {"relay", options_.in_process ? "in-process" : relay_host_ + ":" + std::to_string(relay_port_)},
      // An external relay's worker count is not known here.
      {"workers", options_.in_process ? nlohmann::json(options_.workers) : nlohmann::json(nullptr)},
      {"loops", loops_.size()},
      {"udp_gro", options_.udp_gro},
      {"video", {{"width", media_->width}, {"height", media_->height}, {"frame_rate", media_->frame_rate},
                 {"bitrate_kbps", options_.video_bitrate_kbps}}},
      {"packets_sent", total.packets_sent},
      {"packets_received", total.packets_received},
      {"bytes_sent", total.bytes_sent},
      {"bytes_received", total.bytes_received},
      {"packets_lost", total.packets_lost},
      {"loss_percent", round_to(total.loss_fraction() * 100, 0.001)},
      {"latency_samples", total.latency_samples()},
      {"latency_p50_ms", total.latency_percentile_ms(0.5)},
      {"latency_p90_ms", total.latency_percentile_ms(0.9)},
      {"latency_p99_ms", total.latency_percentile_ms(0.99)},
      {"latency_unmatched", total.latency_unmatched},
      {"receive_decrypt_every", effective_decrypt_every()},
      {"packets_decrypted", total.packets_decrypted},
      {"packets_unverified", total.packets_unverified},
      {"decrypt_failures", total.decrypt_failures},
      {"nacks_received", total.nacks_received},
      {"retransmissions_sent", total.retransmissions_sent},
      {"plis_received", total.plis_received},
      {"plis_sent", total.plis_sent},
      {"relay_cpu_seconds", round_to(relay_cpu, 0.01)},
      {"generator_cpu_seconds", round_to(generator_cpu, 0.01)},
      {"warnings", warnings},
  };
  if (!samples_.empty()) {
    const MetricsSnapshot& last = samples_.back().delta;
    out["participants_connected"] = last.participants_connected;
    out["participants_failed"] = last.participants_failed;
    out["jitter_ms"] = last.jitter_streams ? round_to(static_cast<double>(last.jitter_sum_us) / last.jitter_streams / 1000.0, 0.01) : 0.0;
  }
  if (!calls_.empty()) out["srtp_profile"] = calls_.front().terminal->srtp_profile();
  nlohmann::json step_list = nlohmann::json::array();
  int max_held = 0;
  for (const StepResult& step : steps) {
    step_list.push_back(step_json(step));
    if (step.held) max_held = std::max(max_held, step.calls);
  }
  out["steps"] = step_list;
  out["max_calls_held"] = max_held;
  return out;
}

std::optional<nlohmann::json> LoadRun::run(std::string& error) {
  if (!start(error)) return std::nullopt;
  std::vector<StepResult> steps;
  // The first second after calls join contains the ICE and DTLS handshakes, so it
  // is left out of each judgement when the step is long enough.
  auto judged_from = [&](size_t step_start, int step_seconds) { return step_start + (step_seconds > 1 ? 1 : 0); };

  if (options_.ramp_step <= 0) {
    if (!add_calls(options_.calls, error)) return std::nullopt;
    restart_sampling();
    run_for(options_.seconds);
    steps.push_back(evaluate(judged_from(0, options_.seconds)));
  } else {
    while (static_cast<int>(calls_.size()) + options_.ramp_step <= options_.max_calls && !stop_requested()) {
      if (!add_calls(options_.ramp_step, error)) return std::nullopt;
      restart_sampling();
      const size_t step_start = samples_.size();
      const bool completed = run_for(options_.step_seconds);
      steps.push_back(evaluate(judged_from(step_start, options_.step_seconds)));
      if (!completed || !steps.back().held) break;
    }
  }
  nlohmann::json out = summary(steps);
  shut_down();
  return out;
}

void LoadRun::shut_down() {
  for (std::unique_ptr<EventLoop>& loop : loops_) loop->stop();
  for (CallPair& pair : calls_) {
    pair.terminal->leave();
    pair.caller->leave();
    if (pair.janus) pair.janus->close();
  }
  calls_.clear();
  loops_.clear();
  if (relay_) relay_->stop();
}

}  // namespace

std::optional<nlohmann::json> run_load_generator(const LoadOptions& options, std::string& error) {
  LoadRun run(options);
  return run.run(error);
}

}  // namespace sightline::load

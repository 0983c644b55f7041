// Capacity of one analysis thread. Feeds N simulated supervised tracks into
// AnalysisService through its MediaTap interface, as the relay's media
// worker calls it: real VP8 RTP from the clips in .cache/media, paced in
// real time, with the real detectors and the analysis thread pinned to one
// core. Raises N step by step and reports the largest N with no dropped
// frame or packet, the cost of each stage and how many samples reached the
// detectors.
//
//   analysis_capacity [--clips foreman,phone] [--width W --height H] [--frame-rate 15|30]
//                     [--temporal-layers 1|3] [--start N] [--step N] [--max N] [--ramp-in S] [--seconds S] [--cpu C] [--feeder-cpu C] [--out FILE.json]
//                     [--interval-ms MS] [--scene-change-threshold LEVELS] [--refresh-ms MS]
//                     [--recording-device-interval-ms MS] [--dress-interval-ms MS] [--classifier-gate 0|1]
//                     [--full-pass-every N] [--dress-skin-rise FRACTION] [--virtual-time 0|1] [--queue-depth N]
//                     [--recording-device-threshold SCORE] [--dress-threshold SCORE] [--smoothing-k K]
//                     [--smoothing-n N] [--alert-lines 0|1] [--motion-burst-ratio RATIO]
//                     [--motion-burst-min-cells CELLS] [--motion-follow-up-ms MS]
//                     [--face-evidence 0|1]
//
// A clip is foreman, phone, or the path of a .y4m file.
#include <sched.h>
#include <sys/utsname.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>

#include "analysis/analysis_service.h"
#include "analysis/dress_detector.h"
#include "analysis/model_files.h"
#include "analysis/recording_device_detector.h"
#include "relay/base/log.h"
#include "tools/media/vp8_encoder.h"
#include "tools/media/vp8_packetizer.h"
#include "tools/media/y4m_reader.h"

namespace {

using namespace sightline;
using Clock = std::chrono::steady_clock;

const std::filesystem::path kSourceDir = SIGHTLINE_SOURCE_DIR;
// The clips' own frame rate.
constexpr int kClipFrameRate = 15;

struct Options {
  bool help = false;
  std::vector<std::string> clips{"foreman", "phone"};
  int width = 0;  // 0 keeps each clip's own size.
  int height = 0;
  int bitrate_kbps = 0;  // 0: 600 for CIF and larger, 250 below.
  // 30 sends each clip frame twice, as a 30 fps camera would over the same
  // scene; 15 keeps the clips' rate.
  int frame_rate = kClipFrameRate;
  // 3 encodes three temporal layers, as Chromium does for each simulcast
  // layer, so that analysis decodes the base layer only.
  int temporal_layers = 1;
  int start = 10;
  int step = 10;
  int max = 120;
  double ramp_in_seconds = 15;
  double seconds = 30;
  int cpu = 0;
  int feeder_cpu = 1;
  std::string out;  // Writes the summary JSON to this file when set.
  analysis::FrameSamplerConfig sampler;
  analysis::ScoreSmootherConfig smoother;
  bool classifier_gate = true;
  analysis::RecordingDeviceOptions recording;
  // Steps the pipeline on the feeding thread in media time, as fast as the
  // CPU allows, instead of pacing in real time on an analysis thread. Every
  // due sample is then analysed, so the counters give the CPU each track
  // needs, whatever else runs on the machine.
  bool virtual_time = false;
  // Writes one JSON line per raised or cleared alert to stderr, with the
  // track's media time, to check alerts against a clip's labels.
  bool alert_lines = false;
  size_t queue_depth = analysis::AnalysisConfig{}.queue_depth;
  std::string command;
};

// One frame of a clip as RTP payloads.
struct PacketisedFrame {
  std::vector<std::vector<uint8_t>> payloads;
};

struct PacketisedClip {
  std::string name;
  int width = 0;
  int height = 0;
  std::vector<PacketisedFrame> frames;
};

void scale(const media::I420Frame& source, media::I420Frame& target, int width, int height) {
  target.resize(width, height);
  auto plane = [](ByteView from, int from_width, int from_height, MutableByteView to, int to_width, int to_height) {
    for (int y = 0; y < to_height; ++y) {
      for (int x = 0; x < to_width; ++x) {
        to[static_cast<size_t>(y * to_width + x)] =
            from[static_cast<size_t>((y * from_height / to_height) * from_width + x * from_width / to_width)];
      }
    }
  };
  plane(source.y(), source.width, source.height, target.y(), width, height);
  plane(source.u(), source.chroma_width(), source.chroma_height(), target.u(), target.chroma_width(), target.chroma_height());
  plane(source.v(), source.chroma_width(), source.chroma_height(), target.v(), target.chroma_width(), target.chroma_height());
}

bool packetise_clip(const std::string& name, const Options& options, PacketisedClip& clip, std::string& error) {
  std::string file;
  if (name == "phone") {
    file = "phone_raise_640x352.y4m";
  } else if (name == "foreman") {
    file = "foreman_cif_15fps.y4m";
  } else if (std::filesystem::path(name).extension() == ".y4m") {
    file = name;
  } else {
    error = "unknown clip '" + name + "' (expected foreman, phone or the path of a .y4m file)";
    return false;
  }
  // An absolute path replaces the cache folder.
  auto reader = media::Y4mReader::open((kSourceDir / ".cache/media" / file).string(), false, error);
  if (reader == nullptr) return false;
  clip.name = name;
  clip.width = options.width > 0 ? options.width : reader->width();
  clip.height = options.height > 0 ? options.height : reader->height();

  media::Vp8EncoderConfig config;
  config.width = clip.width;
  config.height = clip.height;
  config.frame_rate = options.frame_rate;
  config.temporal_layers = options.temporal_layers;
  const uint32_t ticks_per_frame = media::kVp8TimestampHz / static_cast<uint32_t>(options.frame_rate);
  const int repeats = options.frame_rate / kClipFrameRate;
  config.target_bitrate_kbps =
      options.bitrate_kbps > 0 ? options.bitrate_kbps : (clip.width * clip.height >= 352 * 288 ? 600 : 250);
  auto encoder = media::Vp8Encoder::create(config, error);
  if (encoder == nullptr) return false;

  media::Vp8Packetizer packetizer;
  media::I420Frame source;
  media::I420Frame scaled;
  std::vector<media::EncodedFrame> encoded;
  int64_t pts = 0;
  while (reader->read_frame(source)) {
    const media::I420Frame* input = &source;
    if (source.width != clip.width || source.height != clip.height) {
      scale(source, scaled, clip.width, clip.height);
      input = &scaled;
    }
    for (int repeat = 0; repeat < repeats; ++repeat) {
      if (!encoder->encode(*input, pts, encoded)) {
        error = encoder->last_error();
        return false;
      }
      pts += ticks_per_frame;
      PacketisedFrame frame;
      for (const auto& one : encoded) {
        std::vector<std::vector<uint8_t>> payloads;
        const bool packetized = options.temporal_layers > 1
                                    ? packetizer.packetize_layered(one.bytes, one.temporal_layer, one.layer_sync, payloads)
                                    : packetizer.packetize(one.bytes, payloads);
        if (!packetized) continue;
        frame.payloads.insert(frame.payloads.end(), payloads.begin(), payloads.end());
      }
      clip.frames.push_back(std::move(frame));
    }
  }
  if (!reader->error().empty()) {
    error = reader->error();
    return false;
  }
  return !clip.frames.empty();
}

// Keyframe requests from analysis; the simulated publisher loops from its
// keyframe anyway, so they are only counted.
class CountingRequester final : public call::KeyframeRequester {
 public:
  void request_keyframe() override { requests.fetch_add(1, std::memory_order_relaxed); }
  std::atomic<uint64_t> requests{0};
};

struct SimulatedTrack {
  call::TapTrackHandle handle = call::kNoTapTrack;
  const PacketisedClip* clip = nullptr;
  size_t next_frame = 0;
  uint16_t sequence_number = 0;
  uint32_t timestamp = 0;
  Clock::time_point start;
};

bool pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

struct StepResult {
  int tracks = 0;
  analysis::AnalysisCounters window;
  double window_seconds = 0;
  double load_average = 0;
  // Share of the window the analysis thread waited for its CPU.
  double run_delay_share = 0;
  // Median over the tracks with an alert of the media time of their first
  // raised alert, counted from their first frame; -1 when none raised one.
  int64_t first_alert_ms = -1;
};

// The media time of each track's first raised alert, by participant id.
struct FirstAlerts {
  std::mutex mutex;
  std::map<std::string, int64_t> by_participant;
};

// Nanoseconds the process's threads other than the calling one (the
// analysis thread) spent waiting for a CPU, from /proc schedstat: a large
// share means other programs on the analysis core, not analysis, caused drops.
uint64_t analysis_run_delay_ns() {
  const std::string self = std::to_string(gettid());
  uint64_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    if (entry.path().filename() == self) continue;
    std::ifstream file(entry.path() / "schedstat");
    uint64_t run_ns = 0;
    uint64_t wait_ns = 0;
    file >> run_ns >> wait_ns;
    total += wait_ns;
  }
  return total;
}

double load_average() {
  std::ifstream file("/proc/loadavg");
  double one = 0;
  file >> one;
  return one;
}

analysis::AnalysisCounters difference(const analysis::AnalysisCounters& after, const analysis::AnalysisCounters& before) {
  analysis::AnalysisCounters out = after;
  auto sub = [](uint64_t& a, uint64_t b) { a = a >= b ? a - b : 0; };
  sub(out.packets_received, before.packets_received);
  sub(out.packets_dropped, before.packets_dropped);
  sub(out.frames_received, before.frames_received);
  sub(out.frames_decoded, before.frames_decoded);
  sub(out.decode_errors, before.decode_errors);
  sub(out.frames_unchanged, before.frames_unchanged);
  sub(out.frames_not_due, before.frames_not_due);
  sub(out.motion_runs, before.motion_runs);
  sub(out.frames_analysed, before.frames_analysed);
  sub(out.frames_dropped, before.frames_dropped);
  sub(out.keyframe_requests, before.keyframe_requests);
  sub(out.alerts_raised, before.alerts_raised);
  sub(out.alerts_cleared, before.alerts_cleared);
  sub(out.decode_ns, before.decode_ns);
  sub(out.sample_ns, before.sample_ns);
  for (size_t kind = 0; kind < analysis::kDetectionKinds; ++kind) {
    sub(out.detector_runs[kind], before.detector_runs[kind]);
    sub(out.detector_ns[kind], before.detector_ns[kind]);
  }
  return out;
}

// Feeds `count` tracks in real time: their starts spread over the ramp-in, so
// that their periodic detector runs do not fall on the same second, then
// measures the counters over `seconds`.
StepResult run_step(analysis::AnalysisService& service, const std::vector<const PacketisedClip*>& clips, int count,
                    const Options& options, FirstAlerts& first_alerts) {
  {
    std::lock_guard lock(first_alerts.mutex);
    first_alerts.by_participant.clear();
  }
  const std::string call_id = "capacity-" + std::to_string(count);
  auto requester = std::make_shared<CountingRequester>();
  std::vector<SimulatedTrack> tracks(static_cast<size_t>(count));
  const Clock::time_point begin = Clock::now();
  const auto ramp_in = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.ramp_in_seconds));
  for (size_t i = 0; i < tracks.size(); ++i) {
    tracks[i].clip = clips[i % clips.size()];
    tracks[i].start = begin + ramp_in * static_cast<int64_t>(i) / count;
    tracks[i].sequence_number = static_cast<uint16_t>(i * 1000);
    tracks[i].timestamp = static_cast<uint32_t>(i * 123457);
  }

  const auto frame_interval = std::chrono::microseconds(1'000'000 / options.frame_rate);
  const uint32_t ticks_per_frame = media::kVp8TimestampHz / static_cast<uint32_t>(options.frame_rate);
  const Clock::time_point measure_from = begin + ramp_in;
  const Clock::time_point end =
      measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
  analysis::AnalysisCounters at_start;
  bool measuring = false;
  uint64_t delay_at_start = 0;
  Clock::time_point tick = begin;
  std::vector<std::string> participant_ids(tracks.size());
  for (size_t i = 0; i < tracks.size(); ++i) participant_ids[i] = "detainee-" + std::to_string(i);

  while (tick < end) {
    if (!options.virtual_time) std::this_thread::sleep_until(tick);
    if (!measuring && tick >= measure_from) {
      at_start = service.call_counters(call_id);
      delay_at_start = analysis_run_delay_ns();
      measuring = true;
    }
    for (size_t i = 0; i < tracks.size(); ++i) {
      SimulatedTrack& track = tracks[i];
      if (tick < track.start) continue;
      if (track.handle == call::kNoTapTrack) {
        call::TapTrackInfo info;
        info.call_id = call_id;
        info.participant_id = participant_ids[i];
        info.role = "detainee";
        info.ssrc = static_cast<uint32_t>(0x10000 + i);
        track.handle = service.on_track_start(info, requester);
        if (track.handle == call::kNoTapTrack) continue;
      }
      const PacketisedFrame& frame = track.clip->frames[track.next_frame];
      track.next_frame = (track.next_frame + 1) % track.clip->frames.size();
      for (size_t p = 0; p < frame.payloads.size(); ++p) {
        call::TapRtpPacket packet;
        packet.sequence_number = track.sequence_number++;
        packet.timestamp = track.timestamp;
        packet.marker = p + 1 == frame.payloads.size();
        packet.payload = ByteView(frame.payloads[p].data(), frame.payloads[p].size());
        service.on_rtp(track.handle, packet);
      }
      track.timestamp += ticks_per_frame;
      // One frame at a time, so that the queue never contains more than one.
      if (options.virtual_time) service.run_pending(TimePoint{} + (tick - begin));
    }
    tick += frame_interval;
  }

  StepResult result;
  result.tracks = count;
  {
    std::lock_guard lock(first_alerts.mutex);
    std::vector<int64_t> times;
    for (const auto& [participant, time] : first_alerts.by_participant) times.push_back(time);
    if (!times.empty()) {
      std::sort(times.begin(), times.end());
      result.first_alert_ms = times[times.size() / 2];
    }
  }
  result.window = difference(service.call_counters(call_id), at_start);
  result.window_seconds = options.seconds;
  result.load_average = load_average();
  result.run_delay_share = static_cast<double>(analysis_run_delay_ns() - delay_at_start) / 1e9 / options.seconds;
  for (SimulatedTrack& track : tracks) {
    if (track.handle != call::kNoTapTrack) service.on_track_end(track.handle);
  }
  // Lets the analysis thread release the slots before the next step.
  if (options.virtual_time) {
    service.run_pending(TimePoint{} + (end - begin));
  } else {
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  return result;
}

double ms(uint64_t ns, uint64_t count) { return count == 0 ? 0.0 : static_cast<double>(ns) / 1e6 / static_cast<double>(count); }

struct Figures {
  // CPU seconds of the analysis stages (decoding, sampling, detectors) per
  // second of the window: wall seconds in real time, media seconds in media
  // time, so in both it is the share of one core the tracks need.
  double busy_share = 0;
  double decode_ms = 0;   // Per decoded frame.
  double sample_ms = 0;   // Per decoded frame.
  double recording_ms = 0;
  double dress_ms = 0;
  double recording_runs_per_second = 0;
  double dress_runs_per_second = 0;
  double detector_share = 0;  // Samples reaching the detectors, of all samples taken at the base rate.
  double detector_ms_per_analysed_frame = 0;
  uint64_t dropped = 0;
};

Figures figures_of(const StepResult& step, const Options& options) {
  const analysis::AnalysisCounters& c = step.window;
  constexpr size_t kRecording = static_cast<size_t>(analysis::DetectionKind::recording_device);
  constexpr size_t kDress = static_cast<size_t>(analysis::DetectionKind::inappropriate_dress);
  Figures f;
  const uint64_t detector_ns = c.detector_ns[kRecording] + c.detector_ns[kDress];
  f.busy_share = static_cast<double>(c.decode_ns + c.sample_ns + detector_ns) / 1e9 / step.window_seconds;
  f.decode_ms = ms(c.decode_ns, c.frames_decoded);
  f.sample_ms = ms(c.sample_ns, c.frames_decoded);
  f.recording_ms = ms(c.detector_ns[kRecording], c.detector_runs[kRecording]);
  f.dress_ms = ms(c.detector_ns[kDress], c.detector_runs[kDress]);
  f.recording_runs_per_second = static_cast<double>(c.detector_runs[kRecording]) / step.window_seconds;
  f.dress_runs_per_second = static_cast<double>(c.detector_runs[kDress]) / step.window_seconds;
  const double samples =
      static_cast<double>(c.frames_analysed + c.frames_unchanged + c.frames_not_due + c.frames_dropped);
  f.detector_share = samples > 0 ? static_cast<double>(c.frames_analysed) / samples : 0;
  f.detector_ms_per_analysed_frame = ms(detector_ns, c.frames_analysed);
  f.dropped = c.frames_dropped + c.packets_dropped;
  (void)options;
  return f;
}

std::string step_json(const StepResult& step, const Figures& f) {
  const analysis::AnalysisCounters& c = step.window;
  std::ostringstream out;
  out << "{\"tracks\":" << step.tracks << ",\"frames_decoded\":" << c.frames_decoded
      << ",\"frames_analysed\":" << c.frames_analysed << ",\"frames_unchanged\":" << c.frames_unchanged << ",\"frames_not_due\":" << c.frames_not_due
      << ",\"motion_runs\":" << c.motion_runs
      << ",\"frames_dropped\":" << c.frames_dropped << ",\"packets_dropped\":" << c.packets_dropped
      << ",\"decode_errors\":" << c.decode_errors << ",\"alerts_raised\":" << c.alerts_raised
      << ",\"first_alert_ms\":" << step.first_alert_ms << ",\"busy_share\":" << f.busy_share
      << ",\"decode_ms_per_frame\":" << f.decode_ms << ",\"sample_ms_per_frame\":" << f.sample_ms
      << ",\"recording_device_ms_per_run\":" << f.recording_ms << ",\"dress_ms_per_run\":" << f.dress_ms
      << ",\"detector_ms_per_analysed_frame\":" << f.detector_ms_per_analysed_frame
      << ",\"recording_device_runs_per_second\":" << f.recording_runs_per_second
      << ",\"dress_runs_per_second\":" << f.dress_runs_per_second << ",\"share_reaching_detectors\":" << f.detector_share
      << ",\"run_delay_share\":" << step.run_delay_share << ",\"load_average\":" << step.load_average << "}";
  return out.str();
}

constexpr const char* kUsage =
    "usage: analysis_capacity [--clips foreman,phone] [--width W --height H] [--frame-rate 15|30]\n"
    "                         [--temporal-layers 1|3] [--start N] [--step N] [--max N]\n"
    "                         [--ramp-in S] [--seconds S] [--cpu C] [--feeder-cpu C] [--out FILE.json]\n"
    "                         [--interval-ms MS] [--scene-change-threshold LEVELS] [--refresh-ms MS]\n"
    "                         [--recording-device-interval-ms MS] [--dress-interval-ms MS] [--classifier-gate 0|1]\n"
    "                         [--full-pass-every N] [--dress-skin-rise FRACTION] [--virtual-time 0|1]\n"
    "                         [--queue-depth N] [--recording-device-threshold SCORE] [--dress-threshold SCORE]\n"
    "                         [--smoothing-k K] [--smoothing-n N] [--alert-lines 0|1] [--motion-burst-ratio RATIO]\n"
    "                         [--motion-burst-min-cells CELLS] [--motion-follow-up-ms MS] [--face-evidence 0|1]\n"
    "\n"
    "Feeds simulated supervised tracks (a clip is foreman, phone, or the path of a .y4m file) into\n"
    "the analysis service with the real detectors, raising the track count from --start by --step\n"
    "to --max, and prints a JSON line per step and a summary. Needs the imported models\n"
    "($SIGHTLINE_MODELS_DIR, default .cache/models). bench/README.md, \"Supervised calls per\n"
    "analysis core\", describes every field.\n";

bool parse_options(int argc, char** argv, Options& options, std::string& error) {
  for (int i = 0; i < argc; ++i) options.command += (i ? " " : "") + std::string(argv[i]);
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (name == "--help" || name == "-h") {
      options.help = true;
      return true;
    }
    if (i + 1 >= argc) {
      error = "missing value after " + name + " (run with --help for the options)";
      return false;
    }
    const std::string value = argv[++i];
    char* rest = nullptr;
    const double number = std::strtod(value.c_str(), &rest);
    const bool numeric = rest != value.c_str() && *rest == '\0';
    if (name == "--clips") {
      options.clips.clear();
      std::stringstream list(value);
      for (std::string clip; std::getline(list, clip, ',');) options.clips.push_back(clip);
      continue;
    }
    if (name == "--out") {
      options.out = value;
      continue;
    }
    if (!numeric) {
      error = "invalid value '" + value + "' for " + name + " (expected a number)";
      return false;
    }
    const auto whole = static_cast<int64_t>(number);
    if (name == "--width") options.width = static_cast<int>(whole);
    else if (name == "--height") options.height = static_cast<int>(whole);
    else if (name == "--bitrate-kbps") options.bitrate_kbps = static_cast<int>(whole);
    else if (name == "--frame-rate") options.frame_rate = static_cast<int>(whole);
    else if (name == "--temporal-layers") options.temporal_layers = static_cast<int>(whole);
    else if (name == "--start") options.start = static_cast<int>(whole);
    else if (name == "--step") options.step = static_cast<int>(whole);
    else if (name == "--max") options.max = static_cast<int>(whole);
    else if (name == "--ramp-in") options.ramp_in_seconds = number;
    else if (name == "--seconds") options.seconds = number;
    else if (name == "--cpu") options.cpu = static_cast<int>(whole);
    else if (name == "--feeder-cpu") options.feeder_cpu = static_cast<int>(whole);
    else if (name == "--interval-ms") options.sampler.interval_ms = whole;
    else if (name == "--scene-change-threshold") options.sampler.scene_change_threshold = number;
    else if (name == "--refresh-ms") options.sampler.max_unanalysed_ms = whole;
    else if (name == "--recording-device-interval-ms") options.sampler.detector_interval_ms[0] = whole;
    else if (name == "--dress-interval-ms") options.sampler.detector_interval_ms[1] = whole;
    else if (name == "--classifier-gate") options.classifier_gate = whole != 0;
    else if (name == "--full-pass-every") options.recording.full_pass_every = static_cast<int>(whole);
    else if (name == "--face-evidence") options.recording.face_evidence = whole != 0;
    else if (name == "--dress-skin-rise") options.sampler.dress_skin_rise = static_cast<float>(number);
    else if (name == "--virtual-time") options.virtual_time = whole != 0;
    else if (name == "--queue-depth") options.queue_depth = static_cast<size_t>(std::max<int64_t>(whole, 1));
    else if (name == "--recording-device-threshold")
      options.smoother.thresholds.recording_device = static_cast<float>(number);
    else if (name == "--dress-threshold") options.smoother.thresholds.dress = static_cast<float>(number);
    else if (name == "--smoothing-k") options.smoother.k = static_cast<int>(whole);
    else if (name == "--smoothing-n") options.smoother.n = static_cast<int>(whole);
    else if (name == "--alert-lines") options.alert_lines = whole != 0;
    else if (name == "--motion-burst-ratio") options.sampler.motion_burst.ratio = number;
    else if (name == "--motion-burst-min-cells") options.sampler.motion_burst.min_changed_cells = static_cast<int>(whole);
    else if (name == "--motion-follow-up-ms") options.sampler.motion_follow_up_ms = whole;
    else {
      error = "unknown option " + name;
      return false;
    }
  }
  // The encoder and OpenCV's colour conversion take even sizes of 16 and up;
  // 0 keeps the clip's own size.
  const auto valid_size = [](int size) { return size == 0 || (size >= 16 && size <= 4096 && size % 2 == 0); };
  if (!valid_size(options.width) || !valid_size(options.height)) {
    error = "invalid size " + std::to_string(options.width) + "x" + std::to_string(options.height) +
            ": --width and --height must be even, from 16 to 4096";
    return false;
  }
  if (options.frame_rate != 15 && options.frame_rate != 30) {
    error = "invalid --frame-rate " + std::to_string(options.frame_rate) + ": must be 15 (the clips' rate) or 30";
    return false;
  }
  if (options.temporal_layers != 1 && options.temporal_layers != 3) {
    error = "invalid --temporal-layers " + std::to_string(options.temporal_layers) + ": must be 1 or 3";
    return false;
  }
  if (options.start < 1 || options.step < 1 || options.max < options.start || options.seconds <= 0) {
    std::ostringstream text;
    text << "invalid ramp --start " << options.start << " --step " << options.step << " --max " << options.max
         << " --seconds " << options.seconds << ": need 1 <= --start <= --max, --step >= 1 and --seconds > 0";
    error = text.str();
    return false;
  }
  const analysis::DetectionThresholds& thresholds = options.smoother.thresholds;
  if (thresholds.recording_device < 0 || thresholds.recording_device > 1 || thresholds.dress < 0 ||
      thresholds.dress > 1) {
    error = "invalid threshold: --recording-device-threshold and --dress-threshold must be from 0 to 1";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::string error;
  if (!parse_options(argc, argv, options, error)) {
    std::fprintf(stderr, "analysis_capacity: %s\n", error.c_str());
    return 2;
  }
  if (options.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  log::set_level(log::Level::warn);

  // Track i sends clip options.clips[i % size]; a name may repeat to set the
  // mix, e.g. nine foreman tracks for each phone track.
  std::vector<PacketisedClip> distinct;
  for (const std::string& name : options.clips) {
    if (std::any_of(distinct.begin(), distinct.end(), [&](const PacketisedClip& c) { return c.name == name; })) continue;
    distinct.emplace_back();
    if (!packetise_clip(name, options, distinct.back(), error)) {
      std::fprintf(stderr, "analysis_capacity: clip %s: %s\n", name.c_str(), error.c_str());
      return 1;
    }
  }
  std::vector<const PacketisedClip*> clips;
  for (const std::string& name : options.clips) {
    for (const PacketisedClip& clip : distinct) {
      if (clip.name == name) clips.push_back(&clip);
    }
  }

  // The analysis thread inherits the affinity of the thread that creates it.
  if (!pin_to_cpu(options.cpu)) {
    std::fprintf(stderr, "analysis_capacity: cannot pin to CPU %d\n", options.cpu);
    return 1;
  }
  cv::setNumThreads(1);
  const std::filesystem::path models = analysis::models_directory("", kSourceDir);
  analysis::AnalysisConfig config;
  config.threads = options.virtual_time ? 0 : 1;
  config.max_tracks = static_cast<size_t>(options.max);
  config.queue_depth = options.queue_depth;
  config.sampler = options.sampler;
  config.smoother = options.smoother;
  analysis::DressOptions dress_options;
  if (options.classifier_gate) dress_options.classifier_min_score = config.smoother.thresholds.dress;
  config.make_detectors = [&] {
    std::vector<std::unique_ptr<analysis::Detector>> detectors;
    detectors.push_back(std::make_unique<analysis::RecordingDeviceDetector>(models, options.recording));
    detectors.push_back(std::make_unique<analysis::DressDetector>(models, dress_options));
    return detectors;
  };
  FirstAlerts first_alerts;
  config.on_alert = [&first_alerts, &options](const analysis::Alert& alert) {
    if (options.alert_lines) {
      std::fprintf(stderr, "{\"alert\":\"%s\",\"participant\":\"%s\",\"kind\":\"%s\",\"score\":%.3f,\"media_time_ms\":%lld}\n",
                   std::string(analysis::to_string(alert.state)).c_str(), alert.participant_id.c_str(),
                   std::string(analysis::to_string(alert.kind)).c_str(), static_cast<double>(alert.score),
                   static_cast<long long>(alert.media_time_ms));
    }
    if (alert.state != analysis::AlertState::raised) return;
    std::lock_guard lock(first_alerts.mutex);
    first_alerts.by_participant.emplace(alert.participant_id, alert.media_time_ms);
  };
  std::unique_ptr<analysis::AnalysisService> service;
  try {
    service = analysis::AnalysisService::create(std::move(config), error);
  } catch (const std::exception& failure) {
    error = failure.what();
  }
  if (service == nullptr) {
    std::fprintf(stderr, "analysis_capacity: analysis did not start: %s\n", error.c_str());
    return 1;
  }
  if (!options.virtual_time && !pin_to_cpu(options.feeder_cpu)) {
    std::fprintf(stderr, "analysis_capacity: cannot pin the feeder to CPU %d\n", options.feeder_cpu);
    return 1;
  }

  std::vector<StepResult> steps;
  int held = 0;
  double by_cpu = 0;
  for (int count = options.start; count <= options.max; count += options.step) {
    StepResult step = run_step(*service, clips, count, options, first_alerts);
    const Figures f = figures_of(step, options);
    std::printf("%s\n", step_json(step, f).c_str());
    std::fflush(stdout);
    steps.push_back(step);
    if (f.dropped > 0) break;
    held = count;
    // Tracks one core would carry at 100% busy, at this step's cost per track.
    if (f.busy_share > 0) by_cpu = static_cast<double>(count) / f.busy_share;
  }

  // tracks_held: the largest step without a dropped frame or packet (in
  // media time nothing is dropped, so it is the last step run). The relay
  // analyses the video of both the caller and the terminal of a call, so a
  // supervised call is two tracks.
  constexpr int kTracksPerCall = 2;
  std::ostringstream json;
  json << "{\"tracks_held\":" << held << ",\"tracks_per_core_by_cpu\":" << static_cast<int>(by_cpu)
       << ",\"tracks_per_call\":" << kTracksPerCall << ",\"calls_held\":" << held / kTracksPerCall
       << ",\"calls_per_core_by_cpu\":" << static_cast<int>(by_cpu / kTracksPerCall) << ",\"command\":\"" << options.command << "\",\"clips\":[";
  for (size_t i = 0; i < clips.size(); ++i) {
    json << (i ? "," : "") << "\"" << clips[i]->name << " " << clips[i]->width << "x" << clips[i]->height << "\"";
  }
  json << "],\"ramp_in_seconds\":" << options.ramp_in_seconds << ",\"window_seconds\":" << options.seconds
       << ",\"virtual_time\":" << (options.virtual_time ? "true" : "false")
       << ",\"frame_rate\":" << options.frame_rate << ",\"temporal_layers\":" << options.temporal_layers
       << ",\"cpus\":" << std::thread::hardware_concurrency() << ",\"steps\":[";
  for (size_t i = 0; i < steps.size(); ++i) json << (i ? "," : "") << step_json(steps[i], figures_of(steps[i], options));
  json << "]}";
  std::printf("%s\n", json.str().c_str());
  if (!options.out.empty()) {
    std::ofstream file(options.out);
    file << json.str() << "\n";
    if (!file) {
      std::fprintf(stderr, "analysis_capacity: cannot write %s\n", options.out.c_str());
      return 1;
    }
  }
  return 0;
}

// Plays footage with a raised phone through a peer into the relay with
// analysis on, and measures the time from the first frame showing the raised
// phone to the alert. Two clips: the real recording with its onsets labelled
// by eye (tests/data/phone_raise_640x352.labels.tsv), and a clip composed
// here from photographs, alternating a person without a phone and a phone
// held up, so that each onset frame is known exactly.
//
// The tests assert behaviour only: an alert for the phone events, none
// outside them, each raised at or after the event began. The latencies go to
// $SIGHTLINE_ARTIFACT_DIR/alert_latency/<clip>.json, and bench/alert_latency.py
// turns many runs into the median and worst case.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "analysis/analysis_service.h"
#include "analysis/dress_detector.h"
#include "analysis/model_files.h"
#include "analysis/recording_device_detector.h"
#include "tests/integration/relay_fixture.h"

namespace sightline::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr uint32_t kRtpVideoClockHz = 90000;
constexpr int kComposedWidth = 320;
constexpr int kComposedHeight = 180;
constexpr int kComposedFrameRate = 15;
constexpr int kComposedSegmentSeconds = 5;
// A browser's bitrate for its lowest simulcast layer at 320x180, the layer analysis decodes.
constexpr int kComposedBitrateKbps = 250;
constexpr int kRealClipPasses = 3;
// After the last frame of interest: time for the final samples and alerts.
constexpr auto kTailTime = 3s;

// One phone event of a clip, in frames of one pass: from the first frame the
// phone moves up to the last before it is down again. `onset` is the first
// frame that shows it raised.
struct PhoneEvent {
  int64_t first = 0;
  int64_t onset = 0;
  int64_t last = 0;
};

struct ClipTimeline {
  std::string name;
  std::string path;
  int64_t frames = 0;  // in one pass
  double frame_rate = 0;
  std::vector<PhoneEvent> events;
  int passes = 1;
  int bitrate_kbps = 600;
};

// Reads the label file: "first<TAB>last<TAB>state" lines, # comments.
std::optional<std::vector<PhoneEvent>> read_labels(const fs::path& file, int64_t& frames, std::string& error) {
  std::ifstream in(file);
  if (!in) {
    error = "cannot read " + file.string();
    return std::nullopt;
  }
  std::vector<PhoneEvent> events;
  std::optional<PhoneEvent> open_event;
  int64_t expected_first = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    int64_t first = 0;
    int64_t last = 0;
    std::string state;
    if (!(fields >> first >> last >> state) || first != expected_first || last < first) {
      error = file.string() + ": invalid or out-of-order line \"" + line + "\"";
      return std::nullopt;
    }
    expected_first = last + 1;
    if (state == "down") {
      if (open_event) events.push_back(*open_event);
      open_event.reset();
      continue;
    }
    if (state != "lifting" && state != "raised" && state != "lowering") {
      error = file.string() + ": unknown state \"" + state + "\"";
      return std::nullopt;
    }
    if (!open_event) open_event = PhoneEvent{first, -1, last};
    open_event->last = last;
    if (state == "raised" && open_event->onset < 0) open_event->onset = first;
  }
  if (open_event) events.push_back(*open_event);
  for (const PhoneEvent& event : events) {
    if (event.onset < 0) {
      error = file.string() + ": the event from frame " + std::to_string(event.first) + " has no raised frame";
      return std::nullopt;
    }
  }
  frames = expected_first;
  return events;
}

// The shared test data: $SIGHTLINE_SHARED_DIR when set (a worktree outside
// the main checkout has no ../shared beside it), else the build's default.
fs::path shared_directory() {
  const char* configured = std::getenv("SIGHTLINE_SHARED_DIR");
  return configured != nullptr && *configured != '\0' ? fs::path(configured) : fs::path(SIGHTLINE_SHARED_DIR);
}

// Fits `image` inside width x height without distortion, on black.
cv::Mat letterbox(const cv::Mat& image, int width, int height) {
  const double scale = std::min(static_cast<double>(width) / image.cols, static_cast<double>(height) / image.rows);
  cv::Mat scaled;
  cv::resize(image, scaled, cv::Size(), scale, scale, cv::INTER_AREA);
  cv::Mat canvas(height, width, CV_8UC3, cv::Scalar(0, 0, 0));
  scaled.copyTo(canvas(cv::Rect((width - scaled.cols) / 2, (height - scaled.rows) / 2, scaled.cols, scaled.rows)));
  return canvas;
}

// Writes a Y4M of pairs of photographs, each shown for
// kComposedSegmentSeconds: a person without a phone, then a phone held up.
// The photographs are read from the shared test data and never stored
// elsewhere than `output`, which the caller deletes.
std::optional<ClipTimeline> compose_clip(const fs::path& output, std::string& error) {
  // Chosen because `sightline eval` scores each of them clearly when it is
  // letterboxed to 320x180 (no phone: 0, phone held up: 0.6 or more). The
  // astronaut photograph, used before, scores 0.252 at that size, just over
  // the live threshold of 0.25: a false alarm that the evaluation counts,
  // which here would keep one alert raised across two events.
  static const std::vector<std::pair<std::string, std::string>> kPairs = {
      {"no_phone_person/nophone_fr_biden_biden2.jpg", "phone_held_up/held_s40_taking_photos_060.jpg"},
      {"no_phone_person/nophone_celebahq_10035.jpg", "phone_held_up/held_s40_taking_photos_082.jpg"},
      {"no_phone_person/nophone_celebahq_10039.jpg", "phone_held_up/held_s40_taking_photos_012.jpg"},
  };
  const fs::path images = shared_directory() / "testdata/images";

  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out << "YUV4MPEG2 W" << kComposedWidth << " H" << kComposedHeight << " F" << kComposedFrameRate
      << ":1 Ip A1:1 C420jpeg\n";
  ClipTimeline clip;
  clip.name = "composed";
  clip.path = output.string();
  clip.frame_rate = kComposedFrameRate;
  clip.bitrate_kbps = kComposedBitrateKbps;

  const int64_t segment_frames = static_cast<int64_t>(kComposedSegmentSeconds) * kComposedFrameRate;
  for (const auto& [without_phone, with_phone] : kPairs) {
    for (const bool phone : {false, true}) {
      const std::string& file = phone ? with_phone : without_phone;
      const cv::Mat image = cv::imread((images / file).string(), cv::IMREAD_COLOR);
      if (image.empty()) {
        error = "cannot read " + (images / file).string();
        return std::nullopt;
      }

      cv::Mat i420;
      cv::cvtColor(letterbox(image, kComposedWidth, kComposedHeight), i420, cv::COLOR_BGR2YUV_I420);
      if (phone) {
        clip.events.push_back({clip.frames, clip.frames, clip.frames + segment_frames - 1});
      }
      for (int64_t i = 0; i < segment_frames; ++i) {
        out << "FRAME\n";
        out.write(reinterpret_cast<const char*>(i420.data), static_cast<std::streamsize>(i420.total()));
      }
      clip.frames += segment_frames;
    }
  }

  if (!out.flush()) {
    error = "cannot write " + output.string();
    return std::nullopt;
  }
  return clip;
}

// Passes every packet on to analysis and notes when each frame of each
// track first reached the relay, by its RTP timestamp.
class ArrivalRecordingTap final : public call::MediaTap {
 public:
  ArrivalRecordingTap(call::MediaTap& analysis, double frame_rate)
      : analysis_(analysis), ticks_per_frame_(kRtpVideoClockHz / frame_rate) {}

  call::TapTrackHandle on_track_start(const call::TapTrackInfo& track,
                                      std::shared_ptr<call::KeyframeRequester> keyframe_requester) override {
    const call::TapTrackHandle handle = analysis_.on_track_start(track, std::move(keyframe_requester));
    std::lock_guard lock(mutex_);
    tracks_[handle].participant = std::string(track.participant_id);
    return handle;
  }

  void on_rtp(call::TapTrackHandle handle, const call::TapRtpPacket& packet) override {
    const SteadyTime now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mutex_);
      Track& track = tracks_[handle];
      if (!track.first_timestamp) {
        track.first_timestamp = packet.timestamp;
        track.first_packet_starts_keyframe = starts_keyframe(packet.payload);
      }
      const double ticks = static_cast<int32_t>(packet.timestamp - *track.first_timestamp);
      const auto frame = static_cast<int64_t>(ticks / ticks_per_frame_ + 0.5);
      if (frame >= 0 && !track.arrivals.contains(frame)) track.arrivals[frame] = now;
    }
    analysis_.on_rtp(handle, packet);
  }

  void on_track_end(call::TapTrackHandle handle) override { analysis_.on_track_end(handle); }

  // When frame `frame` (counted from the first frame the relay received) of
  // `participant`'s video arrived.
  std::optional<SteadyTime> arrival(const std::string& participant, int64_t frame) const {
    std::lock_guard lock(mutex_);
    for (const auto& [handle, track] : tracks_) {
      if (track.participant != participant) continue;
      if (auto found = track.arrivals.find(frame); found != track.arrivals.end()) return found->second;
    }
    return std::nullopt;
  }

  // Whether the first packet of `participant`'s video began a keyframe: the
  // peer's first frame, so that frame numbers count from the clip's start.
  bool first_packet_starts_keyframe(const std::string& participant) const {
    std::lock_guard lock(mutex_);
    for (const auto& [handle, track] : tracks_) {
      if (track.participant == participant) return track.first_packet_starts_keyframe;
    }
    return false;
  }

 private:
  struct Track {
    std::string participant;
    std::optional<uint32_t> first_timestamp;
    bool first_packet_starts_keyframe = false;
    std::map<int64_t, SteadyTime> arrivals;
  };

  // RFC 7741 section 4.2: the payload descriptor, then the first byte of the
  // VP8 payload header, whose P bit is 0 on a keyframe.
  static bool starts_keyframe(ByteView payload) {
    if (payload.empty()) return false;
    const uint8_t first = payload[0];
    const bool start_of_partition = (first & 0x10) != 0 && (first & 0x07) == 0;
    size_t offset = 1;
    if ((first & 0x80) != 0) {
      if (payload.size() < 2) return false;
      const uint8_t extension = payload[1];
      offset = 2;
      if ((extension & 0x80) != 0) {
        if (payload.size() <= offset) return false;
        offset += (payload[offset] & 0x80) != 0 ? 2 : 1;
      }
      if ((extension & 0x40) != 0) offset += 1;
      if ((extension & 0x30) != 0) offset += 1;
    }
    return start_of_partition && payload.size() > offset && (payload[offset] & 0x01) == 0;
  }

  call::MediaTap& analysis_;
  double ticks_per_frame_;
  mutable std::mutex mutex_;
  std::map<call::TapTrackHandle, Track> tracks_;
};

struct ObservedAlert {
  analysis::Alert alert;
  SteadyTime received;
};

// One supervised call: the caller plays a clip, the terminal the foreman
// clip, with analysis at the defaults serve runs it with, behind the tap.
class SupervisedCall {
 public:
  // Plays `clip` for its passes. Returns an error when analysis or the call cannot start.
  std::optional<std::string> play(const ClipTimeline& clip, const fs::path& models) {
    std::string error;
    service_ = make_analysis(models, error);
    if (!service_) return "analysis did not start: " + error;
    tap_ = std::make_unique<ArrivalRecordingTap>(*service_, clip.frame_rate);
    std::optional<std::string> failure = run_call(clip);
    // Joins the analysis threads, so that the alerts no longer change.
    service_.reset();
    return failure;
  }

  const std::vector<ObservedAlert>& alerts() const { return alerts_; }
  const analysis::AnalysisCounters& counters() const { return counters_; }
  const peer::PeerStats& caller_stats() const { return caller_stats_; }
  const ArrivalRecordingTap& tap() const { return *tap_; }

 private:
  std::unique_ptr<analysis::AnalysisService> make_analysis(const fs::path& models, std::string& error) {
    analysis::AnalysisConfig config;
    config.threads = 1;
    config.make_detectors = [models] {
      std::vector<std::unique_ptr<analysis::Detector>> detectors;
      detectors.push_back(
          std::make_unique<analysis::RecordingDeviceDetector>(models, analysis::RecordingDeviceOptions{}));
      detectors.push_back(std::make_unique<analysis::DressDetector>(models, analysis::DressOptions{}));
      return detectors;
    };
    config.on_alert = [this](const analysis::Alert& alert) {
      const SteadyTime now = std::chrono::steady_clock::now();
      std::lock_guard lock(mutex_);
      alerts_.push_back({alert, now});
    };
    return analysis::AnalysisService::create(std::move(config), error);
  }

  std::optional<std::string> run_call(const ClipTimeline& clip) {
    call::Relay relay(loopback_relay_config());
    call::RelayHooks hooks;
    hooks.media_tap = tap_.get();
    relay.set_hooks(std::move(hooks));
    if (auto error = relay.start()) return "the relay did not start: " + *error;

    const std::string call_id = "latency-" + clip.name;
    peer::PeerOptions caller_options = peer_options(relay, call_id, "caller", "caller");
    caller_options.video_path = clip.path;
    caller_options.video_bitrate_kbps = clip.bitrate_kbps;
    peer::PeerOptions terminal_options = peer_options(relay, call_id, "terminal", "terminal");
    // SIGHTLINE_LATENCY_TERMINAL_VIDEO=0 leaves the caller's track alone on
    // the analysis thread, for a benchmark that separates the two costs.
    const char* terminal_video = std::getenv("SIGHTLINE_LATENCY_TERMINAL_VIDEO");
    if (terminal_video == nullptr || std::string_view(terminal_video) != "0") {
      terminal_options.video_path = default_clip();
    }
    peer::Peer caller(caller_options);
    peer::Peer terminal(terminal_options);
    if (auto error = caller.start()) return "the caller did not join: " + *error;
    if (auto error = terminal.start()) return "the terminal did not join: " + *error;

    const double play_seconds = static_cast<double>(clip.frames * clip.passes) / clip.frame_rate;
    std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::duration<double>(play_seconds)) +
                                kTailTime);
    counters_ = service_->counters();
    caller_stats_ = caller.stats();
    caller.stop();
    terminal.stop();
    relay.stop();
    return std::nullopt;
  }

  std::mutex mutex_;
  std::vector<ObservedAlert> alerts_;
  analysis::AnalysisCounters counters_;
  peer::PeerStats caller_stats_;
  std::unique_ptr<analysis::AnalysisService> service_;
  std::unique_ptr<ArrivalRecordingTap> tap_;
};

struct MeasuredRaise {
  int64_t event_index = 0;  // counted over all passes
  int64_t onset_frame = 0;
  int64_t alert_frame = 0;
  double latency_ms = 0;
};

struct Evaluation {
  std::vector<MeasuredRaise> raises;
  std::vector<std::string> false_alerts;
  int64_t events_played = 0;
  int64_t events_alerted = 0;
  int64_t events_covered = 0;  // began while the previous event's alert was still raised
  int64_t events_missed = 0;
  uint64_t frames_dropped = 0;
};

int64_t frame_of(const analysis::Alert& alert, double frame_rate) {
  return static_cast<int64_t>(static_cast<double>(alert.media_time_ms) * frame_rate / 1000.0 + 0.5);
}

// Matches each raised recording-device alert of the caller with the phone
// event whose frames contain the alert's frame, and measures it from the
// arrival of the event's onset frame at the relay.
Evaluation evaluate(const ClipTimeline& clip, const SupervisedCall& call) {
  Evaluation evaluation;
  evaluation.frames_dropped = call.counters().frames_dropped;
  // Events of the passes whose last frame reached the relay. The tail after
  // the last pass may begin another event, which is not counted either way.
  for (int64_t pass = 0; pass < clip.passes; ++pass) {
    for (const PhoneEvent& event : clip.events) {
      if (call.tap().arrival("caller", pass * clip.frames + event.last)) ++evaluation.events_played;
    }
  }
  std::set<int64_t> alerted;
  for (const ObservedAlert& observed : call.alerts()) {
    const analysis::Alert& alert = observed.alert;
    if (alert.state != analysis::AlertState::raised || alert.kind != analysis::DetectionKind::recording_device) {
      continue;
    }
    const int64_t frame = frame_of(alert, clip.frame_rate);
    if (alert.participant_id != "caller") {
      evaluation.false_alerts.push_back("recording device alert on " + alert.participant_id + "'s video at frame " +
                                        std::to_string(frame));
      continue;
    }
    // The peer loops the clip, also during the tail after the last pass.
    const int64_t pass = frame / clip.frames;
    const int64_t in_pass = frame % clip.frames;
    const auto event = std::find_if(clip.events.begin(), clip.events.end(), [&](const PhoneEvent& candidate) {
      return in_pass >= candidate.first && in_pass <= candidate.last;
    });
    if (event == clip.events.end()) {
      evaluation.false_alerts.push_back("recording device alert at frame " + std::to_string(frame) + " (frame " +
                                        std::to_string(in_pass) + " of the clip) outside every phone event");
      continue;
    }
    if (pass >= clip.passes) continue;
    MeasuredRaise raise;
    raise.event_index = pass * static_cast<int64_t>(clip.events.size()) + (event - clip.events.begin());
    raise.onset_frame = pass * clip.frames + event->onset;
    raise.alert_frame = frame;
    const std::optional<SteadyTime> onset_arrival = call.tap().arrival("caller", raise.onset_frame);
    if (!onset_arrival) {
      evaluation.false_alerts.push_back("no arrival time for onset frame " + std::to_string(raise.onset_frame));
      continue;
    }
    raise.latency_ms = std::chrono::duration<double, std::milli>(observed.received - *onset_arrival).count();
    alerted.insert(raise.event_index);
    evaluation.raises.push_back(raise);
  }
  evaluation.events_alerted = static_cast<int64_t>(alerted.size());

  // An event that begins while the alert of the one before is still raised
  // gets no alert of its own, by design: it is covered, not missed.
  std::map<uint64_t, std::pair<int64_t, int64_t>> active_spans;  // alert id to raise and clear frame
  for (const ObservedAlert& observed : call.alerts()) {
    const analysis::Alert& alert = observed.alert;
    if (alert.participant_id != "caller" || alert.kind != analysis::DetectionKind::recording_device) continue;
    if (alert.state == analysis::AlertState::raised) {
      active_spans[alert.id] = {frame_of(alert, clip.frame_rate), std::numeric_limits<int64_t>::max()};
    } else if (active_spans.contains(alert.id) && alert.media_time_ms > 0) {
      active_spans[alert.id].second = frame_of(alert, clip.frame_rate);
    }
  }
  for (int64_t pass = 0; pass < clip.passes; ++pass) {
    for (size_t i = 0; i < clip.events.size(); ++i) {
      const int64_t index = pass * static_cast<int64_t>(clip.events.size()) + static_cast<int64_t>(i);
      const int64_t onset = pass * clip.frames + clip.events[i].onset;
      if (alerted.contains(index) || !call.tap().arrival("caller", pass * clip.frames + clip.events[i].last)) continue;
      const bool covered = std::any_of(active_spans.begin(), active_spans.end(), [&](const auto& span) {
        return span.second.first < onset && span.second.second >= onset;
      });
      ++(covered ? evaluation.events_covered : evaluation.events_missed);
    }
  }
  return evaluation;
}

void write_artifact(const ClipTimeline& clip, const SupervisedCall& call, const Evaluation& evaluation) {
  const char* directory = std::getenv("SIGHTLINE_ARTIFACT_DIR");
  const fs::path folder = fs::path(directory != nullptr ? directory : SIGHTLINE_BINARY_DIR "/artifacts") / "alert_latency";
  std::error_code ignored;
  fs::create_directories(folder, ignored);
  nlohmann::json raises = nlohmann::json::array();
  for (const MeasuredRaise& raise : evaluation.raises) {
    raises.push_back({{"event", raise.event_index},
                      {"onset_frame", raise.onset_frame},
                      {"alert_frame", raise.alert_frame},
                      {"frames_after_onset", raise.alert_frame - raise.onset_frame},
                      {"latency_ms", raise.latency_ms}});
  }
  const nlohmann::json report = {
      {"clip", clip.name},
      {"path", clip.path},
      {"frames_per_pass", clip.frames},
      {"frame_rate", clip.frame_rate},
      {"passes", clip.passes},
      {"events_played", evaluation.events_played},
      {"events_alerted", evaluation.events_alerted},
      {"events_covered", evaluation.events_covered},
      {"events_missed", evaluation.events_missed},
      {"raises", raises},
      {"false_alerts", evaluation.false_alerts},
      {"frames_analysed", call.counters().frames_analysed},
      {"frames_dropped", call.counters().frames_dropped},
      {"frames_unchanged", call.counters().frames_unchanged},
      {"caller_frames_sent", call.caller_stats().frames_sent},
      {"tracks_analysed", call.counters().tracks_started},
  };
  std::ofstream(folder / (clip.name + ".json")) << report.dump(2) << "\n";
}

class AlertLatency : public ::testing::Test {
 protected:
  void SetUp() override {
    models_ = analysis::models_directory("", SIGHTLINE_SOURCE_DIR);
    for (const char* file : {analysis::kNanoDetModelFile, analysis::kNanoDetSmallModelFile, analysis::kNsfwModelFile}) {
      if (!fs::exists(models_ / file)) {
        GTEST_SKIP() << "analysis models missing (" << (models_ / file)
                     << "); run tools/models/import.sh or set SIGHTLINE_MODELS_DIR";
      }
    }
  }

  // Plays the clip and checks the behaviour every run must show; returns
  // the evaluation for clip-specific checks.
  Evaluation play(const ClipTimeline& clip) {
    SupervisedCall call;
    const std::optional<std::string> failure = call.play(clip, models_);
    EXPECT_EQ(failure, std::nullopt);
    if (failure) return {};

    EXPECT_TRUE(call.tap().first_packet_starts_keyframe("caller"))
        << "the relay missed the caller's first frame, so frame numbers would not match the clip";
    const Evaluation evaluation = evaluate(clip, call);
    write_artifact(clip, call, evaluation);

    for (const std::string& false_alert : evaluation.false_alerts) ADD_FAILURE() << false_alert;
    EXPECT_GT(evaluation.events_alerted, 0) << "no alert in " << evaluation.events_played << " phone events";
    for (const MeasuredRaise& raise : evaluation.raises) {
      std::printf("%s: event %lld, onset frame %lld, alert on frame %lld, %.0f ms after the onset reached the relay\n",
                  clip.name.c_str(), static_cast<long long>(raise.event_index),
                  static_cast<long long>(raise.onset_frame), static_cast<long long>(raise.alert_frame),
                  raise.latency_ms);
    }
    // Not asserted: on a loaded machine the detectors fall behind and the
    // queue drops samples, which the latency figures then include.
    std::printf("%s: %lld of %lld events alerted, %lld covered by an earlier alert, %lld missed; "
                "%llu frames analysed, %llu dropped\n",
                clip.name.c_str(), static_cast<long long>(evaluation.events_alerted),
                static_cast<long long>(evaluation.events_played), static_cast<long long>(evaluation.events_covered),
                static_cast<long long>(evaluation.events_missed),
                static_cast<unsigned long long>(call.counters().frames_analysed),
                static_cast<unsigned long long>(call.counters().frames_dropped));
    return evaluation;
  }

  fs::path models_;
};

TEST_F(AlertLatency, RealClipWithTwoRaises) {
  ClipTimeline clip;
  clip.name = "phone_raise_640x352";
  clip.path = (fs::path(SIGHTLINE_SOURCE_DIR) / ".cache/media/phone_raise_640x352.y4m").string();
  if (!fs::exists(clip.path)) GTEST_SKIP() << clip.path << " is missing; scripts/setup.sh makes it";
  clip.frame_rate = 15;
  clip.passes = kRealClipPasses;
  std::string error;
  const auto events = read_labels(fs::path(SIGHTLINE_SOURCE_DIR) / "tests/data/phone_raise_640x352.labels.tsv",
                                  clip.frames, error);
  ASSERT_TRUE(events.has_value()) << error;
  ASSERT_EQ(events->size(), 2u);
  clip.events = *events;

  const Evaluation evaluation = play(clip);
  // Each pass begins with the phone on the table, so the first raise of the
  // first pass is measured from a scene without an alert.
  const bool first_event_alerted = std::any_of(evaluation.raises.begin(), evaluation.raises.end(),
                                               [](const MeasuredRaise& raise) { return raise.event_index == 0; });
  EXPECT_TRUE(first_event_alerted) << "the first raise of the phone got no alert";
}

TEST_F(AlertLatency, ComposedClipWithKnownOnsets) {
  const fs::path folder = fs::temp_directory_path() / ("sightline-alert-latency-" + std::to_string(getpid()));
  fs::create_directories(folder);
  std::string error;
  const std::optional<ClipTimeline> clip = compose_clip(folder / "composed.y4m", error);
  if (!clip) {
    fs::remove_all(folder);
    GTEST_SKIP() << "cannot compose the clip from the shared photographs: " << error;
  }

  const Evaluation evaluation = play(*clip);
  fs::remove_all(folder);
  EXPECT_EQ(evaluation.events_missed, 0) << "a phone event got no alert";
  // With 5 s without a phone between them, every event is its own alert
  // when analysis keeps up. When the queue dropped the samples that would
  // clear the alert, a still scene is next analysed only after
  // max_unanalysed_ms, so the alert may last into the next event.
  if (evaluation.frames_dropped == 0) {
    EXPECT_EQ(evaluation.events_alerted, evaluation.events_played);
  }
  for (const MeasuredRaise& raise : evaluation.raises) {
    EXPECT_GE(raise.alert_frame, raise.onset_frame) << "an alert came before its onset frame";
    EXPECT_GT(raise.latency_ms, 0.0);
  }
}

}  // namespace
}  // namespace sightline::testing

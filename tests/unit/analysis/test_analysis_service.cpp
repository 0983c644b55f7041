// Tests of the analysis pipeline on real VP8: foreman frames encoded and
// packetised by tools/media go through the MediaTap to scripted detectors.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "analysis/analysis_service.h"
#include "tests/support/shared_test_data.h"
#include "tools/media/vp8_encoder.h"
#include "tools/media/vp8_packetizer.h"
#include "tools/media/y4m_reader.h"

namespace sightline::analysis {
namespace {

const char kForemanFile[] = "video/talking_foreman_cif_15fps_4.3s.y4m";
constexpr uint32_t kTicksPerFrame = media::kVp8TimestampHz / 15;
constexpr milliseconds kFrameInterval{1000 / 15};

struct Packet {
  uint16_t sequence_number;
  uint32_t timestamp;
  bool marker;
  std::vector<uint8_t> payload;
};

// The publisher side: the looped foreman clip, encoded and packetised.
class ForemanSender {
 public:
  ForemanSender() {
    std::string error;
    reader_ = media::Y4mReader::open(test::shared_test_file(kForemanFile), true, error);
    EXPECT_NE(reader_, nullptr) << error;
    encoder_ = media::Vp8Encoder::create(media::Vp8EncoderConfig{}, error);
    EXPECT_NE(encoder_, nullptr) << error;
  }

  std::vector<Packet> next_frame() {
    std::vector<Packet> packets;
    if (reader_ == nullptr || encoder_ == nullptr || !reader_->read_frame(frame_)) return packets;
    std::vector<media::EncodedFrame> encoded;
    EXPECT_TRUE(encoder_->encode(frame_, static_cast<int64_t>(timestamp_), encoded));
    for (const media::EncodedFrame& one : encoded) {
      std::vector<std::vector<uint8_t>> payloads;
      EXPECT_TRUE(packetizer_.packetize(one.bytes, payloads));
      for (size_t i = 0; i < payloads.size(); ++i) {
        packets.push_back({sequence_number_++, timestamp_, i + 1 == payloads.size(), payloads[i]});
      }
    }
    timestamp_ += kTicksPerFrame;
    return packets;
  }

  void request_keyframe() { encoder_->request_keyframe(); }

 private:
  std::unique_ptr<media::Y4mReader> reader_;
  std::unique_ptr<media::Vp8Encoder> encoder_;
  media::Vp8Packetizer packetizer_;
  media::I420Frame frame_;
  uint16_t sequence_number_ = 1000;
  uint32_t timestamp_ = 90000;
};

// A detector whose score is scripted by how many frames it has seen.
struct Script {
  DetectionKind kind = DetectionKind::recording_device;
  std::function<float(int)> score = [](int) { return 0.0F; };
  milliseconds delay{0};
  std::atomic<int> calls{0};
  std::atomic<const uint8_t*> last_pixels{nullptr};
  // Call id and reason of each run, in order; written only by a service
  // without threads (AnalysisConfig::threads 0).
  std::vector<std::pair<std::string, RunReason>> runs;
};

struct CallOfTrack final : DetectorTrackState {
  explicit CallOfTrack(std::string id) : call(std::move(id)) {}
  std::string call;
};

class ScriptedDetector final : public Detector {
 public:
  explicit ScriptedDetector(Script& script) : script_(script) {}
  DetectionKind kind() const override { return script_.kind; }
  Detection detect(const FrameView& frame) override {
    if (script_.delay.count() > 0) std::this_thread::sleep_for(script_.delay);
    script_.last_pixels.store(frame.y);
    Detection detection;
    detection.kind = script_.kind;
    detection.score = script_.score(script_.calls.fetch_add(1));
    detection.box = Box{0.4F, 0.3F, 0.1F, 0.2F};
    return detection;
  }
  std::unique_ptr<DetectorTrackState> make_track_state() const override {
    return std::make_unique<CallOfTrack>(next_call);
  }
  Detection detect_on_track(const FrameView& frame, DetectorTrackState* state, RunReason reason) override {
    script_.runs.emplace_back(state != nullptr ? static_cast<CallOfTrack*>(state)->call : std::string(), reason);
    return detect(frame);
  }

  // The call id the next track state is made for, set by the test before
  // the worker first drains the track.
  static inline std::string next_call;

 private:
  Script& script_;
};

struct CountingRequester final : call::KeyframeRequester {
  std::atomic<int> requests{0};
  void request_keyframe() override { requests.fetch_add(1); }
};

struct AlertLog {
  std::mutex mutex;
  std::vector<Alert> alerts;
  void add(const Alert& alert) {
    std::lock_guard lock(mutex);
    alerts.push_back(alert);
  }
};

AnalysisConfig config_with(Script& script, AlertLog& log, int threads) {
  AnalysisConfig config;
  config.threads = threads;
  // Every sample reaches the detector; DetectorCadence tests the intervals.
  config.sampler.detector_interval_ms.fill(0);
  config.make_detectors = [&script] {
    std::vector<std::unique_ptr<Detector>> detectors;
    detectors.push_back(std::make_unique<ScriptedDetector>(script));
    return detectors;
  };
  config.on_alert = [&log](const Alert& alert) { log.add(alert); };
  return config;
}

call::TapTrackInfo track_info(std::string_view call_id) {
  call::TapTrackInfo info;
  info.call_id = call_id;
  info.participant_id = "caller-1";
  info.role = "caller";
  info.ssrc = 4242;
  return info;
}

void send(AnalysisService& service, call::TapTrackHandle track, const std::vector<Packet>& packets) {
  for (const Packet& p : packets) service.on_rtp(track, {p.sequence_number, p.timestamp, p.marker, p.payload});
}

// Sends `frames` frames and steps the pipeline after each, at 15 fps of fake time.
void play(AnalysisService& service, call::TapTrackHandle track, ForemanSender& sender, int frames, TimePoint& now) {
  for (int i = 0; i < frames; ++i) {
    send(service, track, sender.next_frame());
    service.run_pending(now);
    now += kFrameInterval;
  }
}

TEST(AnalysisService, SamplesOneFramePerSecond) {
  Script script;
  AlertLog alerts;
  AnalysisConfig config = config_with(script, alerts, 0);
  config.sampler.scene_change_threshold = 0;
  std::string error;
  auto service = AnalysisService::create(config, error);
  ASSERT_NE(service, nullptr) << error;
  const call::TapTrackHandle track = service->on_track_start(track_info("call-rate"), nullptr);
  ASSERT_NE(track, call::kNoTapTrack);

  ForemanSender sender;
  TimePoint now{seconds(1)};
  play(*service, track, sender, 75, now);
  // Padding packets push the last frames out of the assembler's reorder window.
  for (uint16_t s = 0; s < 8; ++s) service->on_rtp(track, {static_cast<uint16_t>(60000 + s), 0, false, {}});
  service->run_pending(now);

  const AnalysisCounters counters = service->counters();
  EXPECT_GE(counters.frames_decoded, 74U);
  EXPECT_EQ(counters.decode_errors, 0U);
  EXPECT_EQ(counters.frames_analysed, 5U);
  EXPECT_EQ(counters.frames_dropped, 0U);
  EXPECT_EQ(script.calls.load(), 5);
  EXPECT_TRUE(alerts.alerts.empty());
}

TEST(AnalysisService, RunsEachDetectorAtItsInterval) {
  Script recording;
  Script dress;
  dress.kind = DetectionKind::inappropriate_dress;
  AnalysisConfig config;
  config.threads = 0;
  config.sampler.scene_change_threshold = 0;
  config.sampler.detector_interval_ms[static_cast<size_t>(DetectionKind::recording_device)] = 2000;
  config.sampler.detector_interval_ms[static_cast<size_t>(DetectionKind::inappropriate_dress)] = 30000;
  config.make_detectors = [&] {
    std::vector<std::unique_ptr<Detector>> detectors;
    detectors.push_back(std::make_unique<ScriptedDetector>(recording));
    detectors.push_back(std::make_unique<ScriptedDetector>(dress));
    return detectors;
  };
  std::string error;
  auto service = AnalysisService::create(config, error);
  ASSERT_NE(service, nullptr) << error;
  const call::TapTrackHandle track = service->on_track_start(track_info("call-cadence"), nullptr);
  ASSERT_NE(track, call::kNoTapTrack);

  ForemanSender sender;
  TimePoint now{seconds(1)};
  play(*service, track, sender, 75, now);
  // Padding packets push the last frames out of the assembler's reorder window.
  for (uint16_t s = 0; s < 8; ++s) service->on_rtp(track, {static_cast<uint16_t>(60000 + s), 0, false, {}});
  service->run_pending(now);

  // Five samples in five seconds: the recording device detector on the
  // first, third and fifth, the dress detector on the first only.
  const AnalysisCounters counters = service->counters();
  EXPECT_EQ(counters.frames_analysed, 3U);
  EXPECT_EQ(counters.frames_not_due, 2U);
  EXPECT_EQ(recording.calls.load(), 3);
  EXPECT_EQ(dress.calls.load(), 1);
  EXPECT_EQ(counters.detector_runs[static_cast<size_t>(DetectionKind::recording_device)], 3U);
  EXPECT_EQ(counters.detector_runs[static_cast<size_t>(DetectionKind::inappropriate_dress)], 1U);
}

TEST(AnalysisService, AlertsOncePerEventAndClears) {
  Script script;
  // A lone positive at the second sample, then an event from the fifth to
  // the tenth sample, with one negative inside it.
  script.score = [](int call) {
    if (call == 1) return 0.9F;
    if (call >= 4 && call < 10 && call != 7) return 0.8F;
    return 0.1F;
  };
  AlertLog alerts;
  std::string error;
  auto service = AnalysisService::create(config_with(script, alerts, 0), error);
  ASSERT_NE(service, nullptr) << error;
  const call::TapTrackHandle track = service->on_track_start(track_info("call-alert"), nullptr);

  ForemanSender sender;
  TimePoint now{seconds(1)};
  play(*service, track, sender, 150, now);

  ASSERT_EQ(alerts.alerts.size(), 2U);
  const Alert& raised = alerts.alerts[0];
  const Alert& cleared = alerts.alerts[1];
  EXPECT_EQ(raised.state, AlertState::raised);
  EXPECT_EQ(raised.call_id, "call-alert");
  EXPECT_EQ(raised.participant_id, "caller-1");
  EXPECT_EQ(raised.kind, DetectionKind::recording_device);
  EXPECT_FLOAT_EQ(raised.score, 0.8F);
  EXPECT_FLOAT_EQ(raised.box.x, 0.4F);
  EXPECT_EQ(cleared.state, AlertState::cleared);
  EXPECT_EQ(cleared.id, raised.id);
  EXPECT_GT(cleared.media_time_ms, raised.media_time_ms);
  EXPECT_EQ(service->counters().alerts_raised, 1U);
  EXPECT_EQ(service->counters().alerts_cleared, 1U);
  // The suspicion raised the rate: more than one sample per second of media.
  EXPECT_GT(service->counters().frames_analysed, 10U);
}

TEST(AnalysisService, TriggeredRunsGoAheadOfRoutineOnes) {
  Script script;
  AlertLog alerts;
  AnalysisConfig config = config_with(script, alerts, 0);
  config.sampler.scene_change_threshold = 0;
  config.sampler.motion_burst.ratio = 0;
  config.sampler.detector_interval_ms.fill(1000);
  std::string error;
  auto service = AnalysisService::create(config, error);
  ASSERT_NE(service, nullptr) << error;
  const auto pad = [&](call::TapTrackHandle track) {
    for (uint16_t s = 0; s < 8; ++s) service->on_rtp(track, {static_cast<uint16_t>(60000 + s), 0, false, {}});
  };
  // Two tracks have their first run (triggered: nothing to remember yet).
  std::vector<call::TapTrackHandle> tracks;
  std::vector<ForemanSender> senders(3);
  TimePoint now{seconds(1)};
  // The worker makes a track's detector state when it first drains the
  // track, so each track is drained before the next one starts.
  for (const char* id : {"call-a", "call-b"}) {
    ScriptedDetector::next_call = id;
    tracks.push_back(service->on_track_start(track_info(id), nullptr));
    send(*service, tracks.back(), senders[tracks.size() - 1].next_frame());
    service->run_pending(now);
  }
  ASSERT_EQ(script.runs.size(), 2U);
  EXPECT_EQ(script.runs[0].second, RunReason::triggered);
  EXPECT_EQ(script.runs[1].second, RunReason::triggered);
  script.runs.clear();

  // A second of media later their routine runs are due, and a third track
  // starts; all three samples are queued before any of them runs.
  for (size_t i = 0; i < 2; ++i) {
    for (int frame = 0; frame < 16; ++frame) send(*service, tracks[i], senders[i].next_frame());
    pad(tracks[i]);
  }
  ScriptedDetector::next_call = "call-c";
  tracks.push_back(service->on_track_start(track_info("call-c"), nullptr));
  send(*service, tracks.back(), senders[2].next_frame());
  pad(tracks.back());
  service->run_pending(now);

  // The routine ones keep the order the worker drained their tracks in.
  ASSERT_EQ(script.runs.size(), 3U);
  EXPECT_EQ(script.runs[0], std::make_pair(std::string("call-c"), RunReason::triggered));
  EXPECT_EQ(script.runs[1].second, RunReason::routine);
  EXPECT_EQ(script.runs[2].second, RunReason::routine);
  EXPECT_NE(script.runs[1].first, script.runs[2].first);
  EXPECT_NE(script.runs[1].first, "call-c");
  EXPECT_NE(script.runs[2].first, "call-c");
  EXPECT_EQ(service->counters().frames_dropped, 0U);
}

TEST(AnalysisService, SlowDetectorDropsFramesNotPackets) {
  Script script;
  script.delay = milliseconds(600);
  AlertLog alerts;
  AnalysisConfig config = config_with(script, alerts, 1);
  config.queue_depth = 1;
  config.sampler.interval_ms = 250;
  config.sampler.scene_change_threshold = 0;
  std::string error;
  auto service = AnalysisService::create(config, error);
  ASSERT_NE(service, nullptr) << error;
  const call::TapTrackHandle track = service->on_track_start(track_info("call-slow"), nullptr);

  ForemanSender sender;
  std::vector<std::vector<Packet>> frames;
  for (int i = 0; i < 45; ++i) frames.push_back(sender.next_frame());

  // Real time, 15 fps for 3 s: 12 frames are due at 4 per second, while the
  // detector needs 600 ms a frame.
  auto longest_tap_call = std::chrono::nanoseconds(0);
  for (const auto& frame : frames) {
    const auto start = std::chrono::steady_clock::now();
    send(*service, track, frame);
    longest_tap_call = std::max(longest_tap_call, std::chrono::steady_clock::now() - start);
    std::this_thread::sleep_for(kFrameInterval);
  }
  for (uint16_t s = 0; s < 8; ++s) service->on_rtp(track, {static_cast<uint16_t>(60000 + s), 0, false, {}});
  for (int i = 0; i < 100 && service->counters().frames_decoded < 45; ++i) std::this_thread::sleep_for(milliseconds(20));

  const AnalysisCounters counters = service->counters();
  EXPECT_EQ(counters.packets_dropped, 0U);
  EXPECT_EQ(counters.frames_decoded, 45U);
  EXPECT_GE(counters.frames_dropped, 3U);
  EXPECT_EQ(service->call_counters("call-slow").frames_dropped, counters.frames_dropped);
  EXPECT_EQ(service->call_counters("another-call").frames_dropped, 0U);
  // Copying a packet into the ring takes microseconds; 5 ms leaves room for
  // a loaded machine and the sanitizers.
  EXPECT_LT(longest_tap_call, milliseconds(5));
}

TEST(AnalysisService, LossRequestsKeyframeAndRecovers) {
  Script script;
  AlertLog alerts;
  std::string error;
  auto service = AnalysisService::create(config_with(script, alerts, 0), error);
  ASSERT_NE(service, nullptr) << error;
  auto requester = std::make_shared<CountingRequester>();
  const call::TapTrackHandle track = service->on_track_start(track_info("call-loss"), requester);

  ForemanSender sender;
  TimePoint now{seconds(1)};
  play(*service, track, sender, 20, now);
  EXPECT_EQ(requester->requests.load(), 0);

  std::vector<Packet> lossy = sender.next_frame();
  ASSERT_GE(lossy.size(), 2U);
  lossy.erase(lossy.begin() + 1);
  send(*service, track, lossy);
  now += kFrameInterval;

  // The publisher sends a keyframe after each request.
  int requests_seen = 0;
  for (int i = 0; i < 30; ++i) {
    send(*service, track, sender.next_frame());
    service->run_pending(now);
    now += kFrameInterval;
    if (requester->requests.load() > requests_seen) {
      requests_seen = requester->requests.load();
      sender.request_keyframe();
    }
  }
  const uint64_t decoded_after_recovery = service->counters().frames_decoded;
  EXPECT_EQ(requester->requests.load(), 1);
  EXPECT_EQ(service->counters().keyframe_requests, 1U);
  // 51 frames sent and one lost. The frames between the loss and the
  // keyframe are skipped, and the last few are still in the reorder window.
  EXPECT_GE(decoded_after_recovery, 35U);
  EXPECT_LT(decoded_after_recovery, 50U);
  EXPECT_EQ(service->counters().decode_errors, 0U);
}

TEST(AnalysisService, FramesLiveInDontDumpMemory) {
  Script script;
  AlertLog alerts;
  std::string error;
  auto service = AnalysisService::create(config_with(script, alerts, 0), error);
  ASSERT_NE(service, nullptr) << error;
  const call::TapTrackHandle track = service->on_track_start(track_info("call-memory"), nullptr);
  ForemanSender sender;
  TimePoint now{seconds(1)};
  play(*service, track, sender, 20, now);
  ASSERT_GT(script.calls.load(), 0);

  const auto pools = service->frame_buffer_pools();
  ASSERT_EQ(pools.size(), 1U);
  const auto* begin = static_cast<const uint8_t*>(pools[0]->mapping());
  const uint8_t* pixels = script.last_pixels.load();
  EXPECT_GE(pixels, begin);
  EXPECT_LT(pixels, begin + pools[0]->mapping_size());

  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  char start_text[32];
  std::snprintf(start_text, sizeof start_text, "%lx-", reinterpret_cast<unsigned long>(begin));
  bool in_mapping = false;
  std::string flags;
  while (std::getline(smaps, line)) {
    if (line.rfind(start_text, 0) == 0) in_mapping = true;
    if (in_mapping && line.rfind("VmFlags:", 0) == 0) {
      flags = line;
      break;
    }
  }
  EXPECT_NE(flags.find(" dd"), std::string::npos) << "VmFlags of the frame pool: " << flags;
}

TEST(AnalysisService, TrackEndClearsActiveAlert) {
  Script script;
  script.score = [](int) { return 0.9F; };
  AlertLog alerts;
  std::string error;
  auto service = AnalysisService::create(config_with(script, alerts, 0), error);
  ASSERT_NE(service, nullptr) << error;
  const call::TapTrackHandle track = service->on_track_start(track_info("call-end"), nullptr);
  ForemanSender sender;
  TimePoint now{seconds(1)};
  play(*service, track, sender, 30, now);
  ASSERT_EQ(alerts.alerts.size(), 1U);

  service->on_track_end(track);
  service->run_pending(now);
  ASSERT_EQ(alerts.alerts.size(), 2U);
  EXPECT_EQ(alerts.alerts[1].state, AlertState::cleared);
  EXPECT_EQ(alerts.alerts[1].id, alerts.alerts[0].id);
  // The handle is dead: packets for it are ignored.
  send(*service, track, sender.next_frame());
  EXPECT_EQ(service->counters().alerts_raised, 1U);
  EXPECT_EQ(service->counters().tracks_started, 1U);
}

TEST(AnalysisService, RejectsOtherCodecs) {
  Script script;
  AlertLog alerts;
  std::string error;
  auto service = AnalysisService::create(config_with(script, alerts, 0), error);
  ASSERT_NE(service, nullptr) << error;
  call::TapTrackInfo info = track_info("call-h264");
  info.codec = call::TapCodec::other;
  EXPECT_EQ(service->on_track_start(info, nullptr), call::kNoTapTrack);
  EXPECT_EQ(service->counters().tracks_rejected, 1U);
}

}  // namespace
}  // namespace sightline::analysis

// The analysis pipeline behind the relay's frame tap: track slots with
// packet rings, M analysis threads that depacketise, decode, sample and run
// the detectors, score smoothing, alerts through a callback, and counters.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "analysis/alert_tracker.h"
#include "analysis/analysis_worker.h"
#include "analysis/detection.h"
#include "analysis/frame_sampler.h"
#include "analysis/score_smoother.h"
#include "analysis/track_table.h"
#include "relay/base/clock.h"
#include "relay/call/media_tap.h"

namespace sightline::analysis {

struct AnalysisConfig {
  // Analysis threads. 0 runs no thread: the owner calls run_pending(), which
  // tests use to step the pipeline deterministically.
  int threads = 1;
  // Sampled frames waiting for the detectors, per thread. A frame due for
  // analysis while the queue is full is dropped and counted. One run takes
  // 40 to 110 ms and samples of several tracks arrive within it, so a
  // shallow queue drops samples on a core that is far from busy. A sample
  // with a triggered run (RunReason::triggered) waits only behind other such
  // samples.
  size_t queue_depth = 32;
  size_t max_tracks = 128;
  // Packets buffered per track between the media worker and its analysis
  // thread: about 4 s of a 320x180 layer at 15 fps, or a 640x360 keyframe
  // burst with room to spare.
  size_t ring_packets = 256;
  // Larger decoded frames are dropped and counted, never analysed.
  int max_width = 1280;
  int max_height = 720;
  FrameSamplerConfig sampler;
  ScoreSmootherConfig smoother;
  // Makes the detectors of one analysis thread; called once per thread.
  std::function<std::vector<std::unique_ptr<Detector>>()> make_detectors;
  // Receives every raised and cleared alert on an analysis thread. It must
  // be thread-safe and return quickly.
  std::function<void(const Alert&)> on_alert;
};

class AnalysisService final : public call::MediaTap {
 public:
  // Returns nullptr and sets `error` when a frame buffer pool cannot be
  // mapped with MADV_DONTDUMP. Starts the analysis threads.
  static std::unique_ptr<AnalysisService> create(AnalysisConfig config, std::string& error);
  // Stops and joins the threads.
  ~AnalysisService() override;
  AnalysisService(const AnalysisService&) = delete;
  AnalysisService& operator=(const AnalysisService&) = delete;

  // call::MediaTap, called by the media workers.
  call::TapTrackHandle on_track_start(const call::TapTrackInfo& track,
                                      std::shared_ptr<call::KeyframeRequester> keyframe_requester) override;
  void on_rtp(call::TapTrackHandle track, const call::TapRtpPacket& packet) override;
  void on_track_end(call::TapTrackHandle track) override;

  // With threads = 0: processes everything waiting, detectors included, on
  // the calling thread. Does nothing when threads run.
  void run_pending(TimePoint now);

  // Totals since the service started, for /metrics.
  AnalysisCounters counters() const { return tracks_.totals(); }
  // Totals of a call's live tracks.
  AnalysisCounters call_counters(std::string_view call_id) const { return tracks_.call_totals(call_id); }
  const AnalysisConfig& config() const { return config_; }
  // The frame buffer pools, one per thread, for tests of their mapping.
  std::vector<const FrameBufferPool*> frame_buffer_pools() const;

 private:
  explicit AnalysisService(AnalysisConfig config);
  void run_thread(size_t index);

  AnalysisConfig config_;
  TrackTable tracks_;
  std::atomic<uint64_t> next_alert_id_{0};
  std::vector<std::unique_ptr<AnalysisWorker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
};

}  // namespace sightline::analysis

// The analysis service: configuration, analysis threads and the MediaTap
// entry points.
#include "analysis/analysis_service.h"

#include <algorithm>
#include <utility>

#include "relay/base/log.h"

namespace sightline::analysis {

namespace {
// How long an analysis thread with nothing to do sleeps before it looks at
// its rings again. The media worker never wakes it, because a wake-up per
// packet would cost a system call on the media path; 2 ms adds at most that
// to an alert's latency.
constexpr milliseconds kIdlePoll{2};
}  // namespace

AnalysisService::AnalysisService(AnalysisConfig config)
    : config_(std::move(config)),
      tracks_(config_.max_tracks, config_.ring_packets, static_cast<size_t>(std::max(config_.threads, 1))) {}

std::unique_ptr<AnalysisService> AnalysisService::create(AnalysisConfig config, std::string& error) {
  std::unique_ptr<AnalysisService> service(new AnalysisService(std::move(config)));
  const AnalysisConfig& settings = service->config_;

  AnalysisWorkerConfig worker_config;
  worker_config.queue_depth = settings.queue_depth;
  worker_config.max_width = settings.max_width;
  worker_config.max_height = settings.max_height;
  worker_config.sampler = settings.sampler;
  worker_config.smoother = settings.smoother;

  const size_t worker_count = static_cast<size_t>(std::max(settings.threads, 1));
  for (size_t i = 0; i < worker_count; ++i) {
    std::vector<std::unique_ptr<Detector>> detectors;
    if (settings.make_detectors) detectors = settings.make_detectors();
    auto worker = std::make_unique<AnalysisWorker>(i, service->tracks_, worker_config, std::move(detectors),
                                                   settings.on_alert, service->next_alert_id_);
    if (!worker->ok()) {
      error = worker->error();
      return nullptr;
    }
    service->workers_.push_back(std::move(worker));
  }

  for (size_t i = 0; settings.threads > 0 && i < worker_count; ++i) {
    service->threads_.emplace_back([raw = service.get(), i] { raw->run_thread(i); });
  }
  log::info("analysis", "analysis service started",
            {{"threads", settings.threads}, {"queue_depth", settings.queue_depth},
             {"max_tracks", settings.max_tracks}, {"interval_ms", settings.sampler.interval_ms},
             {"recording_device_interval_ms",
              settings.sampler.detector_interval_ms[static_cast<size_t>(DetectionKind::recording_device)]},
             {"dress_interval_ms",
              settings.sampler.detector_interval_ms[static_cast<size_t>(DetectionKind::inappropriate_dress)]},
             {"motion_burst_ratio", settings.sampler.motion_burst.ratio}, {"k", settings.smoother.k}, {"n", settings.smoother.n}});
  return service;
}

AnalysisService::~AnalysisService() {
  stopping_.store(true, std::memory_order_relaxed);
  for (std::thread& thread : threads_) thread.join();
}

void AnalysisService::run_thread(size_t index) {
  AnalysisWorker& worker = *workers_[index];
  while (!stopping_.load(std::memory_order_relaxed)) {
    if (!worker.run_once(sightline::now())) std::this_thread::sleep_for(kIdlePoll);
  }
}

void AnalysisService::run_pending(TimePoint now) {
  if (!threads_.empty()) return;
  for (auto& worker : workers_) {
    while (worker->run_once(now)) {
    }
  }
}

call::TapTrackHandle AnalysisService::on_track_start(const call::TapTrackInfo& track,
                                                     std::shared_ptr<call::KeyframeRequester> keyframe_requester) {
  return tracks_.start(track, std::move(keyframe_requester));
}

void AnalysisService::on_rtp(call::TapTrackHandle track, const call::TapRtpPacket& packet) {
  tracks_.push(track, packet);
}

void AnalysisService::on_track_end(call::TapTrackHandle track) { tracks_.end(track); }

std::vector<const FrameBufferPool*> AnalysisService::frame_buffer_pools() const {
  std::vector<const FrameBufferPool*> pools;
  for (const auto& worker : workers_) pools.push_back(&worker->pool());
  return pools;
}

}  // namespace sightline::analysis

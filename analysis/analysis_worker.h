// One analysis thread's work: for each track it owns, depacketise and decode
// every base layer frame, sample, and run the detectors on the sampled frames
// from a bounded queue, dropping and counting frames when the queue is full.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "analysis/alert_tracker.h"
#include "analysis/detection.h"
#include "analysis/frame_buffer_pool.h"
#include "analysis/frame_sampler.h"
#include "analysis/track_table.h"
#include "relay/base/clock.h"
#include "tools/media/i420_frame.h"

namespace sightline::analysis {

struct AnalysisWorkerConfig {
  size_t queue_depth = 32;
  int max_width = 1280;
  int max_height = 720;
  FrameSamplerConfig sampler;
  ScoreSmootherConfig smoother;
};

class AnalysisWorker {
 public:
  using AlertHandler = std::function<void(const Alert&)>;

  AnalysisWorker(size_t index, TrackTable& tracks, const AnalysisWorkerConfig& config,
                 std::vector<std::unique_ptr<Detector>> detectors, AlertHandler on_alert,
                 std::atomic<uint64_t>& next_alert_id);
  ~AnalysisWorker();
  AnalysisWorker(const AnalysisWorker&) = delete;
  AnalysisWorker& operator=(const AnalysisWorker&) = delete;

  // False when the frame buffer pool could not be mapped; error() gives the reason.
  bool ok() const { return pool_.ok(); }
  const std::string& error() const { return pool_.error(); }

  // Takes in every packet waiting for this thread's tracks, decodes what
  // completes, then runs the detectors on at most one queued frame, so that
  // decoding keeps up with the media however slow the detectors are.
  // Returns false when there was nothing to do.
  bool run_once(TimePoint now);

  const FrameBufferPool& pool() const { return pool_; }

 private:
  struct Track;
  struct Job {
    size_t slot = 0;
    uint32_t generation = 0;
    int buffer = -1;
    FrameView frame;
    int64_t media_time_ms = 0;
    // The detectors to run, a bit (1 << kind) per DetectionKind, and those
    // of them whose run is routine (RunReason::routine).
    uint32_t detectors = 0;
    uint32_t routine = 0;
  };

  bool drain_track(size_t slot_index, TrackSlot& slot, TimePoint now);
  void end_track(size_t slot_index);
  void on_frame(Track& track, ByteView bytes, bool keyframe, uint32_t rtp_timestamp);
  void sample(Track& track, int64_t media_time_ms);
  // Copies the decoded frame into the queue; false when it was dropped.
  bool enqueue(Track& track, int64_t media_time_ms, uint32_t detectors, uint32_t routine);
  void run_job(const Job& job);
  void deliver(Track& track, Alert alert);

  size_t index_;
  TrackTable& tracks_;
  AnalysisWorkerConfig config_;
  std::vector<std::unique_ptr<Detector>> detectors_;
  AlertHandler on_alert_;
  std::atomic<uint64_t>& next_alert_id_;
  FrameBufferPool pool_;
  // The decoder's output for the frame being processed, reused for every
  // track of this thread.
  // NOTE: this buffer and libvpx's reference frames are ordinary heap memory,
  // so a core dump would contain the last decoded frame of each thread. Only
  // sampled frames live in the MADV_DONTDUMP pool until the decoder can write
  // into caller memory.
  media::I420Frame decoded_;
  std::vector<std::unique_ptr<Track>> track_states_;  // By slot index.
  // A ring of queue_depth jobs. Jobs with a triggered run come before jobs
  // whose runs are all routine, each group in arrival order.
  std::vector<Job> queue_;
  size_t queue_head_ = 0;
  size_t queue_size_ = 0;
};

}  // namespace sightline::analysis

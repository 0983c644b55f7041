// One analysis thread: depacketising, decoding, sampling, detectors and
// alerts for the tracks it owns.
#include "analysis/analysis_worker.h"

#include <time.h>

#include <algorithm>
#include <utility>

#include "analysis/scene_change.h"
#include "analysis/vp8_depacketizer.h"
#include "relay/base/log.h"
#include "tools/media/vp8_decoder.h"

namespace sightline::analysis {

namespace {

// VP8's RTP clock (RFC 7741 section 4.1).
constexpr int64_t kRtpTicksPerMs = 90;

// CPU time of the calling thread, so that stage costs leave out the time the
// thread waited for a core.
uint64_t thread_cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1'000'000'000U + static_cast<uint64_t>(now.tv_nsec);
}

FrameView view_of(const media::I420Frame& frame) {
  FrameView view;
  view.y = frame.y().data();
  view.u = frame.u().data();
  view.v = frame.v().data();
  view.y_stride = frame.width;
  view.uv_stride = frame.chroma_width();
  view.width = frame.width;
  view.height = frame.height;
  return view;
}

}  // namespace

struct AnalysisWorker::Track {
  Track(AnalysisWorker& worker, size_t slot_position, TrackSlot& slot, const AnalysisWorkerConfig& config)
      : slot_index(slot_position),
        generation(slot.generation.load(std::memory_order_relaxed)),
        counters(slot.counters),
        keyframe_requester(slot.keyframe_requester),
        depacketizer([this, &worker](const media::Vp8AssembledFrame& frame) {
          worker.on_frame(*this, frame.bytes, frame.keyframe, frame.rtp_timestamp);
        }),
        sampler(config.sampler),
        alerts(slot.identity, config.smoother) {
    for (const auto& detector : worker.detectors_) detector_states.push_back(detector->make_track_state());
    std::string error;
    decoder = media::Vp8Decoder::create(error);
    if (decoder == nullptr) {
      log::error("analysis", "VP8 decoder creation failed; the track is not analysed",
                 {{"call", slot.identity.call_id}, {"ssrc", slot.identity.ssrc}, {"error", error}});
    }
  }

  // Milliseconds of media time for an RTP timestamp, unwrapped across the
  // 32-bit wrap and counted from the first frame.
  int64_t media_time_ms(uint32_t rtp_timestamp) {
    if (has_timestamp) {
      unwrapped_ticks += static_cast<int32_t>(rtp_timestamp - last_timestamp);
    }
    has_timestamp = true;
    last_timestamp = rtp_timestamp;
    return unwrapped_ticks / kRtpTicksPerMs;
  }

  size_t slot_index;
  uint32_t generation;
  TrackCounters& counters;
  std::shared_ptr<call::KeyframeRequester> keyframe_requester;
  Vp8Depacketizer depacketizer;
  std::unique_ptr<media::Vp8Decoder> decoder;
  FrameSampler sampler;
  AlertTracker alerts;
  // By detector, in the worker's order; nullptr for a detector without memory.
  std::vector<std::unique_ptr<DetectorTrackState>> detector_states;
  // A frame failed to decode, so delta frames are skipped until a keyframe.
  bool awaiting_keyframe = false;
  bool has_timestamp = false;
  uint32_t last_timestamp = 0;
  int64_t unwrapped_ticks = 0;
};

AnalysisWorker::AnalysisWorker(size_t index, TrackTable& tracks, const AnalysisWorkerConfig& config,
                               std::vector<std::unique_ptr<Detector>> detectors, AlertHandler on_alert,
                               std::atomic<uint64_t>& next_alert_id)
    : index_(index),
      tracks_(tracks),
      config_(config),
      detectors_(std::move(detectors)),
      on_alert_(std::move(on_alert)),
      next_alert_id_(next_alert_id),
      pool_(std::max<size_t>(config.queue_depth, 1), config.max_width, config.max_height),
      track_states_(tracks.size()),
      queue_(std::max<size_t>(config.queue_depth, 1)) {}

AnalysisWorker::~AnalysisWorker() = default;

bool AnalysisWorker::run_once(TimePoint now) {
  bool worked = false;
  for (size_t i = 0; i < tracks_.size(); ++i) {
    TrackSlot& slot = tracks_.slot(i);
    const SlotState state = slot.state.load(std::memory_order_acquire);
    if (state != SlotState::active && state != SlotState::ending) continue;
    if (slot.worker != index_) continue;
    if (state == SlotState::ending) {
      end_track(i);
      worked = true;
      continue;
    }
    worked = drain_track(i, slot, now) || worked;
  }

  if (queue_size_ > 0) {
    const Job job = queue_[queue_head_];
    queue_head_ = (queue_head_ + 1) % queue_.size();
    --queue_size_;
    run_job(job);
    worked = true;
  }
  return worked;
}

bool AnalysisWorker::drain_track(size_t slot_index, TrackSlot& slot, TimePoint now) {
  std::unique_ptr<Track>& track = track_states_[slot_index];
  if (track == nullptr || track->generation != slot.generation.load(std::memory_order_relaxed)) {
    track = std::make_unique<Track>(*this, slot_index, slot, config_);
  }

  bool worked = false;
  while (const RingPacket* packet = slot.ring->front()) {
    track->depacketizer.insert(packet->sequence_number, packet->timestamp, packet->marker, packet->bytes());
    slot.ring->pop();
    worked = true;
  }

  if (track->depacketizer.take_keyframe_request(now) && track->keyframe_requester != nullptr) {
    track->keyframe_requester->request_keyframe();
    track->counters.keyframe_requests.fetch_add(1, std::memory_order_relaxed);
  }
  return worked;
}

void AnalysisWorker::end_track(size_t slot_index) {
  std::unique_ptr<Track>& track = track_states_[slot_index];
  if (track != nullptr) {
    for (Alert& alert : track->alerts.clear_all(std::chrono::system_clock::now(), 0)) deliver(*track, std::move(alert));
    track.reset();
  }
  // Queued frames of this track are dropped when they reach the head of the
  // queue, because the generation no longer matches.
  tracks_.release(slot_index);
}

void AnalysisWorker::on_frame(Track& track, ByteView bytes, bool keyframe, uint32_t rtp_timestamp) {
  track.counters.frames_received.fetch_add(1, std::memory_order_relaxed);
  const int64_t media_time_ms = track.media_time_ms(rtp_timestamp);
  if (track.decoder == nullptr) return;
  if (track.awaiting_keyframe && !keyframe) {
    track.depacketizer.note_undecodable();
    return;
  }

  const uint64_t decode_start_ns = thread_cpu_ns();
  const media::DecodeResult result = track.decoder->decode(bytes, decoded_);
  const uint64_t decode_end_ns = thread_cpu_ns();
  track.counters.decode_ns.fetch_add(decode_end_ns - decode_start_ns, std::memory_order_relaxed);
  if (result.status != media::DecodeStatus::kOk) {
    // A corrupt picture would feed the detectors garbage, and the frames
    // after it reference it.
    track.counters.decode_errors.fetch_add(1, std::memory_order_relaxed);
    track.awaiting_keyframe = true;
    track.depacketizer.note_undecodable();
    return;
  }
  track.awaiting_keyframe = false;
  track.counters.frames_decoded.fetch_add(1, std::memory_order_relaxed);

  sample(track, media_time_ms);
  track.counters.sample_ns.fetch_add(thread_cpu_ns() - decode_end_ns, std::memory_order_relaxed);
}

void AnalysisWorker::sample(Track& track, int64_t media_time_ms) {
  // A thumbnail costs about 5% of decoding the frame at 320x180, so every
  // frame gets one and the sampler sees each scene change when it happens.
  const SceneThumbnail thumbnail = make_thumbnail(view_of(decoded_));
  switch (track.sampler.decide(media_time_ms, thumbnail)) {
    case SampleDecision::skip_rate:
      return;
    case SampleDecision::skip_unchanged:
      track.counters.frames_unchanged.fetch_add(1, std::memory_order_relaxed);
      return;
    case SampleDecision::analyse:
      break;
  }
  uint32_t routine = 0;
  const uint32_t detectors =
      track.sampler.due_detectors(media_time_ms, track.alerts.active_kinds(), thumbnail, &routine);
  if (detectors == 0) {
    track.counters.frames_not_due.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!enqueue(track, media_time_ms, detectors, routine)) return;
  track.sampler.note_detectors_run(detectors, media_time_ms, thumbnail);
  if (track.sampler.motion_run()) track.counters.motion_runs.fetch_add(1, std::memory_order_relaxed);
}

bool AnalysisWorker::enqueue(Track& track, int64_t media_time_ms, uint32_t detectors, uint32_t routine) {
  int buffer = queue_size_ < queue_.size() ? pool_.acquire() : -1;
  FrameView stored;
  if (buffer >= 0) stored = pool_.store(buffer, view_of(decoded_));
  if (stored.y == nullptr) {
    // The queue is full, or the frame is larger than the pool's buffers.
    pool_.release(buffer);
    track.counters.frames_dropped.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  Job job;
  job.slot = track.slot_index;
  job.generation = track.generation;
  job.buffer = buffer;
  job.frame = stored;
  job.media_time_ms = media_time_ms;
  job.detectors = detectors;
  job.routine = routine;
  // A job with a triggered run goes ahead of the routine-only jobs, so a
  // burst or a suspicion being confirmed does not wait behind periodic runs.
  const auto at = [this](size_t position) -> Job& { return queue_[(queue_head_ + position) % queue_.size()]; };
  size_t position = queue_size_;
  if (job.routine != job.detectors) {
    while (position > 0 && at(position - 1).routine == at(position - 1).detectors) {
      at(position) = at(position - 1);
      --position;
    }
  }
  at(position) = job;
  ++queue_size_;
  return true;
}

void AnalysisWorker::run_job(const Job& job) {
  Track* track = track_states_[job.slot].get();
  if (track == nullptr || track->generation != job.generation) {
    pool_.release(job.buffer);
    return;
  }

  for (size_t i = 0; i < detectors_.size(); ++i) {
    Detector& detector = *detectors_[i];
    const auto kind = static_cast<size_t>(detector.kind());
    if ((job.detectors & (1U << kind)) == 0) continue;
    const uint64_t start_ns = thread_cpu_ns();
    const RunReason reason = (job.routine & (1U << kind)) != 0 ? RunReason::routine : RunReason::triggered;
    const Detection detection = detector.detect_on_track(job.frame, track->detector_states[i].get(), reason);
    track->counters.detector_ns[kind].fetch_add(thread_cpu_ns() - start_ns, std::memory_order_relaxed);
    track->counters.detector_runs[kind].fetch_add(1, std::memory_order_relaxed);
    if (detection.score >= config_.smoother.thresholds.for_kind(detection.kind)) {
      track->sampler.note_suspicion(detection.kind, job.media_time_ms);
    }
    std::optional<Alert> alert = track->alerts.add(detection, std::chrono::system_clock::now(), job.media_time_ms);
    if (alert) deliver(*track, std::move(*alert));
  }
  track->counters.frames_analysed.fetch_add(1, std::memory_order_relaxed);
  pool_.release(job.buffer);
}

void AnalysisWorker::deliver(Track& track, Alert alert) {
  if (alert.state == AlertState::raised) {
    alert.id = next_alert_id_.fetch_add(1, std::memory_order_relaxed) + 1;
    track.alerts.set_event_id(alert.kind, alert.id);
    track.counters.alerts_raised.fetch_add(1, std::memory_order_relaxed);
  } else {
    track.counters.alerts_cleared.fetch_add(1, std::memory_order_relaxed);
  }
  log::info("analysis", alert.state == AlertState::raised ? "alert raised" : "alert cleared",
            {{"alert", alert.id}, {"call", alert.call_id}, {"participant", alert.participant_id},
             {"kind", to_string(alert.kind)}, {"score", alert.score}, {"media_time_ms", alert.media_time_ms}});
  if (on_alert_) on_alert_(alert);
}

}  // namespace sightline::analysis

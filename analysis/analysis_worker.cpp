// One analysis thread: depacketising, decoding, sampling, detectors and
// alerts for the tracks it owns.
#include "analysis/analysis_worker.h"

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

  const media::DecodeResult result = track.decoder->decode(bytes, decoded_);
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

  const SceneThumbnail thumbnail = make_thumbnail(view_of(decoded_));
  switch (track.sampler.decide(media_time_ms, thumbnail)) {
    case SampleDecision::skip_rate:
      return;
    case SampleDecision::skip_unchanged:
      track.counters.frames_unchanged.fetch_add(1, std::memory_order_relaxed);
      return;
    case SampleDecision::analyse:
      enqueue(track, media_time_ms);
      return;
  }
}

void AnalysisWorker::enqueue(Track& track, int64_t media_time_ms) {
  int buffer = queue_size_ < queue_.size() ? pool_.acquire() : -1;
  FrameView stored;
  if (buffer >= 0) stored = pool_.store(buffer, view_of(decoded_));
  if (stored.y == nullptr) {
    // The queue is full, or the frame is larger than the pool's buffers.
    pool_.release(buffer);
    track.counters.frames_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }

  Job& job = queue_[(queue_head_ + queue_size_) % queue_.size()];
  job.slot = track.slot_index;
  job.generation = track.generation;
  job.buffer = buffer;
  job.frame = stored;
  job.media_time_ms = media_time_ms;
  ++queue_size_;
}

void AnalysisWorker::run_job(const Job& job) {
  Track* track = track_states_[job.slot].get();
  if (track == nullptr || track->generation != job.generation) {
    pool_.release(job.buffer);
    return;
  }

  for (const auto& detector : detectors_) {
    const Detection detection = detector->detect(job.frame);
    if (detection.score >= config_.smoother.threshold) track->sampler.note_suspicion(job.media_time_ms);
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

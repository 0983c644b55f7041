// Track slots between the media workers and the analysis threads.
#include "analysis/track_table.h"

#include <algorithm>

#include "relay/base/log.h"

namespace sightline::analysis {

namespace {

constexpr int kHandleIndexBits = 32;
constexpr uint64_t kHandleIndexMask = 0xFFFFFFFFULL;

call::TapTrackHandle make_handle(size_t index, uint32_t generation) {
  return (static_cast<uint64_t>(generation) << kHandleIndexBits) | static_cast<uint64_t>(index + 1);
}

}  // namespace

void AnalysisCounters::add(const AnalysisCounters& other) {
  tracks_started += other.tracks_started;
  tracks_rejected += other.tracks_rejected;
  packets_received += other.packets_received;
  packets_dropped += other.packets_dropped;
  frames_received += other.frames_received;
  frames_decoded += other.frames_decoded;
  decode_errors += other.decode_errors;
  frames_unchanged += other.frames_unchanged;
  frames_not_due += other.frames_not_due;
  motion_runs += other.motion_runs;
  frames_analysed += other.frames_analysed;
  frames_dropped += other.frames_dropped;
  keyframe_requests += other.keyframe_requests;
  alerts_raised += other.alerts_raised;
  alerts_cleared += other.alerts_cleared;
  decode_ns += other.decode_ns;
  sample_ns += other.sample_ns;
  for (size_t kind = 0; kind < kDetectionKinds; ++kind) {
    detector_runs[kind] += other.detector_runs[kind];
    detector_ns[kind] += other.detector_ns[kind];
  }
}

AnalysisCounters TrackCounters::snapshot() const {
  AnalysisCounters out;
  out.tracks_started = 1;
  out.packets_received = packets_received.load(std::memory_order_relaxed);
  out.packets_dropped = packets_dropped.load(std::memory_order_relaxed);
  out.frames_received = frames_received.load(std::memory_order_relaxed);
  out.frames_decoded = frames_decoded.load(std::memory_order_relaxed);
  out.decode_errors = decode_errors.load(std::memory_order_relaxed);
  out.frames_unchanged = frames_unchanged.load(std::memory_order_relaxed);
  out.frames_not_due = frames_not_due.load(std::memory_order_relaxed);
  out.motion_runs = motion_runs.load(std::memory_order_relaxed);
  out.frames_analysed = frames_analysed.load(std::memory_order_relaxed);
  out.frames_dropped = frames_dropped.load(std::memory_order_relaxed);
  out.keyframe_requests = keyframe_requests.load(std::memory_order_relaxed);
  out.alerts_raised = alerts_raised.load(std::memory_order_relaxed);
  out.alerts_cleared = alerts_cleared.load(std::memory_order_relaxed);
  out.decode_ns = decode_ns.load(std::memory_order_relaxed);
  out.sample_ns = sample_ns.load(std::memory_order_relaxed);
  for (size_t kind = 0; kind < kDetectionKinds; ++kind) {
    out.detector_runs[kind] = detector_runs[kind].load(std::memory_order_relaxed);
    out.detector_ns[kind] = detector_ns[kind].load(std::memory_order_relaxed);
  }
  return out;
}

void TrackCounters::reset() {
  for (auto* counter : {&packets_received, &packets_dropped, &frames_received, &frames_decoded, &decode_errors,
                        &frames_unchanged, &frames_not_due, &motion_runs, &frames_analysed, &frames_dropped, &keyframe_requests, &alerts_raised,
                        &alerts_cleared, &decode_ns, &sample_ns}) {
    counter->store(0, std::memory_order_relaxed);
  }
  for (size_t kind = 0; kind < kDetectionKinds; ++kind) {
    detector_runs[kind].store(0, std::memory_order_relaxed);
    detector_ns[kind].store(0, std::memory_order_relaxed);
  }
}

TrackTable::TrackTable(size_t max_tracks, size_t ring_packets, size_t worker_count)
    : ring_packets_(ring_packets), slots_(max_tracks), tracks_per_worker_(std::max<size_t>(worker_count, 1), 0) {}

call::TapTrackHandle TrackTable::start(const call::TapTrackInfo& info,
                                       std::shared_ptr<call::KeyframeRequester> requester) {
  if (info.codec != call::TapCodec::vp8) {
    std::lock_guard lock(mutex_);
    ++tracks_rejected_;
    log::warn("analysis", "track not analysed: codec is not VP8",
              {{"call", info.call_id}, {"participant", info.participant_id}, {"ssrc", info.ssrc}});
    return call::kNoTapTrack;
  }

  std::lock_guard lock(mutex_);
  for (size_t index = 0; index < slots_.size(); ++index) {
    TrackSlot& slot = slots_[index];
    if (slot.state.load(std::memory_order_acquire) != SlotState::free) continue;

    slot.state.store(SlotState::claimed, std::memory_order_relaxed);
    const uint32_t generation = slot.generation.load(std::memory_order_relaxed) + 1;
    slot.generation.store(generation, std::memory_order_relaxed);
    const auto least_loaded = std::min_element(tracks_per_worker_.begin(), tracks_per_worker_.end());
    slot.worker = static_cast<size_t>(least_loaded - tracks_per_worker_.begin());
    ++*least_loaded;
    slot.identity = TrackIdentity{std::string(info.call_id), std::string(info.participant_id),
                                  std::string(info.role), info.ssrc};
    slot.ring = std::make_unique<RtpPacketRing>(ring_packets_);
    slot.keyframe_requester = std::move(requester);
    slot.counters.reset();
    // Publishes every field above to the analysis thread and to push().
    slot.state.store(SlotState::active, std::memory_order_release);

    log::info("analysis", "track started",
              {{"call", info.call_id}, {"participant", info.participant_id}, {"ssrc", info.ssrc},
               {"thread", slot.worker}});
    return make_handle(index, generation);
  }
  ++tracks_rejected_;
  log::warn("analysis", "track not analysed: every track slot is busy",
            {{"call", info.call_id}, {"participant", info.participant_id}, {"max_tracks", slots_.size()}});
  return call::kNoTapTrack;
}

TrackSlot* TrackTable::find(call::TapTrackHandle handle, uint32_t& generation) {
  const uint64_t index_plus_one = handle & kHandleIndexMask;
  if (index_plus_one == 0 || index_plus_one > slots_.size()) return nullptr;
  generation = static_cast<uint32_t>(handle >> kHandleIndexBits);
  return &slots_[index_plus_one - 1];
}

void TrackTable::push(call::TapTrackHandle handle, const call::TapRtpPacket& packet) {
  uint32_t generation = 0;
  TrackSlot* slot = find(handle, generation);
  if (slot == nullptr || slot->state.load(std::memory_order_acquire) != SlotState::active) return;
  if (slot->generation.load(std::memory_order_relaxed) != generation) return;

  slot->counters.packets_received.fetch_add(1, std::memory_order_relaxed);
  if (!slot->ring->push(packet.sequence_number, packet.timestamp, packet.marker, packet.payload)) {
    slot->counters.packets_dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void TrackTable::end(call::TapTrackHandle handle) {
  uint32_t generation = 0;
  TrackSlot* slot = find(handle, generation);
  if (slot == nullptr || slot->generation.load(std::memory_order_relaxed) != generation) return;
  SlotState expected = SlotState::active;
  slot->state.compare_exchange_strong(expected, SlotState::ending, std::memory_order_acq_rel);
}

void TrackTable::release(size_t index) {
  TrackSlot& slot = slots_[index];
  std::lock_guard lock(mutex_);
  retired_.add(slot.counters.snapshot());
  --tracks_per_worker_[slot.worker];
  log::info("analysis", "track ended",
            {{"call", slot.identity.call_id}, {"participant", slot.identity.participant_id},
             {"ssrc", slot.identity.ssrc}, {"frames_decoded", slot.counters.frames_decoded.load()},
             {"frames_analysed", slot.counters.frames_analysed.load()},
             {"frames_dropped", slot.counters.frames_dropped.load()}});
  slot.identity = TrackIdentity{};
  slot.ring.reset();
  slot.keyframe_requester.reset();
  slot.state.store(SlotState::free, std::memory_order_release);
}

AnalysisCounters TrackTable::totals() const {
  std::lock_guard lock(mutex_);
  AnalysisCounters out = retired_;
  out.tracks_rejected = tracks_rejected_;
  for (const TrackSlot& slot : slots_) {
    const SlotState state = slot.state.load(std::memory_order_acquire);
    if (state == SlotState::active || state == SlotState::ending) out.add(slot.counters.snapshot());
  }
  return out;
}

AnalysisCounters TrackTable::call_totals(std::string_view call_id) const {
  std::lock_guard lock(mutex_);
  AnalysisCounters out;
  for (const TrackSlot& slot : slots_) {
    const SlotState state = slot.state.load(std::memory_order_acquire);
    if ((state == SlotState::active || state == SlotState::ending) && slot.identity.call_id == call_id) {
      out.add(slot.counters.snapshot());
    }
  }
  return out;
}

size_t TrackTable::active_tracks() const {
  std::lock_guard lock(mutex_);
  size_t count = 0;
  for (const size_t tracks : tracks_per_worker_) count += tracks;
  return count;
}

}  // namespace sightline::analysis

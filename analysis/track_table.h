// The tapped tracks, shared by the media workers that feed them and the
// analysis threads that consume them: a fixed table of slots, each with its
// packet ring and counters. Packets pass without a lock; starting, ending
// and reading statistics take a short one.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "analysis/alert_tracker.h"
#include "analysis/rtp_packet_ring.h"
#include "relay/call/media_tap.h"

namespace sightline::analysis {

// Counters of the pipeline, per track, per call or in total. Every count is
// since the start of the track or the service.
struct AnalysisCounters {
  uint64_t tracks_started = 0;
  uint64_t tracks_rejected = 0;  // Not VP8, or every slot busy.
  uint64_t packets_received = 0;
  uint64_t packets_dropped = 0;  // The ring was full, or the payload too large for a slot.
  uint64_t frames_received = 0;  // Complete base layer frames out of the depacketizer.
  uint64_t frames_decoded = 0;
  uint64_t decode_errors = 0;
  uint64_t frames_unchanged = 0;  // Due for analysis but skipped by the scene change stage.
  uint64_t frames_not_due = 0;    // Sampled, but no detector was due (detector_interval_ms).
  uint64_t motion_runs = 0;       // Queued with a recording device run for a motion burst or its follow-up.
  uint64_t frames_analysed = 0;
  uint64_t frames_dropped = 0;  // Due for analysis but the analysis queue was full.
  uint64_t keyframe_requests = 0;
  uint64_t alerts_raised = 0;
  uint64_t alerts_cleared = 0;
  // Cost on the analysis thread, in thread CPU nanoseconds: decoding every
  // frame, the cheap stage (thumbnail, sampling, pool copy), and each
  // detector with the number of its runs. Indexed by DetectionKind.
  uint64_t decode_ns = 0;
  uint64_t sample_ns = 0;
  std::array<uint64_t, kDetectionKinds> detector_runs{};
  std::array<uint64_t, kDetectionKinds> detector_ns{};

  void add(const AnalysisCounters& other);
};

enum class SlotState : uint8_t { free, claimed, active, ending };

// Counters of one live track. Packet counters are written by the media
// worker, the rest by the track's analysis thread; anyone may read.
struct TrackCounters {
  std::atomic<uint64_t> packets_received{0};
  std::atomic<uint64_t> packets_dropped{0};
  std::atomic<uint64_t> frames_received{0};
  std::atomic<uint64_t> frames_decoded{0};
  std::atomic<uint64_t> decode_errors{0};
  std::atomic<uint64_t> frames_unchanged{0};
  std::atomic<uint64_t> frames_not_due{0};
  std::atomic<uint64_t> motion_runs{0};
  std::atomic<uint64_t> frames_analysed{0};
  std::atomic<uint64_t> frames_dropped{0};
  std::atomic<uint64_t> keyframe_requests{0};
  std::atomic<uint64_t> alerts_raised{0};
  std::atomic<uint64_t> alerts_cleared{0};
  std::atomic<uint64_t> decode_ns{0};
  std::atomic<uint64_t> sample_ns{0};
  std::array<std::atomic<uint64_t>, kDetectionKinds> detector_runs{};
  std::array<std::atomic<uint64_t>, kDetectionKinds> detector_ns{};

  AnalysisCounters snapshot() const;
  void reset();
};

struct TrackSlot {
  std::atomic<SlotState> state{SlotState::free};
  std::atomic<uint32_t> generation{0};
  size_t worker = 0;  // The analysis thread that owns the track.
  TrackIdentity identity;
  std::unique_ptr<RtpPacketRing> ring;
  std::shared_ptr<call::KeyframeRequester> keyframe_requester;
  TrackCounters counters;
};

class TrackTable {
 public:
  TrackTable(size_t max_tracks, size_t ring_packets, size_t worker_count);

  // Media worker side.
  call::TapTrackHandle start(const call::TapTrackInfo& info, std::shared_ptr<call::KeyframeRequester> requester);
  void push(call::TapTrackHandle handle, const call::TapRtpPacket& packet);
  void end(call::TapTrackHandle handle);

  // Analysis side: frees an ending slot once its thread is done with it.
  void release(size_t index);
  size_t size() const { return slots_.size(); }
  TrackSlot& slot(size_t index) { return slots_[index]; }

  AnalysisCounters totals() const;
  AnalysisCounters call_totals(std::string_view call_id) const;
  size_t active_tracks() const;

 private:
  TrackSlot* find(call::TapTrackHandle handle, uint32_t& generation);

  size_t ring_packets_;
  std::vector<TrackSlot> slots_;
  std::vector<size_t> tracks_per_worker_;  // Guarded by mutex_.
  mutable std::mutex mutex_;
  AnalysisCounters retired_;  // Counters of released tracks, guarded by mutex_.
  uint64_t tracks_rejected_ = 0;
};

}  // namespace sightline::analysis

// Call: routing of media between the participants of one call.
#include "relay/call/call.h"

#include <algorithm>

#include "relay/base/log.h"

namespace sightline::call {

Call::Call(std::string id, CallPhase phase, RelayCounters& counters, CallEvents& events, TickSchedule& schedule)
    : id_(std::move(id)), counters_(counters), events_(events), schedule_(schedule), phase_(phase) {
  counters_.calls.increment();
}

Call::~Call() {
  for (auto& participant : participants_) {
    participant->close();
    schedule_.remove(*participant);
  }
  counters_.participants.add(-static_cast<int64_t>(participants_.size()));
  counters_.calls.decrement();
}

Participant& Call::add(net::PacketSender& sender, ParticipantSetup setup) {
  participants_.push_back(std::make_unique<Participant>(*this, sender, counters_, std::move(setup)));
  schedule_.add(*participants_.back());
  counters_.participants.increment();
  return *participants_.back();
}

std::unique_ptr<Participant> Call::remove(std::string_view participant_id) {
  auto it = std::find_if(participants_.begin(), participants_.end(),
                         [&](const auto& participant) { return participant->id() == participant_id; });
  if (it == participants_.end()) return nullptr;
  std::unique_ptr<Participant> removed = std::move(*it);
  participants_.erase(it);
  schedule_.remove(*removed);
  for (auto& participant : participants_) participant->release_source(*removed);
  counters_.participants.decrement();
  removed->close();
  return removed;
}

Participant* Call::find(std::string_view participant_id) {
  for (auto& participant : participants_) {
    if (participant->id() == participant_id) return participant.get();
  }
  return nullptr;
}

void Call::route(Participant& from, MediaType type, const rtp::RtpPacket& packet, const VideoPacketInfo* video,
                 TimePoint now) {
  const control::ParticipantRole from_role = from.setup().role;
  bool forwarded = false;
  for (auto& participant : participants_) {
    if (participant.get() == &from) continue;
    if (!may_forward(phase_, from_role, participant->setup().role, type)) continue;
    participant->forward(from, type, packet, video, now);
    forwarded = true;
  }
  // Counted so that a test (and an operator) can see the gate holding media back.
  if (!forwarded && participants_.size() > 1) counters_.reject(RejectReason::not_live);
}

void Call::set_phase(CallPhase phase, TimePoint now) {
  if (phase == phase_) return;
  phase_ = phase;
  // Outbound streams claimed under the old rules (a caller's stream fed by
  // the officer during the ID check) are freed for the new sources, which
  // are asked for a keyframe so that video starts at once.
  for (auto& subscriber : participants_) {
    const Participant* source = subscriber->video_source();
    for (auto& publisher : participants_) {
      if (publisher.get() == subscriber.get()) continue;
      const bool allowed = may_forward(phase_, publisher->setup().role, subscriber->setup().role, MediaType::video);
      if (!allowed) subscriber->release_source(*publisher);
    }
    if (subscriber->video_source() != source || source == nullptr) request_keyframe(*subscriber, now);
  }
  log::info("call", "phase changed", {{"call", id_}, {"phase", to_string(phase_)}});
}

void Call::request_keyframe(Participant& subscriber, TimePoint now) {
  for (auto& participant : participants_) {
    if (participant.get() == &subscriber) continue;
    // Only the publisher this subscriber receives; before any is chosen,
    // every publisher, since the first to send will be chosen.
    const Participant* source = subscriber.video_source();
    if (source != nullptr && source != participant.get()) continue;
    // The layer the subscriber receives or is switching to; every layer
    // before one is chosen.
    if (participant->request_keyframe(now, subscriber.target_video_layer())) {
      counters_.keyframe_requests_forwarded.add();
    } else {
      counters_.keyframe_requests_suppressed.add();
    }
  }
}

bool Call::request_layer_keyframe(const Participant& subscriber, size_t layer, TimePoint now) {
  for (auto& participant : participants_) {
    if (participant.get() == subscriber.video_source()) return participant->request_keyframe(now, layer);
  }
  return false;
}

void Call::on_connected(Participant& participant) {
  log::info("call", "participant connected", {{"call", id_}, {"participant", participant.id()}});
  events_.on_participant_connected(id_, participant.id(), participant.setup().session);
}

void Call::on_failed(Participant& participant, std::string_view reason) {
  log::warn("call", "participant transport failed",
            {{"call", id_}, {"participant", participant.id()}, {"reason", reason}});
  events_.on_participant_failed(id_, participant.id(), participant.setup().session, reason);
}

}  // namespace sightline::call

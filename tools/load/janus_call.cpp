// JanusCall: the VideoRoom requests of one call (create, joinandconfigure,
// join as subscriber, start, destroy) and the sessions' keepalives.
#include "tools/load/janus_call.h"

#include <thread>

namespace sightline::load {

namespace {
constexpr const char* kVideoRoomPlugin = "janus.plugin.videoroom";
// Janus ends a session after 60 s without a request (its default
// session_timeout, also set in bench/janus), so a keepalive goes every 20 s.
constexpr milliseconds kKeepAliveInterval{20000};
constexpr int kPublishersPerRoom = 2;
constexpr milliseconds kHandshakePollInterval{2};
constexpr milliseconds kFeedRetryInterval{50};
// The text janus_error() writes for VideoRoom's error 428 (no such feed).
constexpr const char* kNoSuchFeedError = "VideoRoom error 428";

const nlohmann::json& plugin_data(const nlohmann::json& message) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  if (!message.contains("plugindata") || !message["plugindata"].contains("data")) return kEmpty;
  return message["plugindata"]["data"];
}

std::string jsep_sdp(const nlohmann::json& event, const std::string& type) {
  if (!event.contains("jsep")) return std::string();
  const nlohmann::json& jsep = event["jsep"];
  return jsep.value("type", "") == type ? jsep.value("sdp", "") : std::string();
}
}  // namespace

JanusCall::~JanusCall() { close(); }

std::optional<std::string> JanusCall::connect(const JanusCallParams& params, LoadParticipant& terminal,
                                              LoadParticipant& caller) {
  params_ = params;
  const milliseconds timeout(params.timeout_ms);
  std::string error;
  for (Side* side : {&terminal_, &caller_}) {
    if (auto failure = side->session.create(params.host, params.port, timeout)) return failure;
    const std::optional<uint64_t> handle = side->session.attach(kVideoRoomPlugin, error);
    if (!handle) return error;
    side->publisher_handle = *handle;
  }

  const nlohmann::json create = {{"request", "create"},
                                 {"publishers", kPublishersPerRoom},
                                 {"audiocodec", "opus"},
                                 {"videocodec", "vp8"},
                                 {"is_private", true},
                                 {"description", params.call_id}};
  const std::optional<nlohmann::json> created =
      terminal_.session.send_message(terminal_.publisher_handle, create, nullptr, error);
  if (!created) return "creating the VideoRoom room for " + params.call_id + " failed: " + error;
  room_ = plugin_data(*created).value("room", uint64_t{0});
  if (room_ == 0) return "Janus's reply to create has no room id: " + created->dump();

  if (auto failure = publish(terminal_, terminal, params.call_id + "-terminal")) return failure;
  if (auto failure = publish(caller_, caller, params.call_id + "-caller")) return failure;
  if (auto failure = connect_send_legs(terminal, caller)) return failure;
  if (auto failure = subscribe(terminal_, terminal, caller_.publisher_id)) return failure;
  if (auto failure = subscribe(caller_, caller, terminal_.publisher_id)) return failure;
  return std::nullopt;
}

std::optional<std::string> JanusCall::publish(Side& side, LoadParticipant& participant, const std::string& display) {
  participant.set_participant_id(display);
  participant.set_sequence_tags(true);
  if (auto failure = participant.bind_socket()) return failure;
  const nlohmann::json body = {
      {"request", "joinandconfigure"}, {"ptype", "publisher"}, {"room", room_}, {"display", display}};
  // trickle false: the offer already carries the one host candidate.
  const nlohmann::json jsep = {{"type", "offer"}, {"sdp", participant.make_send_offer()}, {"trickle", false}};
  std::string error;
  if (!side.session.send_message(side.publisher_handle, body, jsep, error)) {
    return "publishing " + display + " failed: " + error;
  }
  const std::optional<nlohmann::json> joined = side.session.wait_for_event(
      side.publisher_handle,
      [](const nlohmann::json& event) {
        return plugin_data(event).value("videoroom", "") == "joined" && !jsep_sdp(event, "answer").empty();
      },
      milliseconds(params_.timeout_ms), error);
  if (!joined) return "waiting for the answer to " + display + "'s offer failed: " + error;
  side.publisher_id = plugin_data(*joined).value("id", uint64_t{0});
  if (side.publisher_id == 0) return "Janus's joined event for " + display + " has no publisher id";
  return participant.accept_send_answer(jsep_sdp(*joined, "answer"));
}

std::optional<std::string> JanusCall::connect_send_legs(LoadParticipant& terminal, LoadParticipant& caller) {
  const TimePoint deadline = sightline::now() + milliseconds(params_.timeout_ms);
  while (!terminal.send_leg_connected() || !caller.send_leg_connected()) {
    const TimePoint now = sightline::now();
    if (now >= deadline) {
      return "the publishers of " + params_.call_id + " did not connect to Janus within " +
             std::to_string(params_.timeout_ms) + " ms";
    }
    for (LoadParticipant* participant : {&terminal, &caller}) {
      if (participant->failed()) return participant->failure();
      participant->on_readable(now);
      participant->tick(now);
    }
    std::this_thread::sleep_for(kHandshakePollInterval);
  }
  return std::nullopt;
}

std::optional<std::string> JanusCall::subscribe(Side& side, LoadParticipant& participant, uint64_t feed) {
  std::string error;
  const std::optional<uint64_t> handle = side.session.attach(kVideoRoomPlugin, error);
  if (!handle) return error;
  side.subscriber_handle = *handle;
  const nlohmann::json join = {{"request", "join"},
                               {"ptype", "subscriber"},
                               {"room", room_},
                               {"streams", nlohmann::json::array({{{"feed", feed}}})}};
  // Janus offers a feed only after it has processed its publisher's
  // webrtcup, which can come a little after this side saw DTLS complete:
  // until then the join fails with error 428 (no such feed) and is retried.
  const TimePoint deadline = sightline::now() + milliseconds(params_.timeout_ms);
  std::optional<nlohmann::json> attached;
  while (!attached) {
    if (side.session.send_message(side.subscriber_handle, join, nullptr, error)) {
      attached = side.session.wait_for_event(
          side.subscriber_handle,
          [](const nlohmann::json& event) {
            return plugin_data(event).value("videoroom", "") == "attached" && !jsep_sdp(event, "offer").empty();
          },
          milliseconds(params_.timeout_ms), error);
    }
    if (attached) break;
    if (error.find(kNoSuchFeedError) == std::string::npos || sightline::now() >= deadline) {
      return "subscribing to feed " + std::to_string(feed) + " failed: " + error;
    }
    std::this_thread::sleep_for(kFeedRetryInterval);
  }

  std::string answer;
  if (auto failure = participant.answer_receive_offer(jsep_sdp(*attached, "offer"), answer)) return failure;
  const nlohmann::json start = {{"request", "start"}};
  const nlohmann::json jsep = {{"type", "answer"}, {"sdp", answer}, {"trickle", false}};
  if (!side.session.send_message(side.subscriber_handle, start, jsep, error)) {
    return "starting the subscription to feed " + std::to_string(feed) + " failed: " + error;
  }
  const std::optional<nlohmann::json> started = side.session.wait_for_event(
      side.subscriber_handle,
      [](const nlohmann::json& event) { return plugin_data(event).value("started", "") == "ok"; },
      milliseconds(params_.timeout_ms), error);
  if (!started) return "waiting for the subscription to feed " + std::to_string(feed) + " to start failed: " + error;
  return std::nullopt;
}

std::optional<std::string> JanusCall::keep_alive(TimePoint now) {
  if (next_keepalive_ && now < *next_keepalive_) return std::nullopt;
  next_keepalive_ = now + kKeepAliveInterval;
  for (Side* side : {&terminal_, &caller_}) {
    if (!side->session.created()) continue;
    if (auto failure = side->session.keep_alive()) return params_.call_id + ": " + *failure;
  }
  return std::nullopt;
}

void JanusCall::close() {
  if (room_ != 0 && terminal_.session.created()) {
    std::string ignored;
    terminal_.session.send_message(terminal_.publisher_handle, {{"request", "destroy"}, {"room", room_}}, nullptr,
                                   ignored);
    room_ = 0;
  }
  terminal_.session.destroy();
  caller_.session.destroy();
}

}  // namespace sightline::load

// The calls of one media worker and the demultiplexing of everything that
// arrives on its ports, UDP datagrams and ICE-TCP frames alike: STUN by
// USERNAME to a participant's transport, and DTLS, SRTP and SRTCP by the
// path (5-tuple or TCP connection) a binding check validated.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "relay/call/call.h"
#include "relay/call/relay_counters.h"
#include "relay/net/media_worker.h"

namespace sightline::call {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

class CallWorker final : public net::DatagramHandler {
 public:
  CallWorker(int index, SocketAddress bind_address, CallEvents& events, net::TcpOptions tcp = {},
             net::UdpOptions udp = {});
  ~CallWorker() override;

  bool start(std::string* error);
  // Destroys every call and stops the thread.
  void stop();

  net::MediaWorker& media_worker() { return worker_; }
  const RelayCounters& counters() const { return counters_; }
  SocketAddress local_address() const { return worker_.local_address(); }
  // Empty when ICE-TCP is off.
  SocketAddress tcp_local_address() const { return worker_.tcp_local_address(); }
  // Number of calls hosted here, for placing new calls; read from any thread.
  int64_t call_count() const { return counters_.calls.value(); }

  // The following run on the worker thread (post them with media_worker().post()).
  void add_participant(ParticipantSetup setup);
  // No-op when the call or participant is already gone, so that leave and
  // call teardown may race in any order.
  void remove_participant(const std::string& call_id, const std::string& participant_id);
  void destroy_call(const std::string& call_id);
  void set_call_phase(const std::string& call_id, CallPhase phase);
  Call* find_call(std::string_view call_id);

  // net::DatagramHandler.
  void on_datagram(const PacketPath& from, MutableByteView data, TimePoint now) override;
  void on_connection_closed(const PacketPath& path) override;
  void on_tick(TimePoint now) override;

 private:
  void handle_stun(const PacketPath& from, MutableByteView data, TimePoint now);
  void unregister(Participant& participant);
  void destroy_all_calls();
  void log_rejections(TimePoint now);
  // Counts a rejected datagram and keeps its sender for the summary log line.
  void reject_from(RejectReason reason, const PacketPath& from);

  net::MediaWorker worker_;
  CallEvents& events_;
  RelayCounters counters_;
  // Declared before calls_, so that it outlives the participants in it.
  TickSchedule schedule_;
  std::unordered_map<std::string, std::unique_ptr<Call>, StringHash, std::equal_to<>> calls_;
  std::unordered_map<std::string, Participant*, StringHash, std::equal_to<>> by_ufrag_;
  std::unordered_map<PacketPath, Participant*, PacketPathHash> by_path_;
  // Rejection counts at the last summary log line, per reason.
  std::array<uint64_t, static_cast<size_t>(RejectReason::count_)> logged_rejections_{};
  std::optional<TimePoint> next_rejection_log_;
  // The latest sender rejected for each reason that has one, for that line.
  std::array<std::optional<PacketPath>, static_cast<size_t>(RejectReason::count_)> last_rejected_from_{};
};

}  // namespace sightline::call

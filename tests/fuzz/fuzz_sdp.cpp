// Fuzz target for the SDP path of a signalling request: parse an offer, and
// when it parses, answer it, write the answer and parse that again. Every
// answer the relay writes must parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "relay/sdp/sdp_answer.h"
#include "relay/sdp/sdp_offer.h"
#include "relay/sdp/sdp_parser.h"
#include "relay/sdp/sdp_writer.h"

namespace {

const sightline::sdp::LocalEndpoint& relay_endpoint() {
  static const sightline::sdp::LocalEndpoint local = [] {
    sightline::sdp::LocalEndpoint endpoint;
    endpoint.ice_ufrag = "fuzzufrag";
    endpoint.ice_pwd = "fuzzpassword0123456789";
    endpoint.fingerprint = {"sha-256",
                            "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"};
    endpoint.candidates = {{"127.0.0.1", 40000, "udp", "", 2130706431, "1"}};
    endpoint.streams = {{sightline::sdp::MediaKind::video, "", 1111, 2222, "relay", "relay", "video"}};
    endpoint.session_id = 1;
    return endpoint;
  }();
  return local;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sightline::sdp::SessionDescription offer;
  if (!sightline::sdp::parse_sdp(text, offer).ok) return 0;

  // Whatever parsed must print and parse again.
  sightline::sdp::SessionDescription rewritten;
  if (!sightline::sdp::parse_sdp(sightline::sdp::write_sdp(offer), rewritten).ok) std::abort();

  const sightline::sdp::AnswerResult answer = sightline::sdp::build_answer(offer, relay_endpoint());
  if (!answer.ok) return 0;
  const std::string answer_text = sightline::sdp::write_sdp(answer.answer);
  sightline::sdp::SessionDescription reparsed;
  if (!sightline::sdp::parse_sdp(answer_text, reparsed).ok) std::abort();

  // The peer's checks may reject an answer to a foreign offer (other payload
  // types), so only their running is tested here.
  sightline::sdp::PeerAnswer peer;
  sightline::sdp::parse_answer_for_peer(answer_text, peer);
  return 0;
}

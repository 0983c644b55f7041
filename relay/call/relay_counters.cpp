// Label values of the rejection reasons.
#include "relay/call/relay_counters.h"

namespace sightline::call {

const char* to_string(RejectReason reason) {
  switch (reason) {
    case RejectReason::unknown_kind: return "unknown_kind";
    case RejectReason::stun_malformed: return "stun_malformed";
    case RejectReason::stun_unauthorized: return "stun_unauthorized";
    case RejectReason::stun_unknown_user: return "stun_unknown_user";
    case RejectReason::unknown_source: return "unknown_source";
    case RejectReason::dtls_rejected: return "dtls_rejected";
    case RejectReason::srtp_before_keys: return "srtp_before_keys";
    case RejectReason::srtp_auth_failed: return "srtp_auth_failed";
    case RejectReason::srtp_replay: return "srtp_replay";
    case RejectReason::srtp_other: return "srtp_other";
    case RejectReason::rtp_malformed: return "rtp_malformed";
    case RejectReason::rtp_unknown_ssrc: return "rtp_unknown_ssrc";
    case RejectReason::rtp_unknown_rid: return "rtp_unknown_rid";
    case RejectReason::rtcp_malformed: return "rtcp_malformed";
    case RejectReason::rtcp_skipped: return "rtcp_skipped";
    case RejectReason::not_live: return "not_live";
    case RejectReason::tcp_before_binding: return "tcp_before_binding";
    case RejectReason::count_: break;
  }
  return "unknown";
}

}  // namespace sightline::call

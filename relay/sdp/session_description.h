// The SDP data model (RFC 8866 with the WebRTC attributes of JSEP, RFC 8829):
// plain structs that the parser fills, the writer prints and the answer reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sightline::sdp {

enum class MediaKind { audio, video, application, unknown };
std::string_view to_string(MediaKind kind);
MediaKind media_kind_from_string(std::string_view text);

// Media direction attribute (RFC 8866 section 6.7); sendrecv is the default.
enum class Direction { sendrecv, sendonly, recvonly, inactive };
std::string_view to_string(Direction direction);
std::optional<Direction> direction_from_string(std::string_view text);
// The direction an answerer mirrors for an offered direction (RFC 3264 section 6.1).
Direction reverse(Direction direction);
bool sends(Direction direction);
bool receives(Direction direction);

// DTLS role attribute a=setup (RFC 4145 section 4, RFC 5763 section 5).
enum class SetupRole { none, active, passive, actpass, holdconn };
std::string_view to_string(SetupRole role);
std::optional<SetupRole> setup_role_from_string(std::string_view text);

struct Origin {
  std::string username = "-";
  uint64_t session_id = 0;
  uint64_t session_version = 0;
  std::string address_type = "IP4";
  std::string address = "0.0.0.0";
};

// a=group (RFC 5888), e.g. BUNDLE with the tagged mid first (RFC 8843).
struct Group {
  std::string semantics;
  std::vector<std::string> mids;
};

// a=fingerprint (RFC 8122 section 5): hash algorithm and colon-separated hex pairs.
struct Fingerprint {
  std::string algorithm;
  std::string value;

  bool empty() const { return algorithm.empty() && value.empty(); }
  // Decodes the hex pairs into bytes. Only sha-256, sha-384 and sha-512 are
  // accepted. Returns false for any other algorithm, for text that is not hex
  // pairs separated by colons, or for a pair count that is not the digest size.
  bool decode(std::vector<uint8_t>& out) const;
};

struct RtcpFeedback {
  std::string type;     // "nack", "ccm", "goog-remb", "transport-cc"
  std::string subtype;  // "pli", "fir", or empty
};

// One payload format of an RTP media section: a=rtpmap, a=fmtp and a=rtcp-fb
// gathered by payload type (RFC 8866 section 6.6, RFC 4585 section 4.2).
struct Codec {
  uint8_t payload_type = 0;
  std::string name;        // encoding name as written, e.g. "opus", "VP8"
  uint32_t clock_rate = 0;  // Hz; 0 when there is no a=rtpmap
  uint16_t channels = 0;    // 0 when the a=rtpmap gives none
  // fmtp parameters in the order written; a value-less token such as the
  // telephone-event range "0-15" is stored with an empty key.
  std::vector<std::pair<std::string, std::string>> fmtp;
  std::string fmtp_raw;  // the text after "a=fmtp:<pt> ", empty when absent
  std::vector<RtcpFeedback> feedback;

  // Returns the fmtp value for key, or nullopt.
  std::optional<std::string_view> fmtp_value(std::string_view key) const;
  bool has_feedback(std::string_view type, std::string_view subtype = {}) const;
};

// a=extmap (RFC 8285 section 5).
struct ExtensionMap {
  uint16_t id = 0;
  std::optional<Direction> direction;
  std::string uri;
  std::string attributes;
};

struct SsrcAttribute {
  uint32_t ssrc = 0;
  std::string attribute;  // "cname", "msid", ...
  std::string value;
};

// a=ssrc-group (RFC 5576 section 4.2), e.g. FID pairs a media SSRC with its RTX SSRC.
struct SsrcGroup {
  std::string semantics;
  std::vector<uint32_t> ssrcs;
};

enum class RidDirection { send, recv };

// a=rid (RFC 8851 section 10): a restriction identifier for one RTP stream.
struct Rid {
  std::string id;
  RidDirection direction = RidDirection::send;
  std::vector<uint8_t> payload_types;  // from "pt=", empty when unrestricted
  std::vector<std::pair<std::string, std::string>> restrictions;  // everything but pt
};

struct SimulcastStream {
  std::string rid;
  bool paused = false;  // written with a "~" prefix
};

// a=simulcast (RFC 8853 section 5.1): each inner vector is one stream with
// its alternative rids in order of preference.
struct Simulcast {
  std::vector<std::vector<SimulcastStream>> send;
  std::vector<std::vector<SimulcastStream>> recv;

  bool empty() const { return send.empty() && recv.empty(); }
};

struct Msid {
  std::string stream_id;
  std::string track_id;  // empty when absent
};

// a=candidate (RFC 8839 section 5.1).
struct Candidate {
  std::string foundation;
  uint16_t component = 1;  // 1 is RTP, 2 is RTCP
  std::string transport;   // "udp" or "tcp" as written ("UDP" from Firefox)
  uint32_t priority = 0;
  std::string address;  // IPv4, IPv6 or an mDNS name ending in ".local"
  uint16_t port = 0;
  std::string type;  // "host", "srflx", "prflx", "relay"
  std::string related_address;
  std::optional<uint16_t> related_port;
  std::string tcp_type;  // "active", "passive", "so", empty for UDP
  std::vector<std::pair<std::string, std::string>> extensions;  // e.g. generation 0
};

// An attribute the parser does not interpret, kept so that it can be inspected.
struct Attribute {
  std::string name;
  std::string value;
  bool has_value = false;
};

struct MediaDescription {
  MediaKind kind = MediaKind::unknown;
  std::string kind_name;  // as written on the m= line
  uint16_t port = 0;
  uint16_t port_count = 1;
  std::string protocol;
  std::vector<std::string> formats;
  std::string connection_address;  // from c=, empty when absent
  std::string connection_address_type;

  std::string mid;
  std::optional<Direction> direction;  // nullopt: inherits the session's
  std::string ice_ufrag;
  std::string ice_pwd;
  std::vector<std::string> ice_options;
  Fingerprint fingerprint;
  SetupRole setup = SetupRole::none;
  bool rtcp_mux = false;
  bool rtcp_rsize = false;
  bool extmap_allow_mixed = false;
  bool end_of_candidates = false;
  // a=bundle-only (RFC 8843 section 6): port 0 here means "only inside the
  // BUNDLE transport", not "disabled". Firefox marks every section but the
  // first this way when the page asks for bundlePolicy max-bundle.
  bool bundle_only = false;

  std::vector<Codec> codecs;  // in m= line order for RTP sections
  std::vector<RtcpFeedback> feedback_all;  // a=rtcp-fb:* applies to every codec
  std::vector<ExtensionMap> extensions;
  std::vector<SsrcAttribute> ssrcs;
  std::vector<SsrcGroup> ssrc_groups;
  std::vector<Rid> rids;
  Simulcast simulcast;
  std::vector<Msid> msids;
  std::vector<Candidate> candidates;
  std::vector<Attribute> other_attributes;

  bool is_rtp() const;
  const Codec* find_codec(uint8_t payload_type) const;
  Codec* find_codec(uint8_t payload_type);
  // Returns the id of the extension with this URI, or 0 when not offered.
  uint16_t extension_id(std::string_view uri) const;
};

struct SessionDescription {
  Origin origin;
  std::string session_name = "-";
  std::vector<Group> groups;
  std::optional<Direction> direction;
  bool ice_lite = false;
  std::string ice_ufrag;
  std::string ice_pwd;
  std::vector<std::string> ice_options;
  Fingerprint fingerprint;
  SetupRole setup = SetupRole::none;
  bool extmap_allow_mixed = false;
  std::string msid_semantic;  // e.g. "WMS" or "WMS *"; empty when absent
  std::vector<ExtensionMap> extensions;
  std::vector<Attribute> other_attributes;
  std::vector<MediaDescription> media;

  // Returns the BUNDLE group, or nullptr when there is none.
  const Group* bundle_group() const;
};

}  // namespace sightline::sdp

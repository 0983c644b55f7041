// SDP writer: the inverse of parse_sdp for every field of the data model.
#include "relay/sdp/sdp_writer.h"

namespace sightline::sdp {
namespace {

class Writer {
 public:
  void line(std::string_view text) {
    out_ += text;
    out_ += "\r\n";
  }
  // Writes "a=name" or "a=name:value".
  void attribute(std::string_view name, std::string_view value = {}) {
    out_ += "a=";
    out_ += name;
    if (!value.empty()) {
      out_ += ':';
      out_ += value;
    }
    out_ += "\r\n";
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string joined;
  for (const std::string& item : items) {
    if (!joined.empty()) joined += separator;
    joined += item;
  }
  return joined;
}

std::string format_parameters(const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::string text;
  for (const auto& [key, value] : parameters) {
    if (!text.empty()) text += ';';
    text += key.empty() ? value : key + "=" + value;
  }
  return text;
}

std::string format_simulcast_list(const std::vector<std::vector<SimulcastStream>>& streams) {
  std::string text;
  for (const std::vector<SimulcastStream>& alternatives : streams) {
    if (!text.empty()) text += ';';
    for (size_t i = 0; i < alternatives.size(); ++i) {
      if (i > 0) text += ',';
      if (alternatives[i].paused) text += '~';
      text += alternatives[i].rid;
    }
  }
  return text;
}

std::string format_candidate(const Candidate& candidate) {
  std::string text = candidate.foundation + " " + std::to_string(candidate.component) + " " + candidate.transport + " " +
                     std::to_string(candidate.priority) + " " + candidate.address + " " + std::to_string(candidate.port) +
                     " typ " + candidate.type;
  if (!candidate.related_address.empty()) text += " raddr " + candidate.related_address;
  if (candidate.related_port) text += " rport " + std::to_string(*candidate.related_port);
  if (!candidate.tcp_type.empty()) text += " tcptype " + candidate.tcp_type;
  for (const auto& [name, value] : candidate.extensions) text += " " + name + " " + value;
  return text;
}

std::string format_extension(const ExtensionMap& extension) {
  std::string text = std::to_string(extension.id);
  if (extension.direction) text += "/" + std::string(to_string(*extension.direction));
  text += " " + extension.uri;
  if (!extension.attributes.empty()) text += " " + extension.attributes;
  return text;
}

// Writes the transport attributes that session and media level share.
template <typename Level>
void write_transport(Writer& writer, const Level& level) {
  if (!level.ice_ufrag.empty()) writer.attribute("ice-ufrag", level.ice_ufrag);
  if (!level.ice_pwd.empty()) writer.attribute("ice-pwd", level.ice_pwd);
  if (!level.ice_options.empty()) writer.attribute("ice-options", join(level.ice_options, " "));
  if (!level.fingerprint.empty()) writer.attribute("fingerprint", level.fingerprint.algorithm + " " + level.fingerprint.value);
  if (level.setup != SetupRole::none) writer.attribute("setup", to_string(level.setup));
}

void write_other_attributes(Writer& writer, const std::vector<Attribute>& attributes) {
  for (const Attribute& attribute : attributes) {
    if (attribute.has_value) {
      writer.line("a=" + attribute.name + ":" + attribute.value);
    } else {
      writer.attribute(attribute.name);
    }
  }
}

void write_codecs(Writer& writer, const MediaDescription& media) {
  for (const RtcpFeedback& feedback : media.feedback_all) {
    writer.attribute("rtcp-fb", "* " + feedback.type + (feedback.subtype.empty() ? "" : " " + feedback.subtype));
  }
  for (const Codec& codec : media.codecs) {
    const std::string payload_type = std::to_string(codec.payload_type);
    if (!codec.name.empty()) {
      std::string encoding = codec.name + "/" + std::to_string(codec.clock_rate);
      if (codec.channels != 0) encoding += "/" + std::to_string(codec.channels);
      writer.attribute("rtpmap", payload_type + " " + encoding);
    }
    for (const RtcpFeedback& feedback : codec.feedback) {
      writer.attribute("rtcp-fb", payload_type + " " + feedback.type + (feedback.subtype.empty() ? "" : " " + feedback.subtype));
    }
    const std::string parameters = codec.fmtp_raw.empty() ? format_parameters(codec.fmtp) : codec.fmtp_raw;
    if (!parameters.empty()) writer.attribute("fmtp", payload_type + " " + parameters);
  }
}

void write_streams(Writer& writer, const MediaDescription& media) {
  for (const SsrcGroup& group : media.ssrc_groups) {
    std::string text = group.semantics;
    for (uint32_t ssrc : group.ssrcs) text += " " + std::to_string(ssrc);
    writer.attribute("ssrc-group", text);
  }
  for (const SsrcAttribute& ssrc : media.ssrcs) {
    writer.attribute("ssrc", std::to_string(ssrc.ssrc) + " " + ssrc.attribute + (ssrc.value.empty() ? "" : ":" + ssrc.value));
  }
  for (const Rid& rid : media.rids) {
    std::string text = rid.id + (rid.direction == RidDirection::send ? " send" : " recv");
    std::vector<std::pair<std::string, std::string>> restrictions;
    if (!rid.payload_types.empty()) {
      std::string list;
      for (uint8_t payload_type : rid.payload_types) list += (list.empty() ? "" : ",") + std::to_string(payload_type);
      restrictions.emplace_back("pt", list);
    }
    restrictions.insert(restrictions.end(), rid.restrictions.begin(), rid.restrictions.end());
    if (!restrictions.empty()) text += " " + format_parameters(restrictions);
    writer.attribute("rid", text);
  }
  if (!media.simulcast.empty()) {
    std::string text;
    if (!media.simulcast.send.empty()) text += "send " + format_simulcast_list(media.simulcast.send);
    if (!media.simulcast.recv.empty()) text += (text.empty() ? "" : " ") + std::string("recv ") + format_simulcast_list(media.simulcast.recv);
    writer.attribute("simulcast", text);
  }
}

void write_media(Writer& writer, const MediaDescription& media) {
  std::string port = std::to_string(media.port);
  if (media.port_count > 1) port += "/" + std::to_string(media.port_count);
  writer.line("m=" + media.kind_name + " " + port + " " + media.protocol + " " + join(media.formats, " "));
  if (!media.connection_address.empty()) {
    writer.line("c=IN " + media.connection_address_type + " " + media.connection_address);
  }

  for (const Candidate& candidate : media.candidates) writer.attribute("candidate", format_candidate(candidate));
  if (media.end_of_candidates) writer.attribute("end-of-candidates");
  if (media.bundle_only) writer.attribute("bundle-only");
  write_transport(writer, media);
  if (!media.mid.empty()) writer.attribute("mid", media.mid);
  if (media.extmap_allow_mixed) writer.attribute("extmap-allow-mixed");
  for (const ExtensionMap& extension : media.extensions) writer.attribute("extmap", format_extension(extension));
  if (media.direction) writer.attribute(to_string(*media.direction));
  for (const Msid& msid : media.msids) {
    writer.attribute("msid", msid.stream_id + (msid.track_id.empty() ? "" : " " + msid.track_id));
  }
  if (media.rtcp_mux) writer.attribute("rtcp-mux");
  if (media.rtcp_rsize) writer.attribute("rtcp-rsize");
  write_codecs(writer, media);
  write_streams(writer, media);
  write_other_attributes(writer, media.other_attributes);
}

}  // namespace

std::string write_sdp(const SessionDescription& description) {
  Writer writer;
  const Origin& origin = description.origin;
  writer.line("v=0");
  writer.line("o=" + origin.username + " " + std::to_string(origin.session_id) + " " +
              std::to_string(origin.session_version) + " IN " + origin.address_type + " " + origin.address);
  writer.line("s=" + (description.session_name.empty() ? std::string("-") : description.session_name));
  writer.line("t=0 0");

  if (description.ice_lite) writer.attribute("ice-lite");
  for (const Group& group : description.groups) {
    writer.attribute("group", group.semantics + (group.mids.empty() ? "" : " " + join(group.mids, " ")));
  }
  write_transport(writer, description);
  if (description.direction) writer.attribute(to_string(*description.direction));
  if (description.extmap_allow_mixed) writer.attribute("extmap-allow-mixed");
  for (const ExtensionMap& extension : description.extensions) writer.attribute("extmap", format_extension(extension));
  if (!description.msid_semantic.empty()) writer.attribute("msid-semantic", " " + description.msid_semantic);
  write_other_attributes(writer, description.other_attributes);

  for (const MediaDescription& media : description.media) write_media(writer, media);
  return writer.take();
}

}  // namespace sightline::sdp

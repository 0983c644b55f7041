// SDP writer: prints a SessionDescription as SDP text with CRLF line endings.
#pragma once

#include <string>

#include "relay/sdp/session_description.h"

namespace sightline::sdp {

// Writes the session lines in the order of RFC 8866 section 5 (v, o, s, t,
// then attributes) and each media section in the attribute order that JSEP
// (RFC 8829 section 5.2.1) uses. Unknown attributes follow the known ones.
std::string write_sdp(const SessionDescription& description);

}  // namespace sightline::sdp

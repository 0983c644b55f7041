// The written notice of a suspension given to the detained individual
// (DSO 01/2020 paragraph 18), as plain text or as printable HTML.
#pragma once

#include <string>

#include "policy/centre_time_zone.h"
#include "policy/suspensions.h"

namespace sightline::policy {

enum class NoticeFormat { text, html };

// Renders the notice: who, the category and reasons, the period in the
// centre's local time, how legal access continues and how to appeal.
std::string render_suspension_notice(const Suspension& suspension, const std::string& recorded_name,
                                     const CentreTimeZone& zone, NoticeFormat format);

}  // namespace sightline::policy

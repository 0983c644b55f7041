// Inline SVG charts for the audit report: drawn as text, with a title and a
// text description for screen readers, no scripts and no external resources.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/availability_record.h"

namespace sightline::policy {

// Escapes &, <, >, " and ' for HTML and SVG text and attributes.
std::string escape_html(std::string_view text);

struct ChartBar {
  std::string label;
  double value;
  bool highlight;  // drawn in the warning colour, e.g. late appeals
};

// A horizontal bar chart, one labelled bar per entry with its value.
std::string svg_bar_chart(std::string_view title, const std::vector<ChartBar>& bars);

// The available hours of each recorded day of `year` against the 7-hour
// line. Days under the minimum are drawn in the warning colour; days with no
// record leave a gap.
std::string svg_availability_chart(std::string_view title, const std::vector<DailyAvailability>& figures, int year);

}  // namespace sightline::policy

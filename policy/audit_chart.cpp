// SVG drawing for the audit report's charts.
#include "policy/audit_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "policy/opening_windows.h"

namespace sightline::policy {
namespace {

// Colours with at least 4.5:1 contrast on white (WCAG 2.1 AA for text).
constexpr const char* kBarColour = "#1f4e8c";
constexpr const char* kWarningColour = "#b00020";
constexpr const char* kTextColour = "#1a1a1a";
constexpr const char* kGridColour = "#767676";

constexpr int kBarLabelWidthPx = 220;
constexpr int kBarMaxLengthPx = 380;
constexpr int kBarRowHeightPx = 26;
constexpr int kBarThicknessPx = 18;

constexpr int kPlotLeftPx = 48;
constexpr int kPlotTopPx = 12;
constexpr int kPlotHeightPx = 180;
constexpr int kDayWidthPx = 2;
constexpr int kAxisLabelsPx = 36;

constexpr const char* kMonthNames[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string number_text(double value) {
  char text[32];
  if (value == std::floor(value)) {
    std::snprintf(text, sizeof text, "%.0f", value);
  } else {
    std::snprintf(text, sizeof text, "%.1f", value);
  }
  return text;
}

std::string px(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

std::string svg_open(int width, int height, std::string_view title, std::string_view description) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" + std::to_string(width) + "\" height=\"" +
         std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
         "\" font-family=\"sans-serif\" font-size=\"12\" fill=\"" + kTextColour + "\"><title>" + escape_html(title) +
         "</title><desc>" + escape_html(description) + "</desc>\n";
}

std::string text_at(double x, double y, std::string_view text, std::string_view anchor = "start") {
  return "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" text-anchor=\"" + std::string(anchor) + "\">" +
         escape_html(text) + "</text>\n";
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_bar_chart(std::string_view title, const std::vector<ChartBar>& bars) {
  double max_value = 0;
  std::string description;
  for (const ChartBar& bar : bars) {
    max_value = std::max(max_value, bar.value);
    description += bar.label + ": " + number_text(bar.value) + ". ";
  }
  const int width = kBarLabelWidthPx + kBarMaxLengthPx + 60;
  const int height = std::max<int>(1, static_cast<int>(bars.size())) * kBarRowHeightPx + 8;
  std::string svg = svg_open(width, height, title, description.empty() ? "No data." : description);
  if (bars.empty()) svg += text_at(4, 20, "No data for this year.");

  for (size_t i = 0; i < bars.size(); ++i) {
    const ChartBar& bar = bars[i];
    const double top = 4 + static_cast<double>(i) * kBarRowHeightPx;
    const double length = max_value > 0 ? bar.value / max_value * kBarMaxLengthPx : 0;
    svg += text_at(kBarLabelWidthPx - 8, top + kBarThicknessPx - 4, bar.label, "end");
    svg += "<rect x=\"" + std::to_string(kBarLabelWidthPx) + "\" y=\"" + px(top) + "\" width=\"" + px(length) +
           "\" height=\"" + std::to_string(kBarThicknessPx) + "\" fill=\"" +
           (bar.highlight ? kWarningColour : kBarColour) + "\"/>\n";
    svg += text_at(kBarLabelWidthPx + length + 6, top + kBarThicknessPx - 4, number_text(bar.value));
  }
  return svg + "</svg>\n";
}

std::string svg_availability_chart(std::string_view title, const std::vector<DailyAvailability>& figures, int year) {
  using std::chrono::local_days;
  const std::chrono::year y{year};
  const local_days first{y / 1 / 1};
  const int day_count = static_cast<int>((local_days{(y + std::chrono::years{1}) / 1 / 1} - first).count());

  // The vertical scale reaches the longest bookable day, and at least 10 hours
  // so that the 7-hour line sits well inside the plot.
  double max_hours = 10;
  int under = 0;
  for (const DailyAvailability& d : figures) {
    max_hours = std::max(max_hours, std::ceil(std::chrono::duration<double, std::ratio<3600>>(d.bookable).count()));
    if (d.below_minimum) ++under;
  }
  const int plot_width = day_count * kDayWidthPx;
  const int width = kPlotLeftPx + plot_width + 16;
  const int height = kPlotTopPx + kPlotHeightPx + kAxisLabelsPx;
  const auto y_of = [&](double value_hours) { return kPlotTopPx + kPlotHeightPx * (1 - value_hours / max_hours); };

  std::string svg = svg_open(width, height, title,
                             std::to_string(figures.size()) + " days recorded, " + std::to_string(under) +
                                 " under the 7-hour minimum.");
  // Horizontal grid every 2 hours, with the hour on the left.
  for (int h = 0; h <= static_cast<int>(max_hours); h += 2) {
    svg += "<line x1=\"" + std::to_string(kPlotLeftPx) + "\" x2=\"" + std::to_string(kPlotLeftPx + plot_width) +
           "\" y1=\"" + px(y_of(h)) + "\" y2=\"" + px(y_of(h)) + "\" stroke=\"" + kGridColour +
           "\" stroke-width=\"0.5\"/>\n";
    svg += text_at(kPlotLeftPx - 6, y_of(h) + 4, std::to_string(h) + " h", "end");
  }
  for (const DailyAvailability& d : figures) {
    const double available_hours = std::chrono::duration<double, std::ratio<3600>>(d.available).count();
    const double x = kPlotLeftPx + static_cast<double>((d.day - first).count()) * kDayWidthPx;
    svg += "<rect x=\"" + px(x) + "\" y=\"" + px(y_of(available_hours)) + "\" width=\"" + std::to_string(kDayWidthPx) +
           "\" height=\"" + px(y_of(0) - y_of(available_hours)) + "\" fill=\"" +
           (d.below_minimum ? kWarningColour : kBarColour) + "\"/>\n";
  }

  // The 7-hour minimum, dashed so that it reads without colour.
  const double minimum_hours = std::chrono::duration<double, std::ratio<3600>>(kMinimumDailyBookable).count();
  svg += "<line x1=\"" + std::to_string(kPlotLeftPx) + "\" x2=\"" + std::to_string(kPlotLeftPx + plot_width) +
         "\" y1=\"" + px(y_of(minimum_hours)) + "\" y2=\"" + px(y_of(minimum_hours)) +
         "\" stroke=\"" + kTextColour + "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n";
  svg += text_at(kPlotLeftPx + plot_width, y_of(minimum_hours) - 4, "7-hour minimum", "end");

  for (unsigned month = 1; month <= 12; ++month) {
    const double x = kPlotLeftPx + static_cast<double>((local_days{y / month / 1} - first).count()) * kDayWidthPx;
    svg += text_at(x + 2, kPlotTopPx + kPlotHeightPx + 16, kMonthNames[month - 1]);
  }
  return svg + "</svg>\n";
}

}  // namespace sightline::policy

// Prometheus text exposition: name and label checks, escaping, grouping by family.
#include "relay/control/metrics_registry.h"

#include <cmath>
#include <cstdio>

#include "relay/base/log.h"

namespace sightline::control {

namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*.
bool is_valid_metric_name(std::string_view name) {
  if (name.empty() || !(is_name_start(name[0]) || name[0] == ':')) return false;
  for (char c : name) {
    if (!is_name_start(c) && !is_digit(c) && c != ':') return false;
  }
  return true;
}

// Label names match [a-zA-Z_][a-zA-Z0-9_]*; names starting with "__" are reserved.
bool is_valid_label_name(std::string_view name) {
  if (name.empty() || !is_name_start(name[0]) || name.starts_with("__")) return false;
  for (char c : name) {
    if (!is_name_start(c) && !is_digit(c)) return false;
  }
  return true;
}

// HELP text escapes backslash and line feed; label values also escape the double quote.
std::string escape(std::string_view text, bool escape_quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

// Whole numbers print without a fraction so counters read as integers.
std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53
  if (value == std::floor(value) && std::fabs(value) < kMaxExactInteger) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
  }
  return buffer;
}

}  // namespace

void MetricsWriter::counter(std::string_view name, std::string_view help, double value, const MetricLabels& labels) {
  add_sample("counter", name, help, value, labels);
}

void MetricsWriter::gauge(std::string_view name, std::string_view help, double value, const MetricLabels& labels) {
  add_sample("gauge", name, help, value, labels);
}

void MetricsWriter::add_sample(std::string_view type, std::string_view name, std::string_view help, double value,
                               const MetricLabels& labels) {
  bool valid = is_valid_metric_name(name);
  for (const auto& [label, label_value] : labels) valid = valid && is_valid_label_name(label);
  if (!valid) {
    ++rejected_samples_;
    return;
  }

  auto found = family_index_.find(std::string(name));
  if (found == family_index_.end()) {
    found = family_index_.emplace(std::string(name), families_.size()).first;
    families_.push_back(Family{std::string(name), std::string(help), std::string(type), {}});
  }
  Family& family = families_[found->second];
  if (family.type != type) {
    ++rejected_samples_;
    return;
  }

  std::string sample = family.name;
  if (!labels.empty()) {
    sample += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) sample += ',';
      sample += labels[i].first + "=\"" + escape(labels[i].second, true) + '"';
    }
    sample += '}';
  }
  sample += ' ';
  sample += format_value(value);
  family.samples.push_back(std::move(sample));
}

std::string MetricsWriter::text() const {
  std::string out;
  for (const Family& family : families_) {
    out += "# HELP " + family.name + ' ' + escape(family.help, false) + '\n';
    out += "# TYPE " + family.name + ' ' + family.type + '\n';
    for (const std::string& sample : family.samples) out += sample + '\n';
  }
  return out;
}

int MetricsRegistry::add_collector(Collector collector) {
  std::lock_guard lock(mutex_);
  const int id = next_id_++;
  collectors_.emplace(id, std::move(collector));
  return id;
}

void MetricsRegistry::remove_collector(int id) {
  std::lock_guard lock(mutex_);
  collectors_.erase(id);
}

std::string MetricsRegistry::render() {
  MetricsWriter writer;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, collector] : collectors_) collector(writer);
  }
  if (writer.rejected_samples() > 0) {
    log::warn("metrics", "samples_rejected", {{"count", writer.rejected_samples()}});
  }
  return writer.text();
}

}  // namespace sightline::control

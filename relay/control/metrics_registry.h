// Prometheus metrics for /metrics, pull model: each component registers a
// collector that reads its own cheap counters when the page is rendered.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sightline::control {

// Label name and value pairs, written in the given order.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Collects samples during one render and writes them in the Prometheus text
// exposition format 0.0.4, grouped by metric family so that HELP and TYPE
// appear once per family even when several collectors write to it.
class MetricsWriter {
 public:
  void counter(std::string_view name, std::string_view help, double value, const MetricLabels& labels = {});
  void gauge(std::string_view name, std::string_view help, double value, const MetricLabels& labels = {});

  // Families in the order they were first written, samples in write order.
  std::string text() const;
  // Samples dropped because of an invalid name or label, or a family
  // written once as a counter and once as a gauge.
  size_t rejected_samples() const { return rejected_samples_; }

 private:
  struct Family {
    std::string name;
    std::string help;
    std::string type;
    std::vector<std::string> samples;
  };

  void add_sample(std::string_view type, std::string_view name, std::string_view help, double value,
                  const MetricLabels& labels);

  std::vector<Family> families_;
  std::unordered_map<std::string, size_t> family_index_;
  size_t rejected_samples_ = 0;
};

// Thread safe: collectors may be added and removed from any thread. render()
// calls every collector under the registry lock, so once remove_collector()
// returns, that collector is never called again. A collector must therefore
// not call add_collector() or remove_collector() itself.
class MetricsRegistry {
 public:
  using Collector = std::function<void(MetricsWriter&)>;

  // Returns an id for remove_collector().
  int add_collector(Collector collector);
  void remove_collector(int id);
  // Runs every collector in the order added and returns the exposition text.
  std::string render();

 private:
  std::mutex mutex_;
  int next_id_ = 1;
  std::map<int, Collector> collectors_;
};

// The Content-Type of the text exposition format.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace sightline::control

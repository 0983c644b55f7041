// MetricsRegistry and MetricsWriter: exact Prometheus text output.
#include "relay/control/metrics_registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace sightline::control {
namespace {

TEST(MetricsRegistry, GroupsFamiliesAcrossCollectors) {
  MetricsRegistry registry;
  registry.add_collector([](MetricsWriter& writer) {
    writer.counter("sightline_packets_received_total", "RTP packets received.", 10, {{"worker", "0"}});
    writer.gauge("sightline_calls", "Calls in progress.", 2);
  });
  registry.add_collector([](MetricsWriter& writer) {
    writer.counter("sightline_packets_received_total", "RTP packets received.", 32, {{"worker", "1"}});
  });

  const std::string expected =
      "# HELP sightline_packets_received_total RTP packets received.\n"
      "# TYPE sightline_packets_received_total counter\n"
      "sightline_packets_received_total{worker=\"0\"} 10\n"
      "sightline_packets_received_total{worker=\"1\"} 32\n"
      "# HELP sightline_calls Calls in progress.\n"
      "# TYPE sightline_calls gauge\n"
      "sightline_calls 2\n";
  EXPECT_EQ(registry.render(), expected);
}

TEST(MetricsRegistry, RemovedCollectorIsNotCalled) {
  MetricsRegistry registry;
  int calls = 0;
  const int id = registry.add_collector([&](MetricsWriter& writer) {
    ++calls;
    writer.gauge("sightline_a", "A.", 1);
  });
  registry.add_collector([](MetricsWriter& writer) { writer.gauge("sightline_b", "B.", 1); });
  registry.remove_collector(id);

  EXPECT_EQ(registry.render(), "# HELP sightline_b B.\n# TYPE sightline_b gauge\nsightline_b 1\n");
  EXPECT_EQ(calls, 0);
}

TEST(MetricsWriter, EscapesLabelValuesAndHelp) {
  MetricsWriter writer;
  writer.gauge("sightline_x", "Line one\nback\\slash", 1, {{"path", "a\"b\\c\nd"}, {"kind", "e"}});
  EXPECT_EQ(writer.text(),
            "# HELP sightline_x Line one\\nback\\\\slash\n"
            "# TYPE sightline_x gauge\n"
            "sightline_x{path=\"a\\\"b\\\\c\\nd\",kind=\"e\"} 1\n");
}

TEST(MetricsWriter, FormatsValues) {
  MetricsWriter writer;
  writer.gauge("sightline_v", "V.", 0.25, {{"case", "fraction"}});
  writer.gauge("sightline_v", "V.", -3, {{"case", "negative"}});
  writer.gauge("sightline_v", "V.", std::numeric_limits<double>::infinity(), {{"case", "inf"}});
  writer.gauge("sightline_v", "V.", std::nan(""), {{"case", "nan"}});
  writer.gauge("sightline_v", "V.", 1e20, {{"case", "large"}});
  EXPECT_EQ(writer.text(),
            "# HELP sightline_v V.\n"
            "# TYPE sightline_v gauge\n"
            "sightline_v{case=\"fraction\"} 0.25\n"
            "sightline_v{case=\"negative\"} -3\n"
            "sightline_v{case=\"inf\"} +Inf\n"
            "sightline_v{case=\"nan\"} NaN\n"
            "sightline_v{case=\"large\"} 1e+20\n");
}

TEST(MetricsWriter, RejectsInvalidSamples) {
  MetricsWriter writer;
  writer.gauge("9starts_with_digit", "Bad.", 1);
  writer.gauge("has-dash", "Bad.", 1);
  writer.gauge("sightline_ok", "Fine.", 1, {{"bad-label", "x"}});
  writer.gauge("sightline_ok", "Fine.", 1, {{"__reserved", "x"}});
  writer.gauge("sightline_ok", "Fine.", 2);
  writer.counter("sightline_ok", "Now a counter.", 3);

  EXPECT_EQ(writer.rejected_samples(), 5u);
  EXPECT_EQ(writer.text(), "# HELP sightline_ok Fine.\n# TYPE sightline_ok gauge\nsightline_ok 2\n");
}

TEST(MetricsRegistry, CollectorsChangeWhileRendering) {
  MetricsRegistry registry;
  registry.add_collector([](MetricsWriter& writer) { writer.gauge("sightline_fixed", "F.", 1); });
  std::thread changer([&] {
    for (int i = 0; i < 500; ++i) {
      const int id = registry.add_collector([](MetricsWriter& writer) { writer.gauge("sightline_temp", "T.", 1); });
      registry.remove_collector(id);
    }
  });
  for (int i = 0; i < 500; ++i) {
    const std::string text = registry.render();
    ASSERT_NE(text.find("sightline_fixed 1\n"), std::string::npos);
  }
  changer.join();
  EXPECT_EQ(registry.render().find("sightline_temp"), std::string::npos);
}

}  // namespace
}  // namespace sightline::control

// Settings and RelayConfig: TOML file, flag overrides, error texts, --help.
#include "relay/control/settings.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include "relay/control/config.h"

namespace sightline::control {
namespace {

using std::chrono::milliseconds;

Settings relay_settings() {
  Settings settings;
  register_relay_settings(settings);
  return settings;
}

FlagsResult apply(Settings& settings, std::vector<const char*> arguments) {
  arguments.insert(arguments.begin(), "sightline");
  return settings.apply_flags(static_cast<int>(arguments.size()), arguments.data());
}

TEST(Settings, FileThenFlagOverride) {
  Settings settings = relay_settings();
  const auto error = settings.load_toml("[media]\nworkers = 2\nfirst-port = 41000\n[control]\nidle-timeout = \"30s\"\n",
                                        "relay.toml");
  ASSERT_FALSE(error.has_value()) << *error;
  EXPECT_EQ(settings.get_integer("media.workers"), 2);
  EXPECT_EQ(settings.get_duration("control.idle-timeout"), milliseconds(30'000));

  const FlagsResult flags = apply(settings, {"serve", "--media.workers", "3", "--control.port=0", "extra"});
  ASSERT_TRUE(flags.ok()) << flags.error;
  EXPECT_EQ(settings.get_integer("media.workers"), 3);
  EXPECT_EQ(settings.get_integer("media.first-port"), 41000);
  EXPECT_EQ(settings.get_integer("control.port"), 0);
  EXPECT_EQ(flags.positional, (std::vector<std::string>{"serve", "extra"}));
  EXPECT_TRUE(settings.is_set("media.workers"));
  EXPECT_FALSE(settings.is_set("log.level"));
}

TEST(Settings, LoadsFileFromDisk) {
  const std::string path = testing::TempDir() + "sightline_settings_test.toml";
  {
    std::ofstream file(path);
    file << "[log]\nlevel = \"debug\"\n";
  }
  Settings settings = relay_settings();
  const auto error = settings.load_file(path);
  std::remove(path.c_str());
  ASSERT_FALSE(error.has_value()) << *error;
  EXPECT_EQ(settings.get_string("log.level"), "debug");

  const auto missing = settings.load_file("/nonexistent/sightline.toml");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->rfind("cannot read config file /nonexistent/sightline.toml", 0), 0u) << *missing;
}

TEST(Settings, UnknownKeyNamesLine) {
  Settings settings = relay_settings();
  const auto error = settings.load_toml("[media]\nworkers = 2\nwrkers = 3\n", "relay.toml");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "relay.toml:3:10: unknown setting \"media.wrkers\"; run with --help to list the settings");
}

TEST(Settings, WrongTypeInFile) {
  Settings settings = relay_settings();
  const auto error = settings.load_toml("[media]\nworkers = \"two\"\n", "relay.toml");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "relay.toml:2:11: media.workers must be an integer from 0 to 256, got a string");
}

TEST(Settings, OutOfRangeInFile) {
  Settings settings = relay_settings();
  const auto error = settings.load_toml("[control]\nport = 70000\n", "relay.toml");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "relay.toml:2:8: control.port must be an integer from 0 to 65535, got 70000");
  EXPECT_EQ(settings.get_integer("control.port"), 8443);
}

TEST(Settings, InvalidToml) {
  Settings settings = relay_settings();
  const auto error = settings.load_toml("[media\nworkers = 2\n", "relay.toml");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->rfind("relay.toml:1:", 0), 0u) << *error;
  EXPECT_NE(error->find("invalid TOML"), std::string::npos) << *error;
}

TEST(Settings, FlagErrors) {
  Settings settings = relay_settings();
  EXPECT_EQ(apply(settings, {"--media.wrkers", "2"}).error,
            "unknown flag --media.wrkers; run with --help to list the flags");
  EXPECT_EQ(apply(settings, {"--media.workers", "two"}).error,
            "flag --media.workers: media.workers must be an integer from 0 to 256, got \"two\"");
  EXPECT_EQ(apply(settings, {"--media.workers=300"}).error,
            "flag --media.workers: media.workers must be an integer from 0 to 256, got 300");
  EXPECT_EQ(apply(settings, {"--media.workers"}).error,
            "flag --media.workers needs a value: an integer from 0 to 256");
  EXPECT_EQ(apply(settings, {"-x"}).error, "unknown flag -x; flags start with -- (run with --help)");
  EXPECT_EQ(apply(settings, {"--control.idle-timeout", "30"}).error,
            "flag --control.idle-timeout: control.idle-timeout must be a duration from 1s to 1h such as 250ms, "
            "30s, 5m or 1h, got \"30\"");
}

TEST(Settings, TypesAndAliases) {
  Settings settings;
  settings.add_boolean("peer.video", "Sends video.", false);
  settings.add_number("peer.loss", "Packet loss fraction to simulate.", 0.0, 0.0, 1.0);
  settings.add_duration("load.duration", "How long the load runs.", milliseconds(10'000), milliseconds(1'000),
                        milliseconds(3'600'000));
  settings.add_alias("seconds", "load.duration");

  const FlagsResult flags = apply(settings, {"--peer.video", "--peer.loss=0.05", "--seconds", "2m", "--", "--x"});
  ASSERT_TRUE(flags.ok()) << flags.error;
  EXPECT_TRUE(settings.get_boolean("peer.video"));
  EXPECT_DOUBLE_EQ(settings.get_number("peer.loss"), 0.05);
  EXPECT_EQ(settings.get_duration("load.duration"), milliseconds(120'000));
  EXPECT_EQ(flags.positional, (std::vector<std::string>{"--x"}));

  // A boolean takes "true" or "false" as the next argument, and nothing else.
  ASSERT_TRUE(apply(settings, {"--peer.video", "false"}).ok());
  EXPECT_FALSE(settings.get_boolean("peer.video"));
  ASSERT_TRUE(apply(settings, {"--peer.video", "true"}).ok());
  EXPECT_TRUE(settings.get_boolean("peer.video"));
  const FlagsResult bare = apply(settings, {"--peer.video", "input.y4m"});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare.positional, (std::vector<std::string>{"input.y4m"}));
  EXPECT_EQ(apply(settings, {"--peer.video=yes"}).error,
            "flag --peer.video: peer.video must be true or false, got \"yes\"");
  EXPECT_FALSE(settings.load_toml("[peer]\nloss = 1\n", "peer.toml").has_value());
  EXPECT_DOUBLE_EQ(settings.get_number("peer.loss"), 1.0);
}

TEST(Settings, ParsesDurations) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("30s"), milliseconds(30'000));
  EXPECT_EQ(parse_duration("5m"), milliseconds(300'000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3'600'000));
  EXPECT_FALSE(parse_duration("30").has_value());
  EXPECT_FALSE(parse_duration("-1s").has_value());
  EXPECT_FALSE(parse_duration("s").has_value());
  EXPECT_FALSE(parse_duration("1.5s").has_value());
}

TEST(Settings, HelpListsEveryKey) {
  Settings settings = relay_settings();
  settings.add_alias("port", "control.port");
  FlagsResult flags = apply(settings, {"--help"});
  EXPECT_TRUE(flags.help_requested);

  const std::string help = settings.help_text("sightline serve [flags]");
  for (const char* key : {"control.bind-address", "control.port", "control.max-message-bytes", "control.max-sessions",
                          "control.idle-timeout", "media.bind-address", "media.announced-address", "media.first-port",
                          "media.workers", "log.level", "data.directory"}) {
    EXPECT_NE(help.find(std::string("--") + key + " <"), std::string::npos) << key;
  }
  EXPECT_NE(help.find("--port  is --control.port"), std::string::npos);
  EXPECT_NE(help.find("Default: 8443."), std::string::npos);
}

TEST(RelayConfig, DefaultsAndAnnouncedAddress) {
  Settings settings = relay_settings();
  RelayConfig config;
  ASSERT_FALSE(make_relay_config(settings, config).has_value());
  EXPECT_EQ(config.control.port, 8443);
  EXPECT_EQ(config.announced_address, "127.0.0.1");
  EXPECT_GE(config.media_workers, 1u);
  EXPECT_EQ(config.first_media_port, 40000);

  ASSERT_TRUE(apply(settings, {"--media.bind-address", "0.0.0.0"}).ok());
  const auto error = make_relay_config(settings, config);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "media.announced-address is required when media.bind-address is the wildcard address 0.0.0.0");

  ASSERT_TRUE(apply(settings, {"--media.announced-address", "192.0.2.10", "--media.workers", "4"}).ok());
  ASSERT_FALSE(make_relay_config(settings, config).has_value());
  EXPECT_EQ(config.announced_address, "192.0.2.10");
  EXPECT_EQ(config.media_workers, 4u);
}

TEST(RelayConfig, UdpGsoSetting) {
  Settings settings = relay_settings();
  RelayConfig config;
  ASSERT_FALSE(make_relay_config(settings, config).has_value());
  EXPECT_TRUE(config.media_udp_gso);

  ASSERT_TRUE(apply(settings, {"--media.udp-gso=false"}).ok());
  ASSERT_FALSE(make_relay_config(settings, config).has_value());
  EXPECT_FALSE(config.media_udp_gso);

  Settings from_file = relay_settings();
  ASSERT_FALSE(from_file.load_toml("[media]\nudp-gso = false\n", "relay.toml").has_value());
  ASSERT_FALSE(make_relay_config(from_file, config).has_value());
  EXPECT_FALSE(config.media_udp_gso);
}

TEST(RelayConfig, RejectsBadValues) {
  Settings settings = relay_settings();
  RelayConfig config;
  ASSERT_TRUE(apply(settings, {"--log.level", "verbose"}).ok());
  auto error = make_relay_config(settings, config);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "log.level must be debug, info, warn or error, got \"verbose\"");

  Settings other = relay_settings();
  ASSERT_TRUE(apply(other, {"--control.bind-address", "localhost"}).ok());
  error = make_relay_config(other, config);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "control.bind-address must be an IPv4 or IPv6 address, got \"localhost\"");

  Settings ports = relay_settings();
  ASSERT_TRUE(apply(ports, {"--media.first-port", "65535", "--media.workers", "2"}).ok());
  error = make_relay_config(ports, config);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "media.first-port 65535 leaves no room for 2 workers below port 65536");
}

TEST(Settings, DetectorThresholds) {
  Settings settings = relay_settings();
  register_service_settings(settings);
  EXPECT_DOUBLE_EQ(settings.get_number("analysis.recording-device-threshold"), 0.25);
  EXPECT_DOUBLE_EQ(settings.get_number("analysis.dress-threshold"), 0.45);

  EXPECT_EQ(apply(settings, {"--analysis.recording-device-threshold", "0.3", "--analysis.dress-threshold=1"}).error, "");
  EXPECT_DOUBLE_EQ(settings.get_number("analysis.recording-device-threshold"), 0.3);
  EXPECT_DOUBLE_EQ(settings.get_number("analysis.dress-threshold"), 1.0);

  EXPECT_EQ(apply(settings, {"--analysis.recording-device-threshold", "1.5"}).error,
            "flag --analysis.recording-device-threshold: analysis.recording-device-threshold must be a number "
            "from 0 to 1, got 1.5");
  const auto error = settings.load_toml("[analysis]\ndress-threshold = -0.1\n", "relay.toml");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "relay.toml:2:19: analysis.dress-threshold must be a number from 0 to 1, got -0.1");
  EXPECT_DOUBLE_EQ(settings.get_number("analysis.dress-threshold"), 1.0);
}

TEST(RelayConfig, ExampleFileLoads) {
  Settings settings = relay_settings();
  register_service_settings(settings);
  const auto error = settings.load_file(std::string(SIGHTLINE_SOURCE_DIR) + "/config/sightline.example.toml");
  ASSERT_FALSE(error.has_value()) << *error;
  RelayConfig config;
  const auto config_error = make_relay_config(settings, config);
  ASSERT_FALSE(config_error.has_value()) << *config_error;
  EXPECT_EQ(config.control.port, 8443);
}

// The example file says its values are the defaults, and operators copy it:
// a default changed in code must change there too.
TEST(RelayConfig, ExampleFileHoldsTheDefaults) {
  Settings settings = relay_settings();
  register_service_settings(settings);
  const auto error = settings.load_file(std::string(SIGHTLINE_SOURCE_DIR) + "/config/sightline.example.toml");
  ASSERT_FALSE(error.has_value()) << *error;
  const std::vector<std::string> differing = settings.values_other_than_defaults();
  std::string listed;
  for (const std::string& line : differing) listed += "\n  " + line;
  EXPECT_TRUE(differing.empty()) << "config/sightline.example.toml differs from the defaults:" << listed;
}

TEST(Settings, ListsValuesOtherThanDefaults) {
  Settings settings;
  settings.add_integer("a.count", "", 3, 0, 10);
  settings.add_string("a.name", "", "x");
  ASSERT_FALSE(settings.load_toml("[a]\ncount = 3\nname = \"y\"\n", "test").has_value());
  EXPECT_EQ(settings.values_other_than_defaults(), std::vector<std::string>{"a.name = \"y\" (default: \"x\")"});
}

}  // namespace
}  // namespace sightline::control

// Wall-clock conversion to the NTP timestamp format of RTCP sender reports.
#include "relay/base/clock.h"

namespace sightline {

namespace {
// Seconds between the NTP epoch (1900-01-01) and the Unix epoch (1970-01-01).
constexpr uint64_t kNtpUnixOffsetSeconds = 2208988800ULL;
}  // namespace

uint64_t ntp_now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count();
  const uint64_t secs = static_cast<uint64_t>(us / 1000000) + kNtpUnixOffsetSeconds;
  const uint64_t frac = (static_cast<uint64_t>(us % 1000000) << 32) / 1000000;
  return (secs << 32) | frac;
}

}  // namespace sightline

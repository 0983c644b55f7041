// Time for the media plane. Logic that keeps timers takes the current time as
// an argument instead of reading a clock, so tests drive it with a fake clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace sightline {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using Duration = SteadyClock::duration;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

inline TimePoint now() { return SteadyClock::now(); }

inline int64_t to_ms(Duration d) { return std::chrono::duration_cast<milliseconds>(d).count(); }
inline int64_t to_us(Duration d) { return std::chrono::duration_cast<microseconds>(d).count(); }

// Wall-clock time in NTP format (RFC 3550 section 4): seconds since 1900 in
// the high 32 bits, fraction in the low 32 bits. Used in sender reports.
uint64_t ntp_now();

}  // namespace sightline

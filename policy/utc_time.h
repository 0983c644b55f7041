// Instants for the policy rules: UTC seconds, the clock the rules read, and
// the ISO-8601 text form in which the store keeps every instant.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sightline::policy {

using UtcTime = std::chrono::sys_seconds;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

// The source of "now" for the rules, so that tests move time by hand.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual UtcTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UtcTime now() const override;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(UtcTime start) : now_(start) {}
  UtcTime now() const override { return now_; }
  void set(UtcTime t) { now_ = t; }
  void advance(std::chrono::seconds d) { now_ += d; }

 private:
  UtcTime now_;
};

// Formats as "2026-03-29T00:30:00Z".
std::string format_utc(UtcTime t);
// Parses exactly the form format_utc writes; nullopt for anything else.
std::optional<UtcTime> parse_utc(std::string_view text);

// Formats a calendar date as "2026-03-29".
std::string format_date(std::chrono::year_month_day date);
// Parses exactly "YYYY-MM-DD" naming a real date; nullopt for anything else.
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);

}  // namespace sightline::policy

// A policy store, of each kind in turn, with one centre in Europe/London
// (open 08:00 to 20:00 every day), one detained individual with a compact and
// a risk assessment, an approved caller and a legal adviser, on a fake clock.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "policy/bookings.h"
#include "policy/compact.h"
#include "policy/records.h"
#include "policy/risk_assessment.h"
#include "test_database.h"

namespace sightline::policy {

inline UtcTime at(const char* text) { return parse_utc(text).value(); }

inline std::vector<OpeningWindow> every_day(int start_minute, int end_minute) {
  std::vector<OpeningWindow> windows;
  for (int weekday = 0; weekday < 7; ++weekday) windows.push_back({weekday, start_minute, end_minute});
  return windows;
}

class PolicyTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    centre_id = records().add_centre("Harmondsworth", "Europe/London", every_day(8 * 60, 20 * 60)).value();
    person_id = records().add_detained_individual(centre_id, "HMD-0412", "Amara Okafor", "A. Okafor").value();
    ASSERT_TRUE(Compacts(*store, clock).record({person_id, std::chrono::year{2026} / 2 / 27, "Igbo", true, "DCO Patel"}).ok());
    ASSERT_TRUE(risk().record(person_id, "DCO Patel", std::chrono::year{2026} / 8 / 1).ok());
    caller_id = records().add_caller(person_id, "Chidi Okafor", "brother", "chidi@example.org").value();
    ASSERT_TRUE(risk().approve_recipient(caller_id, "Security Officer Lee", "none").ok());
    adviser_id = records().add_legal_adviser(person_id, "Ruth Mensah", "+44 20 7946 0000", "Mensah Immigration Law",
                                             "OISC level 3").value();
    ASSERT_TRUE(risk().approve_recipient(adviser_id, "Security Officer Lee", "none").ok());
  }

  Records records() { return Records(*store, clock); }
  RiskAssessments risk() { return RiskAssessments(*store, clock); }
  Bookings bookings() { return Bookings(*store, clock); }

  Result<Booking> book(int64_t recipient, UtcTime slot, std::string terminal = "terminal-1") {
    return bookings().request({person_id, recipient, terminal, slot, std::nullopt});
  }

  // Monday 2 March 2026, 09:00 GMT.
  FakeClock clock{at("2026-03-02T09:00:00Z")};
  int64_t centre_id = 0;
  int64_t person_id = 0;
  int64_t caller_id = 0;
  int64_t adviser_id = 0;
};

}  // namespace sightline::policy

// The people and places the rules are about: centres with their opening
// windows, detained individuals, their recipients (callers and legal
// advisers with the section 84 details) and interpreters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/centre_time_zone.h"
#include "policy/opening_windows.h"
#include "policy/refusal.h"
#include "policy/store.h"

namespace sightline::policy {

struct Centre {
  int64_t id;
  std::string name;
  CentreTimeZone zone;
  std::vector<OpeningWindow> windows;
};

struct DetainedIndividual {
  int64_t id;
  int64_t centre_id;
  std::string centre_reference;
  std::string recorded_name;  // as recorded by the centre
  std::string log_name;       // the name the call log shows
};

enum class RecipientKind { social, legal };

// A recipient belongs to one detained individual, so that retention can
// delete it with that person's data. The same adviser for two clients is
// two rows.
struct Recipient {
  int64_t id;
  int64_t detained_individual_id;
  RecipientKind kind;
  std::string full_name;
  std::string relationship;  // e.g. "sister", or "legal adviser"
  std::string contact;
  std::string firm;           // legal advisers only (section 84 details)
  std::string qualification;  // legal advisers only, e.g. "OISC level 3"
};

struct Interpreter {
  int64_t id;
  std::string full_name;
  std::string languages;
  std::string contact;
};

// How many days ahead a change of opening windows is checked for clock
// changes: a year covers both changes.
constexpr int kAvailabilityCheckDays = 366;

class Records {
 public:
  Records(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Refuses an unknown time zone and windows that give any day of the next
  // year less than 7 hours.
  Result<int64_t> add_centre(const std::string& name, const std::string& time_zone,
                             const std::vector<OpeningWindow>& windows);
  Result<int64_t> set_opening_windows(int64_t centre_id, const std::vector<OpeningWindow>& windows);
  std::optional<Centre> centre(int64_t id);

  Result<int64_t> add_detained_individual(int64_t centre_id, const std::string& centre_reference,
                                          const std::string& recorded_name, const std::string& log_name);
  std::optional<DetainedIndividual> detained_individual(int64_t id);

  Result<int64_t> add_caller(int64_t detained_individual_id, const std::string& full_name,
                             const std::string& relationship, const std::string& contact);
  // Section 84 details: the adviser's firm and qualification are required.
  Result<int64_t> add_legal_adviser(int64_t detained_individual_id, const std::string& full_name,
                                    const std::string& contact, const std::string& firm,
                                    const std::string& qualification);
  std::optional<Recipient> recipient(int64_t id);

  Result<int64_t> add_interpreter(const std::string& full_name, const std::string& languages,
                                  const std::string& contact);
  std::optional<Interpreter> interpreter(int64_t id);

 private:
  std::optional<Refusal> check_windows(const CentreTimeZone& zone, const std::vector<OpeningWindow>& windows);
  void replace_windows(int64_t centre_id, const std::vector<OpeningWindow>& windows);
  Result<int64_t> add_recipient(const Recipient& recipient);

  Store& store_;
  const Clock& clock_;
};

}  // namespace sightline::policy

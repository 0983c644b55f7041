// Join tokens and admission: each participant of a confirmed booking gets a
// signed, single-use token bound to the booking, the participant's role and
// the slot window. At join the relay calls admit(), which returns a code it
// can show to the participant and logs the precise reason for staff.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/refusal.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

// A token becomes valid this long before its slot starts, so that people can
// join early for the ID check, and stays valid until the slot ends.
constexpr minutes kJoinEarly{10};
// The shortest server secret accepted for HMAC-SHA256.
constexpr size_t kJoinSecretMinBytes = 32;

enum class ParticipantRole { detained_individual, recipient, interpreter };
std::string_view to_string(ParticipantRole role);
std::optional<ParticipantRole> parse_participant_role(std::string_view text);

// The call a booking's participants join, as the relay and the call page name it.
std::string call_id_for_booking(int64_t booking_id);
// The call page's role for a participant: terminal, caller or interpreter.
std::string_view call_page_role(ParticipantRole role);

// What a token says about itself, read without checking its signature:
// enough to refuse a token presented for another call before admit() uses
// it up. Only admit() decides.
struct TokenClaims {
  int64_t booking_id = 0;
  ParticipantRole role = ParticipantRole::recipient;
  UtcTime valid_until{};  // the end of the booked slot
};
std::optional<TokenClaims> read_claims(std::string_view token);

enum class Admission {
  allowed,
  invalid_token,
  token_reused_or_expired,
  outside_slot,
  no_compact,
  suspended,
  recipient_not_approved,
};
std::string_view to_string(Admission admission);
// A message for the participant that names no person, restriction or record.
std::string_view participant_message(Admission admission);

class JoinTokens {
 public:
  // Throws std::invalid_argument when `secret` is shorter than kJoinSecretMinBytes.
  JoinTokens(Store& store, std::vector<uint8_t> secret);

  // Issues a token for one participant of a confirmed booking.
  Result<std::string> issue(int64_t booking_id, ParticipantRole role);
  // Checks the token and the rules at `now`; on allowed, the token is used up.
  Admission admit(std::string_view token, UtcTime now);

 private:
  std::string sign(std::string_view payload) const;
  Admission check_booking(int64_t booking_id, std::string_view token_id, UtcTime now);

  Store& store_;
  std::vector<uint8_t> secret_;
};

// Rejoin tickets let a participant whose page reloaded or lost its
// connection return to its call: a join link admits once, so the first
// admission issues a random ticket that only that browser keeps, valid until
// the slot ends. Only hashes are held, in memory: a restart forgets them.
class RejoinTickets {
 public:
  // Returns a new ticket for the participant, replacing any earlier one.
  std::string issue(const std::string& call_id, const std::string& participant_id, UtcTime valid_until);
  // True when `ticket` is the participant's current ticket and has not expired.
  bool valid(const std::string& call_id, const std::string& participant_id, std::string_view ticket, UtcTime now);

 private:
  struct Entry {
    std::string hash;
    UtcTime valid_until;
  };
  void forget_expired(UtcTime now);

  std::map<std::pair<std::string, std::string>, Entry> tickets_;
};

}  // namespace sightline::policy

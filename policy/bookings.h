// Call bookings (DSO 01/2020 paragraphs 10, 12 and 16): a 30-minute slot in
// the centre's opening windows, requested at least 24 hours ahead naming the
// recipient, with urgent requests approved by an officer. Legal calls win
// slot conflicts with social calls. Every refusal is kept with its reason and
// reported to the security team.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/records.h"
#include "policy/refusal.h"
#include "policy/store.h"
#include "policy/utc_time.h"

namespace sightline::policy {

// Bookings are requested at least this long before the slot starts.
constexpr hours kMinimumNotice{24};

enum class BookingState { confirmed, pending_review, refused };
std::string_view to_string(BookingState state);

// An officer's approval of a request made inside the minimum notice.
struct UrgentApproval {
  std::string officer;
  std::string reason;
};

struct BookingRequest {
  int64_t detained_individual_id;
  int64_t recipient_id;
  std::string terminal;  // the fixed terminal or tablet in the centre
  UtcTime slot_start;
  std::optional<UrgentApproval> urgent;
};

struct Booking {
  int64_t id;
  int64_t centre_id;
  int64_t detained_individual_id;
  int64_t recipient_id;
  RecipientKind kind;
  std::string terminal;
  UtcTime slot_start;
  UtcTime requested_at;
  BookingState state;
  std::string refusal_reason;  // empty unless refused

  UtcTime slot_end() const { return slot_start + kSlotLength; }
};

class Bookings {
 public:
  Bookings(Store& store, const Clock& clock) : store_(store), clock_(clock), records_(store, clock) {}

  // Returns the booking, confirmed or held for review when the recipient is
  // not yet approved. A refusal is also stored as a refused booking (when
  // the person and recipient exist) and as an incident report.
  Result<Booking> request(const BookingRequest& request);

  // Adds an interpreter as a participant, as a reasonable adjustment.
  Result<int64_t> add_interpreter(int64_t booking_id, int64_t interpreter_id, const std::string& adjustment);
  std::vector<int64_t> interpreters(int64_t booking_id);

  std::optional<Booking> booking(int64_t id);

 private:
  std::optional<Refusal> check_rules(const BookingRequest& request, const Centre& centre, const Recipient& recipient);
  std::optional<Refusal> resolve_conflicts(const BookingRequest& request, const Centre& centre,
                                           RecipientKind kind, int64_t new_booking_id);
  int64_t insert(const BookingRequest& request, int64_t centre_id, RecipientKind kind, BookingState state,
                 const std::string& refusal_reason);
  Refusal refuse(const Refusal& refusal, std::optional<int64_t> centre_id, std::optional<int64_t> booking_id,
                 const BookingRequest& request);

  Store& store_;
  const Clock& clock_;
  Records records_;
};

}  // namespace sightline::policy

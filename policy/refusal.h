// The outcome of a rule: a value, or a refusal with a code for programs and a
// reason for people. Refusals are expected outcomes, never exceptions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sightline::policy {

enum class RefusalCode {
  not_found,
  invalid_input,
  no_compact,
  no_risk_assessment,
  recipient_rejected,
  suspended,
  slot_in_past,
  slot_off_grid,
  short_notice,
  urgent_reason_missing,
  slot_taken,
  displaced_by_legal_call,
  availability_below_minimum,
  category_not_video_call_use,
  authorisation_required,
  same_manager,
  already_decided,
};

std::string_view to_string(RefusalCode code);

struct Refusal {
  RefusalCode code;
  std::string reason;  // a sentence for staff, naming the value that failed
};

template <class T>
class Result {
 public:
  Result(T value) : outcome_(std::move(value)) {}
  Result(Refusal refusal) : outcome_(std::move(refusal)) {}

  bool ok() const { return std::holds_alternative<T>(outcome_); }
  const T& value() const { return std::get<T>(outcome_); }
  const Refusal& refusal() const { return std::get<Refusal>(outcome_); }

 private:
  std::variant<T, Refusal> outcome_;
};

}  // namespace sightline::policy

// Names of refusal codes, as stored and shown in reports.
#include "policy/refusal.h"

namespace sightline::policy {

std::string_view to_string(RefusalCode code) {
  switch (code) {
    case RefusalCode::not_found: return "not_found";
    case RefusalCode::invalid_input: return "invalid_input";
    case RefusalCode::no_compact: return "no_compact";
    case RefusalCode::no_risk_assessment: return "no_risk_assessment";
    case RefusalCode::recipient_rejected: return "recipient_rejected";
    case RefusalCode::suspended: return "suspended";
    case RefusalCode::slot_in_past: return "slot_in_past";
    case RefusalCode::slot_off_grid: return "slot_off_grid";
    case RefusalCode::short_notice: return "short_notice";
    case RefusalCode::urgent_reason_missing: return "urgent_reason_missing";
    case RefusalCode::slot_taken: return "slot_taken";
    case RefusalCode::displaced_by_legal_call: return "displaced_by_legal_call";
    case RefusalCode::availability_below_minimum: return "availability_below_minimum";
    case RefusalCode::category_not_video_call_use: return "category_not_video_call_use";
    case RefusalCode::authorisation_required: return "authorisation_required";
    case RefusalCode::same_manager: return "same_manager";
    case RefusalCode::already_decided: return "already_decided";
  }
  return "unknown";
}

}  // namespace sightline::policy

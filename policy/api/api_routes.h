// Internal to policy/api: the route handlers, one group per resource file.
#pragma once

#include "policy/api/api_context.h"

namespace sightline::policy::api::routes {

// session_routes.cpp
control::HttpResponse sign_in(ApiContext& context);
control::HttpResponse sign_out(ApiContext& context);
control::HttpResponse me(ApiContext& context);

// record_routes.cpp
control::HttpResponse list_centres(ApiContext& context);
control::HttpResponse add_centre(ApiContext& context);
control::HttpResponse list_detained_individuals(ApiContext& context);
control::HttpResponse add_detained_individual(ApiContext& context);
control::HttpResponse show_detained_individual(ApiContext& context);
control::HttpResponse add_recipient(ApiContext& context);
control::HttpResponse list_interpreters(ApiContext& context);
control::HttpResponse add_interpreter(ApiContext& context);

// safeguard_routes.cpp: compacts, risk assessments and recipient reviews
control::HttpResponse record_compact(ApiContext& context);
control::HttpResponse record_risk_assessment(ApiContext& context);
control::HttpResponse list_pending_reviews(ApiContext& context);
control::HttpResponse approve_recipient(ApiContext& context);
control::HttpResponse reject_recipient(ApiContext& context);

// booking_routes.cpp
control::HttpResponse list_bookings(ApiContext& context);
control::HttpResponse request_booking(ApiContext& context);
control::HttpResponse add_booking_interpreter(ApiContext& context);
control::HttpResponse issue_join_links(ApiContext& context);

// suspension_routes.cpp: suspensions, appeals and what is overdue
control::HttpResponse list_suspensions(ApiContext& context);
control::HttpResponse suspend(ApiContext& context);
control::HttpResponse review_suspension(ApiContext& context);
control::HttpResponse suspension_notice(ApiContext& context);
control::HttpResponse list_appeals(ApiContext& context);
control::HttpResponse lodge_appeal(ApiContext& context);
control::HttpResponse decide_appeal(ApiContext& context);
control::HttpResponse list_overdue(ApiContext& context);

// incident_routes.cpp: incident reports and the staff audit log
control::HttpResponse list_incident_reports(ApiContext& context);
control::HttpResponse export_incident_reports(ApiContext& context);
control::HttpResponse mark_incident_reviewed(ApiContext& context);
control::HttpResponse list_audit_log(ApiContext& context);

// supervision_routes.cpp: welfare checks and alert decision counts
control::HttpResponse list_welfare_checks(ApiContext& context);
control::HttpResponse request_welfare_check(ApiContext& context);
control::HttpResponse complete_welfare_check(ApiContext& context);
control::HttpResponse list_alert_decisions(ApiContext& context);

}  // namespace sightline::policy::api::routes

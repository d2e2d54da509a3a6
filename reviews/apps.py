from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Serious incidents and reviews"

    def ready(self):
        from partnerships.choices import Role
        from safeguarding import permissions
        from safeguarding.navigation import Destination, register
        from safeguarding.retention import REMOVED_TEXT, Related, RetentionRule
        from safeguarding.retention import register as register_retention

        from .models import (
            AgencyReturn,
            Extension,
            IncidentChild,
            PracticeReview,
            RapidReview,
            SeriousIncident,
        )
        from .policies import AgencyReturnReach, CaseRecordReach
        from .selectors import DASHBOARD_ROLES

        register(
            Destination(
                "Rapid reviews",
                "reviews:review-list",
                "Serious incidents, rapid reviews on the 15-working-day clock and agency returns.",
                order=20,
            )
        )
        register(
            Destination(
                "Practice reviews",
                "reviews:practice-review-list",
                "Local child safeguarding practice reviews, their milestones and publication.",
                order=21,
            )
        )
        register(
            Destination(
                "Reviews dashboard",
                "reviews:dashboard",
                "Open reviews against their deadlines, returns outstanding and actions overdue.",
                roles=DASHBOARD_ROLES,
                order=22,
            )
        )
        register_retention(
            RetentionRule(
                model=IncidentChild,
                counted_from="incident__became_aware_on",
                # Review records are kept long after the child has grown up; admins can change it.
                default_years=25,
                replacements={
                    "first_name": "Removed",
                    "last_name": "Removed",
                    "date_of_birth": None,
                },
            )
        )
        # The case's free text can name the child: the incident's summary, the meeting's notes,
        # immediate safety actions and decision reasons, extensions' reasons and each agency's
        # chronology. Dates, decisions, sign-offs and the learning stay.
        register_retention(
            RetentionRule(
                model=SeriousIncident,
                counted_from="became_aware_on",
                default_years=25,
                replacements={"summary": REMOVED_TEXT},
                related=(
                    Related(
                        RapidReview,
                        "incident",
                        {
                            "meeting_notes": REMOVED_TEXT,
                            "immediate_safety_actions": REMOVED_TEXT,
                            "decision_reasons": REMOVED_TEXT,
                        },
                    ),
                    Related(Extension, "rapid_review__incident", {"reason": REMOVED_TEXT}),
                    Related(
                        AgencyReturn,
                        "rapid_review__incident",
                        {"chronology": REMOVED_TEXT, "summary": REMOVED_TEXT},
                    ),
                ),
            )
        )
        # Who reaches a case record follows from its partnership and its incident's agencies
        # (policies.py); extensions, sign-offs and milestones are shown only on their review.
        permissions.register(SeriousIncident, CaseRecordReach("pk"))
        permissions.register(IncidentChild, CaseRecordReach("incident"))
        permissions.register(RapidReview, CaseRecordReach("incident"))
        permissions.register(AgencyReturn, AgencyReturnReach())
        permissions.register(
            PracticeReview,
            CaseRecordReach(
                "rapid_review__incident", published_readers=(Role.INDEPENDENT_SCRUTINEER,)
            ),
        )

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Serious incidents and reviews"

    def ready(self):
        from safeguarding.navigation import Destination, register
        from safeguarding.retention import REMOVED_TEXT, Related, RetentionRule
        from safeguarding.retention import register as register_retention

        from .models import AgencyReturn, Extension, IncidentChild, RapidReview, SeriousIncident
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
        # Every review record uses the default policy: object permissions granted to the
        # partnership's and the involved agencies' groups when the record is created.

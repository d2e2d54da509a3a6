from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Serious incidents and reviews"

    def ready(self):
        from safeguarding.navigation import Destination, register
        from safeguarding.retention import RetentionRule
        from safeguarding.retention import register as register_retention

        from .models import IncidentChild
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
        # Every review record uses the default policy: object permissions granted to the
        # partnership's and the involved agencies' groups when the record is created.

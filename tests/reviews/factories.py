"""Review records built through the services, so permissions are granted as in real life.

Named by state: an incident, a review gathering information, one decided, one signed off by
all three partners, one submitted.
"""

from datetime import date

import factory
from django.utils import timezone

from partnerships.management.commands.seed_demo import RIVERSIDE
from partnerships.models import Agency, Partnership, User
from reviews import services
from reviews.models import RapidReview, SeriousIncident

# Agencies the demo incident involves: the council, the three partners and the health trust.
# St Anne's Primary School is deliberately not involved.
INVOLVED = (
    "Riverside Council",
    "Riverside and Hillford ICB",
    "Midshire Police",
    "Riverside Community Health NHS Trust",
)
PARTNER_DELEGATES = ("lead.la", "lead.health", "lead.police")


def user(username):
    return User.objects.get(username=username)


class SeriousIncidentFactory(factory.Factory):
    class Meta:
        model = SeriousIncident

    partnership = factory.LazyFunction(lambda: Partnership.objects.get(name=RIVERSIDE))
    local_authority = factory.LazyFunction(lambda: Agency.objects.get(name="Riverside Council"))
    incident_type = "serious_harm"
    looked_after = False
    categories = factory.LazyFunction(lambda: ["neglect", "physical"])
    children = factory.LazyFunction(
        lambda: [{"first_name": "Alex", "last_name": "Example", "date_of_birth": date(2024, 3, 1)}]
    )
    became_aware_on = date(2026, 11, 20)
    summary = "A baby was admitted to hospital with unexplained injuries."
    agencies_involved = factory.LazyFunction(lambda: list(Agency.objects.filter(name__in=INVOLVED)))
    by = factory.LazyFunction(lambda: user("business.riverside"))

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.incident_create(**kwargs)


class NotifiedIncidentFactory(SeriousIncidentFactory):
    notified_on = date(2026, 11, 20)

    @classmethod
    def _create(cls, model_class, notified_on, **kwargs):
        incident = services.incident_create(**kwargs)
        return services.incident_record_notification(
            incident=incident, notified_on=notified_on, by=kwargs["by"]
        )


class RapidReviewFactory(factory.Factory):
    """A rapid review gathering information from the involved agencies."""

    class Meta:
        model = RapidReview

    incident = factory.SubFactory(NotifiedIncidentFactory)
    by = factory.LazyFunction(lambda: user("business.riverside"))

    @classmethod
    def _create(cls, model_class, **kwargs):
        return cls.advance(services.rapid_review_create(**kwargs), kwargs["by"])

    @classmethod
    def advance(cls, review, by):
        return review


class DecidedRapidReviewFactory(RapidReviewFactory):
    @classmethod
    def advance(cls, review, by):
        services.rapid_review_record_meeting(
            review=review,
            held_on=review.incident.became_aware_on,
            attendees="Business team; the three partners; the health trust",
            notes="Agency returns considered.",
            immediate_safety_actions="Siblings seen and safe.",
            learning="Bruising in non-mobile babies was not escalated.",
            by=by,
        )
        return services.rapid_review_decide(
            review=review,
            decision="lcspr",
            reasons="Practice learning across agencies justifies a local review.",
            by=by,
        )


class SignedOffRapidReviewFactory(DecidedRapidReviewFactory):
    @classmethod
    def advance(cls, review, by):
        review = super().advance(review, by)
        for username in PARTNER_DELEGATES:
            services.rapid_review_sign_off(review=review, by=user(username))
        review.refresh_from_db()
        return review


class SubmittedRapidReviewFactory(SignedOffRapidReviewFactory):
    @classmethod
    def advance(cls, review, by):
        review = super().advance(review, by)
        return services.rapid_review_submit(review=review, submitted_on=timezone.localdate(), by=by)

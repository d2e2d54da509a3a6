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


def make_reviews(partnership, count: int, *, first_aware_on=date(2026, 9, 1)):
    """`count` rapid reviews in bulk, readable by the partnership's business team and partners.

    Every fourth one has been submitted (alternately on time and a day late), so lists and
    dashboards have a realistic mix. Built with bulk_create: query budgets need many rows fast.
    """
    from datetime import timedelta

    from reviews.models import AgencyReturn

    council = Agency.objects.get(name="Riverside Council")
    start = SeriousIncident.objects.count()
    incidents = SeriousIncident.objects.bulk_create(
        SeriousIncident(
            reference=f"SI-BULK-{start + i:06d}",
            partnership=partnership,
            local_authority=council,
            incident_type="serious_harm",
            categories=["neglect"],
            became_aware_on=first_aware_on + timedelta(days=i % 80),
            notification_due_on=first_aware_on + timedelta(days=i % 80 + 7),
            summary="Bulk incident for a query budget.",
        )
        for i in range(count)
    )
    reviews = []
    for i, incident in enumerate(incidents):
        due_on = incident.became_aware_on + timedelta(days=21)
        submitted = i % 4 == 0
        reviews.append(
            RapidReview(
                incident=incident,
                partnership=partnership,
                clock_started_on=incident.became_aware_on,
                original_due_on=due_on,
                due_on=due_on,
                returns_due_on=due_on - timedelta(days=7),
                status="submitted" if submitted else "gathering",
                submitted_on=due_on + timedelta(days=i % 8 // 4) if submitted else None,
            )
        )
    reviews = RapidReview.objects.bulk_create(reviews)
    AgencyReturn.objects.bulk_create(
        AgencyReturn(
            rapid_review=r, partnership=partnership, agency=council, due_on=r.returns_due_on
        )
        for r in reviews
    )
    return reviews


def remove_demo_reviews():
    """Start from no reviews: the demo's rapid review would otherwise join every count."""
    from safeguarding.models import Notification

    Notification.objects.all().delete()
    RapidReview.objects.all().delete()
    SeriousIncident.objects.all().delete()

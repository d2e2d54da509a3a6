"""Referrals and escalations in each state, made through the services (so permissions hold)."""

from datetime import date

import factory
from django.utils import timezone

from partnerships.models import Agency, User
from referrals import services
from referrals.choices import ReferralStatus
from referrals.models import Referral
from tests.personas import FRONT_DOOR_HILLFORD, PRACTITIONER_HEALTH

VALID_NHS_NUMBER = "9434765919"


def child_details(**overrides) -> dict:
    return {
        "first_name": "Maya",
        "last_name": "Brook",
        "date_of_birth": date(2019, 5, 4),
        "postcode": "HF1 2AB",
        "address": "1 Mill Lane, Hillford",
        **overrides,
    }


class ServiceFactory(factory.Factory):
    """A factory whose objects are made by a service, given the factory's attributes."""

    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("Made through a service: use create().")


class SubmittedReferralFactory(ServiceFactory):
    """A referral sent to the front door of Hillford Council by practitioner.health."""

    class Meta:
        model = Referral

    referrer = factory.LazyFunction(lambda: User.objects.get(username=PRACTITIONER_HEALTH))
    local_authority = factory.LazyFunction(lambda: Agency.objects.get(name="Hillford Council"))
    child = factory.LazyFunction(child_details)
    concerns = "Bruising on both arms, explained differently by each parent."
    categories = factory.LazyFunction(lambda: ["physical"])
    immediate_danger = False
    consent = "given"
    reason_without_consent = ""
    received_at = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.referral_create(**kwargs)


class DecidedReferralFactory(SubmittedReferralFactory):
    """A referral the front door has decided (early help)."""

    decided_by = factory.LazyFunction(lambda: User.objects.get(username="frontdoor.hillford"))
    decision = "early_help"
    reasons = "Family support worker allocated; parents agree to a plan."

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        by, decision, reasons = (kwargs.pop(k) for k in ("decided_by", "decision", "reasons"))
        referral = services.referral_create(**kwargs)
        return services.referral_decide(
            referral=referral, by=by, decision=decision, reasons=reasons
        )


class DraftReferralFactory(ServiceFactory):
    """A referral started but not sent: only its referrer sees it."""

    class Meta:
        model = Referral

    referrer = factory.LazyFunction(lambda: User.objects.get(username=PRACTITIONER_HEALTH))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.referral_draft_create(**kwargs)


class BulkReferralFactory(factory.django.DjangoModelFactory):
    """A bare submitted referral row with no permission grants, for making thousands.

    Use `bulk_referrals(n)`, which looks the referrer and front door up once.
    """

    class Meta:
        model = Referral

    referrer = factory.LazyFunction(lambda: User.objects.get(username=PRACTITIONER_HEALTH))
    referrer_agency = factory.LazyAttribute(lambda r: r.referrer.agency)
    front_door = factory.LazyFunction(lambda: Agency.objects.get(name="Hillford Council"))
    partnership = factory.LazyAttribute(lambda r: services.front_door_partnership(r.front_door))
    status = ReferralStatus.SUBMITTED
    received_at = factory.LazyFunction(timezone.now)
    decision_due_on = factory.LazyFunction(timezone.localdate)
    concerns = "A worry."
    consent = "given"


class OpenEscalationFactory(ServiceFactory):
    """A disagreement raised by practitioner.health with Hillford Council's front door."""

    class Meta:
        model = services.Escalation

    raised_by = factory.LazyFunction(lambda: User.objects.get(username=PRACTITIONER_HEALTH))
    against_agency = factory.LazyFunction(lambda: Agency.objects.get(name="Hillford Council"))
    decision_disputed = "No further action on a referral about bruising."
    reason = "The injuries were not explained and a sibling was hurt last year."
    outcome_sought = "A strategy discussion."
    theme = "threshold"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.escalation_create(**kwargs)


def bulk_referrals(count: int, **overrides) -> list[Referral]:
    """Unsaved submitted referrals from practitioner.health to Hillford, for bulk_create."""
    referrer = User.objects.select_related("agency").get(username=PRACTITIONER_HEALTH)
    front_door = Agency.objects.get(name="Hillford Council")
    defaults = {
        "referrer": referrer,
        "referrer_agency": referrer.agency,
        "front_door": front_door,
        "partnership": services.front_door_partnership(front_door),
    }
    return BulkReferralFactory.build_batch(count, **{**defaults, **overrides})


def referral_shared_with_the_police(demo) -> Referral:
    """A Riverside referral that Hillford's front door has shared with Midshire Police."""
    referral = SubmittedReferralFactory()
    services.information_sharing_record(
        referral=referral,
        by=demo.user(FRONT_DOOR_HILLFORD),
        agency=demo.agency("Midshire Police"),
        reason="Police are holding a strategy discussion.",
        lawful_basis="safeguarding",
    )
    return referral

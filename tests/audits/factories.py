"""Audits and self-assessments for tests, made through the services so grants are real."""

from datetime import timedelta

import factory
from django.utils import timezone

from audits import services
from audits.choices import Grade, SelfAssessmentKind
from audits.models import Audit, AuditReturn, SelfAssessmentRound
from partnerships.management.commands.seed_demo import RIVERSIDE
from partnerships.models import Agency, Partnership, User

NEGLECT_AGENCIES = ("Riverside Council", "Midshire Police", "Riverside Community Health NHS Trust")


class AuditFactory(factory.Factory):
    """An audit in Riverside with the council, the police and the community health trust."""

    class Meta:
        model = Audit

    partnership = factory.LazyFunction(lambda: Partnership.objects.get(name=RIVERSIDE))
    title = factory.Sequence(lambda n: f"Neglect audit {n}")
    theme = "neglect"
    agencies = factory.LazyFunction(lambda: list(Agency.objects.filter(name__in=NEGLECT_AGENCIES)))
    questions = ("Was neglect recognised early?",)
    references = factory.Sequence(lambda n: [f"T{n}-001", f"T{n}-002"])
    return_due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=21))
    by = factory.LazyFunction(lambda: User.objects.get(username="business.riverside"))

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.audit_create(**kwargs)


def complete_return(audit_return: AuditReturn, *, by=None, grade=Grade.GOOD, **fields):
    """Submit a return with every required answer filled in."""
    by = by or audit_return.agency.staff.first()
    answers = {q.pk: "Yes, by the health visitor." for q in audit_return.audit.questions.all()}
    values = {
        "grade": grade,
        "worked_well": "Information was shared quickly.",
        "worries": "Nobody asked the child.",
        "child_voice_heard": False,
        **fields,
    }
    return services.audit_return_save(
        audit_return=audit_return, by=by, submit=True, answers=answers, **values
    )


class SelfAssessmentRoundFactory(factory.Factory):
    class Meta:
        model = SelfAssessmentRound

    partnership = factory.LazyFunction(lambda: Partnership.objects.get(name=RIVERSIDE))
    kind = SelfAssessmentKind.S11
    year = factory.Sequence(lambda n: 2030 + n)
    deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    agencies = factory.LazyFunction(
        lambda: list(Agency.objects.filter(name__in=("Midshire Police", "Riverside Council")))
    )
    by = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.self_assessment_round_create(**kwargs)

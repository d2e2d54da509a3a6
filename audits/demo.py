"""Demo audits and self-assessments: a neglect audit and this year's Section 11 rounds."""

from datetime import timedelta

from django.utils import timezone

from partnerships.management.commands.seed_demo import NORTHGATE, RIVERSIDE
from partnerships.models import Agency, User

from .choices import SelfAssessmentKind
from .models import Audit, SelfAssessmentRound
from .services import audit_create, self_assessment_round_create

NEGLECT_AUDIT = "Neglect: children under five known to three agencies"
NEGLECT_AGENCIES = ("Riverside Council", "Midshire Police", "Riverside Community Health NHS Trust")
NEGLECT_QUESTIONS = (
    "Was neglect recognised early, and by whom?",
    "Did agencies share what they knew about the home conditions?",
)
S11_AGENCIES = {
    RIVERSIDE: (
        "Riverside Council",
        "Riverside and Hillford ICB",
        "Midshire Police",
        "Riverside Community Health NHS Trust",
    ),
    # Midshire Police serves both partnerships and completes one return for both.
    NORTHGATE: ("Northgate Council", "Midshire Police"),
}


def seed(*, partnerships):
    today = timezone.localdate()
    riverside = partnerships[RIVERSIDE]
    if not Audit.objects.filter(partnership=riverside, title=NEGLECT_AUDIT).exists():
        audit_create(
            partnership=riverside,
            title=NEGLECT_AUDIT,
            theme="neglect",
            scope="Children under five open to children's social care between April and June.",
            agencies=Agency.objects.filter(name__in=NEGLECT_AGENCIES),
            questions=NEGLECT_QUESTIONS,
            references=[f"RH-NEG-{n:03d}" for n in (14, 27, 31)],
            return_due_on=today + timedelta(days=28),
            moderation_on=today + timedelta(days=42),
            by=User.objects.get(username="business.riverside"),
        )
    for name, agency_names in S11_AGENCIES.items():
        partnership = partnerships[name]
        if not SelfAssessmentRound.objects.filter(
            partnership=partnership, kind=SelfAssessmentKind.S11, year=today.year
        ).exists():
            self_assessment_round_create(
                partnership=partnership,
                kind=SelfAssessmentKind.S11,
                year=today.year,
                deadline=today + timedelta(days=60),
                agencies=Agency.objects.filter(name__in=agency_names),
                by=None,
            )

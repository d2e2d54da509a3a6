"""Demo audits and self-assessments: a neglect audit and this year's Section 11 rounds."""

from datetime import date, timedelta

from django.utils import timezone

from partnerships.management.commands.seed_demo import NORTHGATE, RIVERSIDE
from partnerships.models import Agency, User

from .choices import Rating, SelfAssessmentKind
from .models import Audit, SelfAssessment, SelfAssessmentRound
from .services import audit_create, self_assessment_round_create, self_assessment_save

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
    _last_years_police_return(partnerships[RIVERSIDE], today)
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


def _last_years_police_return(partnership, today):
    """Last year's submitted Section 11 return from Midshire Police: this year starts from it."""
    year = today.year - 1
    if SelfAssessmentRound.objects.filter(
        partnership=partnership, kind=SelfAssessmentKind.S11, year=year
    ).exists():
        return
    self_assessment_round_create(
        partnership=partnership,
        kind=SelfAssessmentKind.S11,
        year=year,
        deadline=date(year, 12, 31),
        agencies=Agency.objects.filter(name="Midshire Police"),
        by=None,
    )
    assessment = SelfAssessment.objects.get(
        agency__name="Midshire Police", kind=SelfAssessmentKind.S11, year=year
    )
    ratings = {
        code: {"rating": Rating.MET, "evidence": "Force policy and annual audit."}
        for code in assessment.ratings.values_list("code", flat=True)
    }
    ratings["s11-5"] = {
        "rating": Rating.PARTLY_MET,
        "evidence": "Escalation policy published; response officers unaware of it.",
        "action_plan": "Brief every response team on escalation by March.",
    }
    self_assessment_save(
        assessment=assessment,
        by=User.objects.get(username="lead.police"),
        ratings=ratings,
        submit=True,
    )

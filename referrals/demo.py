"""Fictional referrals and an escalation so the demo shows the front door at work, and the
assessment's and the conference's clocks its decisions start. Idempotent."""

from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from partnerships.models import Agency, User
from safeguarding.models import Notification

from . import services
from .models import Referral

# (referrer, council, child, concerns, categories, immediate danger, consent, decision)
REFERRALS = [
    (
        "practitioner.health",
        "Hillford Council",
        {
            "first_name": "Maya",
            "last_name": "Brook",
            "date_of_birth": date(2021, 3, 14),
            "address": "12 Mill Lane, Hillford",
            "postcode": "HF1 2AB",
            "nhs_number": "9434765919",
        },
        "At a home visit Maya had bruises on both upper arms. Her mother and her mother's "
        "partner gave different explanations. Maya was quiet and flinched when approached.",
        ["physical", "domestic_abuse"],
        False,
        "given",
        None,
    ),
    (
        "dsl.school",
        "Riverside Council",
        {
            "first_name": "Leo",
            "last_name": "Fenwick",
            "date_of_birth": date(2017, 9, 2),
            "address": "4 Canal Row, Riverside",
            "postcode": "RV2 7QT",
            "school": "St Anne's Primary School",
        },
        "Leo has come to school hungry and in the same clothes all week. Attendance is 71%.",
        ["neglect"],
        False,
        "given",
        ("frontdoor.riverside", "early_help", "Early help assessment offered; family agree."),
    ),
    (
        "practitioner.police",
        "Hillford Council",
        {
            "first_name": "Jade",
            "last_name": "Okoro",
            "date_of_birth": date(2011, 1, 20),
            "address": "Flat 3, 8 Station Road, Hillford",
            "postcode": "HF3 9LN",
        },
        "Jade was found with older men at a house known for drug supply, missing for two days.",
        ["exploitation"],
        True,
        "not_sought",
        ("frontdoor.hillford", "strategy_discussion", "Strategy discussion held the same day."),
    ),
    (
        "practitioner.health",
        "Riverside Council",
        {
            "first_name": "Ava",
            "last_name": "Marsh",
            "date_of_birth": date(2024, 6, 30),
            "address": "22 Weir Street, Riverside",
            "postcode": "RV1 4DW",
        },
        "Ava's mother has told the health visitor she cannot cope since the birth of twins and "
        "has missed Ava's last three appointments.",
        ["neglect", "emotional"],
        False,
        "given",
        (
            "frontdoor.riverside",
            "child_in_need_assessment",
            "A social worker will assess the family's needs with the health visitor.",
        ),
    ),
]


def seed(*, partnerships) -> None:
    made = []
    for referrer_name, council, child, concerns, categories, danger, consent, decision in REFERRALS:
        referrer = User.objects.get(username=referrer_name)
        if Referral.objects.filter(referrer=referrer, concerns=concerns).exists():
            continue
        referral = services.referral_create(
            referrer=referrer,
            child=child,
            local_authority=Agency.objects.get(name=council),
            concerns=concerns,
            categories=categories,
            immediate_danger=danger,
            consent=consent,
            reason_without_consent="Asking the family could put Jade at greater risk."
            if consent != "given"
            else "",
            household={"parents_and_carers": "Parent details given by phone to the front door."},
        )
        made.append(referral)
        if decision:
            decider, outcome, reasons = decision
            services.referral_decide(
                referral=referral,
                by=User.objects.get(username=decider),
                decision=outcome,
                reasons=reasons,
                quality_rating="good",
            )
            if outcome == "strategy_discussion":
                # Held the day it was decided: the conference's clock starts from it.
                services.referral_strategy_discussion_record(
                    referral=referral,
                    by=User.objects.get(username=decider),
                    held_on=timezone.localdate(referral.received_at),
                )
            if outcome == "early_help":
                made.append(
                    services.escalation_create(
                        raised_by=referrer,
                        referral=referral,
                        against_agency=referral.front_door,
                        decision_disputed="Early help on referral " + referral.reference,
                        reason="Neglect has lasted months; early help was tried last year.",
                        outcome_sought="A child in need assessment.",
                        theme="threshold",
                    )
                )
    # Fictional children: nobody is notified about them when the demo loads.
    for record in made:
        Notification.objects.filter(
            subject_type=ContentType.objects.get_for_model(record), subject_id=record.pk
        ).delete()

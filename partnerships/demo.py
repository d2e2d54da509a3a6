"""Demo multi-agency training for Riverside and Hillford, so the yearly report's training
section and the training pages have something to show. Idempotent."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from .management.commands.seed_demo import RIVERSIDE
from .models import Agency, TrainingEvent, User
from .services import training_event_record

# (title, days ago, theme, learning it came from, audience, attendance by agency, total, score)
TRAINING = [
    (
        "Recognising neglect in children under five",
        30,
        "neglect",
        "The neglect audit found home conditions were seen but not shared between agencies.",
        ("Riverside Council", "Riverside Community Health NHS Trust", "St Anne's Primary School"),
        {
            "Riverside Council": 14,
            "Riverside Community Health NHS Trust": 9,
            "St Anne's Primary School": 6,
        },
        32,
        Decimal("4.4"),
    ),
    (
        "Bruising in babies who are not yet mobile",
        75,
        "physical_abuse",
        "A rapid review: a seven-month-old's bruising was not referred on.",
        ("Riverside Community Health NHS Trust", "Riverside and Hillford ICB", "Midshire Police"),
        {"Riverside Community Health NHS Trust": 18, "Midshire Police": 7},
        None,
        Decimal("4.7"),
    ),
    (
        "Escalating a disagreement: the partnership's procedure",
        160,
        "professional_curiosity",
        "Escalations stalled at stage 1 because practitioners did not know the next step.",
        (),
        {},
        41,
        None,
    ),
]


def seed(*, partnerships) -> None:
    partnership = partnerships[RIVERSIDE]
    business = User.objects.get(username="business.riverside")
    today = timezone.localdate()
    for title, days_ago, theme, learning, audience, attendance, total, score in TRAINING:
        if TrainingEvent.objects.filter(partnership=partnership, title=title).exists():
            continue
        training_event_record(
            partnership=partnership,
            title=title,
            held_on=today - timedelta(days=days_ago),
            theme=theme,
            learning_from=learning,
            audience_agencies=Agency.objects.filter(name__in=audience),
            attendance={Agency.objects.get(name=name): n for name, n in attendance.items()},
            attendees=total,
            evaluation_score=score,
            by=business,
        )

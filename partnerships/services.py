"""Writes and reminders for partnerships."""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from safeguarding.notifications import Message, notify_all

from .models import PublishedArrangement
from .selectors import business_team_of

ARRANGEMENT_REMINDER_STAGES = (
    # (stage, applies when days until review <=, wording)
    ("overdue", -1, "is overdue for review"),
    ("due", 0, "is due for review today"),
    ("due_in_7", 7, "is due for review within 7 days"),
    ("due_in_30", 30, "is due for review within 30 days"),
)


def arrangement_reminder_stage(*, review_on: date, today: date) -> tuple[str, str] | None:
    """The most urgent reminder a review date has reached, if any."""
    days_left = (review_on - today).days
    for stage, threshold, wording in ARRANGEMENT_REMINDER_STAGES:
        if days_left <= threshold:
            return stage, wording
    return None


def arrangement_review_reminders_send(*, today: date | None = None) -> int:
    """Remind each partnership's business team that its published arrangements need review.

    Looks only at current arrangements due within 30 days, so the sweep grows with what is due,
    not with what exists. Each stage is recorded once per person by the outbox.
    """
    today = today or timezone.localdate()
    newer = PublishedArrangement.objects.filter(
        partnership=OuterRef("partnership"), version__gt=OuterRef("version")
    )
    due = (
        PublishedArrangement.objects.filter(next_review_on__lte=today + timedelta(days=30))
        .exclude(Exists(newer))
        .select_related("partnership")
    )
    created = 0
    for arrangement in due:
        stage, wording = arrangement_reminder_stage(
            review_on=arrangement.next_review_on, today=today
        )
        message = Message(
            title=f"{arrangement.partnership}: the published arrangements {wording}",
            body=(
                f"{arrangement.title} (version {arrangement.version}) is due for review on "
                f"{arrangement.next_review_on:%-d %B %Y}."
            ),
            url=reverse("partnerships:partnership-detail", args=[arrangement.partnership_id]),
        )
        created += notify_all(
            business_team_of(arrangement.partnership),
            kind="arrangement_review",
            subject=arrangement,
            stage=stage,
            message=message,
        )
    return created

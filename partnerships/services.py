"""Writes and reminders for partnerships and the actions agencies own."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from safeguarding.notifications import Message, notify_all
from safeguarding.working_days import WorkingDayCalendar

from .choices import PARTNER_ROLES, ActionStatus, IndicatorKey, Role, ScrutinyKind
from .models import (
    Action,
    IndicatorTarget,
    Membership,
    Partnership,
    PublishedArrangement,
    ScrutinyChallenge,
)
from .selectors import agency_leads_in, business_team_of, people_with_role

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


def action_create(
    *,
    partnership,
    owner_agency,
    title: str,
    due_on: date,
    by,
    source=None,
    recommendation: str = "",
    description: str = "",
) -> Action:
    """Record an action an agency owns because of learning from a review, audit or scrutiny."""
    errors = {}
    if (
        not Membership.objects.current()
        .filter(partnership=partnership, agency=owner_agency)
        .exists()
    ):
        errors["owner_agency"] = "The owning agency must be a member of the partnership."
    if not title.strip():
        errors["title"] = "Say what the action is."
    if errors:
        raise ValidationError(errors)
    return Action.objects.create(
        partnership=partnership,
        owner_agency=owner_agency,
        source=source,
        recommendation=recommendation,
        title=title.strip(),
        description=description,
        due_on=due_on,
        created_by=by,
    )


@transaction.atomic
def action_update_progress(
    *,
    action: Action,
    status: str,
    by,
    evidence_of_completion: str = "",
    evidence_of_impact: str = "",
    completed_on: date | None = None,
) -> Action:
    """Move an action on. Completing it needs evidence that it was done and a completion date."""
    if status not in ActionStatus.values:
        raise ValidationError({"status": f"Choose one of: {', '.join(ActionStatus.values)}."})
    errors = {}
    if status == ActionStatus.COMPLETED:
        if not evidence_of_completion.strip():
            errors["evidence_of_completion"] = "Give evidence that the action was completed."
        if completed_on is None:
            errors["completed_on"] = "Give the date the action was completed."
        elif completed_on > timezone.localdate():
            errors["completed_on"] = "The completion date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    action.status = status
    action.evidence_of_completion = evidence_of_completion or action.evidence_of_completion
    action.evidence_of_impact = evidence_of_impact or action.evidence_of_impact
    action.completed_on = completed_on if status == ActionStatus.COMPLETED else None
    action._change_reason = f"Progress recorded by {by}"
    action.save()
    return action


def action_overdue_reminders_send(*, today: date | None = None) -> int:
    """Tell the owning agency's safeguarding leads (else the business team) of overdue actions.

    Once per action: the outbox stage is "overdue".
    """
    today = today or timezone.localdate()
    overdue = Action.objects.overdue(on=today).select_related("partnership", "owner_agency")
    created = 0
    for action in overdue.iterator(chunk_size=500):
        recipients = agency_leads_in(action.partnership, action.owner_agency) or list(
            business_team_of(action.partnership)
        )
        created += notify_all(
            recipients,
            kind="action_overdue",
            subject=action,
            stage="overdue",
            message=Message(
                title=f"Action overdue: {action.title}",
                body=(
                    f"{action.owner_agency} agreed to complete this by "
                    f"{action.due_on:%-d %B %Y} for {action.partnership}."
                ),
                url=action.get_absolute_url(),
            ),
        )
    return created


@transaction.atomic
def indicator_targets_set(*, partnership: Partnership, targets: dict, by) -> list[IndicatorTarget]:
    """Set the partnership's red/amber/green thresholds: {indicator: (green, amber)}.

    Both blank removes a target; one without the other is refused.
    """
    errors, keep = {}, []
    for key, (green, amber) in targets.items():
        if key not in IndicatorKey.values:
            errors[key] = "There is no such indicator."
            continue
        if green is None and amber is None:
            IndicatorTarget.objects.filter(partnership=partnership, indicator=key).delete()
            continue
        if green is None or amber is None:
            errors[f"{key}_{'green' if green is None else 'amber'}"] = (
                "Give both thresholds, or neither."
            )
            continue
        target = IndicatorTarget.objects.filter(partnership=partnership, indicator=key).first()
        target = target or IndicatorTarget(partnership=partnership, indicator=key)
        target.green_from, target.amber_from = green, amber
        try:
            target.clean()
        except ValidationError as error:
            errors[f"{key}_amber"] = error.message_dict["amber_from"]
            continue
        target._change_reason = f"Targets set by {by}"
        keep.append(target)
    if errors:
        raise ValidationError(errors)
    for target in keep:
        target.save()
    return keep


def partnership_set_benchmark_sharing(*, partnership: Partnership, shares: bool, by) -> None:
    """Opt the partnership in to (or out of) regional benchmarking of its aggregate figures."""
    partnership.shares_benchmarks = shares
    partnership._change_reason = f"Benchmark sharing {'on' if shares else 'off'} by {by}"
    partnership.save(update_fields=["shares_benchmarks"])


# Who answers a scrutiny challenge for the agency it is addressed to.
SCRUTINY_RESPONDER_ROLES = (*PARTNER_ROLES, Role.AGENCY_SAFEGUARDING_LEAD)


def _responders(partnership, agency) -> list:
    return list(people_with_role(partnership, *SCRUTINY_RESPONDER_ROLES, agency=agency))


@transaction.atomic
def scrutiny_challenge_create(
    *,
    partnership: Partnership,
    kind: str,
    addressed_to,
    title: str,
    detail: str,
    response_due_on: date,
    by,
) -> ScrutinyChallenge:
    """Record the scrutineer's finding or challenge and tell the agency who must respond."""
    errors = {}
    if kind not in ScrutinyKind.values:
        errors["kind"] = "Choose finding or challenge."
    if (
        not Membership.objects.current()
        .filter(partnership=partnership, agency=addressed_to)
        .exists()
    ):
        errors["addressed_to"] = "Choose a partner or agency of the partnership."
    if not title.strip():
        errors["title"] = "Give the finding or challenge a short title."
    if not detail.strip():
        errors["detail"] = "Say what you found or what you are asking."
    if response_due_on <= timezone.localdate():
        errors["response_due_on"] = "The response must be due after today."
    if errors:
        raise ValidationError(errors)
    challenge = ScrutinyChallenge.objects.create(
        partnership=partnership,
        kind=kind,
        addressed_to=addressed_to,
        title=title.strip(),
        detail=detail.strip(),
        response_due_on=response_due_on,
        raised_by=by,
    )
    notify_all(
        _responders(partnership, addressed_to),
        kind="scrutiny",
        subject=challenge,
        stage="raised",
        message=Message(
            title=f"Scrutiny {challenge.get_kind_display().lower()} for {addressed_to}",
            body=f"{challenge.title}. Please respond by {response_due_on:%-d %B %Y}.",
            url=challenge.get_absolute_url(),
        ),
    )
    return challenge


@transaction.atomic
def scrutiny_challenge_respond(*, challenge: ScrutinyChallenge, response: str, by):
    """Record the addressed agency's response; the scrutineer is told."""
    challenge = ScrutinyChallenge.objects.select_for_update().get(pk=challenge.pk)
    if challenge.is_answered:
        raise ValidationError({"response": "This has already been answered."})
    if not response.strip():
        raise ValidationError({"response": "Write the response."})
    challenge.response = response.strip()
    challenge.responded_by = by
    challenge.responded_at = timezone.now()
    challenge._change_reason = f"Response recorded by {by}"
    challenge.save()
    notify_all(
        [challenge.raised_by],
        kind="scrutiny",
        subject=challenge,
        stage="responded",
        message=Message(
            title=f"{challenge.addressed_to} responded: {challenge.title}",
            url=challenge.get_absolute_url(),
        ),
    )
    return challenge


def scrutiny_reminders_send(*, today: date | None = None) -> int:
    """Remind responders 5 and 1 working days before a response is due and when it is overdue,
    and escalate an overdue response to the lead safeguarding partners. Each once.

    Only unanswered challenges due within the next fortnight, or overdue and not yet
    escalated, are read (by the partial index on the due date).
    """
    today = today or timezone.localdate()
    created = 0
    awaiting = ScrutinyChallenge.objects.filter(responded_at__isnull=True).select_related(
        "partnership", "addressed_to"
    )
    upcoming = awaiting.filter(
        response_due_on__gte=today, response_due_on__lte=today + timedelta(days=14)
    )
    calendars = {}
    for challenge in upcoming.iterator(chunk_size=500):
        if challenge.partnership_id not in calendars:
            calendars[challenge.partnership_id] = WorkingDayCalendar.for_partnership(
                challenge.partnership
            )
        remaining = calendars[challenge.partnership_id].between(today, challenge.response_due_on)
        stage = "due-in-1" if remaining <= 1 else "due-in-5" if remaining <= 5 else None
        if stage:
            created += notify_all(
                _responders(challenge.partnership, challenge.addressed_to),
                kind="scrutiny",
                subject=challenge,
                stage=stage,
                message=Message(
                    title=f"Scrutiny response due {challenge.response_due_on:%-d %B %Y}",
                    body=challenge.title,
                    url=challenge.get_absolute_url(),
                ),
            )
    overdue = awaiting.filter(response_due_on__lt=today, escalated_at__isnull=True)
    for challenge in overdue.iterator(chunk_size=500):
        with transaction.atomic():
            # Claim the escalation: of two sweeps at once only one updates the row.
            claimed = ScrutinyChallenge.objects.filter(
                pk=challenge.pk, escalated_at__isnull=True
            ).update(escalated_at=timezone.now())
            if not claimed:
                continue
            message = Message(
                title=f"Scrutiny response overdue from {challenge.addressed_to}",
                body=(
                    f"{challenge.title}. The response was due "
                    f"{challenge.response_due_on:%-d %B %Y}."
                ),
                url=challenge.get_absolute_url(),
            )
            created += notify_all(
                _responders(challenge.partnership, challenge.addressed_to),
                kind="scrutiny",
                subject=challenge,
                stage="overdue",
                message=message,
            )
            created += notify_all(
                people_with_role(challenge.partnership, Role.LEAD_SAFEGUARDING_PARTNER),
                kind="scrutiny",
                subject=challenge,
                stage="escalated",
                message=message,
            )
    return created

"""Writes and reminders for partnerships and the actions agencies own."""

from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from safeguarding import permissions
from safeguarding.notifications import Message, Reminder, already_notified, notify_all, notify_each
from safeguarding.records import lock
from safeguarding.working_days import calendars_for

from .choices import (
    PARTNER_ROLES,
    SAFEGUARDING_PARTNER_ROLES,
    ActionStatus,
    IndicatorKey,
    ReportSection,
    Role,
    ScrutinyKind,
    TrainingTheme,
    YearlyReportStatus,
)
from .models import (
    Action,
    Agency,
    FinancialContribution,
    IndicatorTarget,
    Membership,
    Partnership,
    PublishedArrangement,
    RoleAssignment,
    ScrutinyChallenge,
    TrainingAttendance,
    TrainingEvent,
    User,
    YearlyReport,
    YearlyReportSignOff,
)
from .selectors import (
    agency_leads_else_business_team,
    business_team_of,
    people_with_role,
)

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
            partnership_id=arrangement.partnership_id,
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

    Once per action: the outbox stage is "overdue", and an action told is not read again.
    """
    today = today or timezone.localdate()
    overdue = (
        Action.objects.overdue(on=today)
        .exclude(already_notified(Action, kind="action_overdue", stage="overdue"))
        .select_related("partnership", "owner_agency")
    )
    # Read once for each agency in each partnership: a backlog has many actions for each.
    recipients_of = cache(agency_leads_else_business_team)

    def reminders():
        for action in overdue.iterator(chunk_size=500):
            yield Reminder(
                recipients_of(action.partnership, action.owner_agency),
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
                partnership_id=action.partnership_id,
            )

    return notify_each(reminders(), kind="action_overdue")


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


# A second identical record within this long of the first is taken as the same form sent twice
# (a double click, a resubmitted page), not a new record.
REPEAT_WINDOW = timedelta(minutes=10)


class AlreadyRecorded(ValidationError):
    """The same record was made moments before; `existing` is that record."""

    def __init__(self, message, *, existing):
        super().__init__(message)
        self.existing = existing


def _refuse_repeat(partnership: Partnership, same, *, made_at: str, what: str) -> None:
    """Refuse a record when one of `same` (the records it would duplicate) was made within
    REPEAT_WINDOW. The partnership is locked first, so of two sent at once the second sees the
    first and is refused."""
    lock(partnership, "pk")
    existing = same.filter(**{f"{made_at}__gte": timezone.now() - REPEAT_WINDOW}).first()
    if existing is not None:
        raise AlreadyRecorded(
            f"This {what} was recorded a moment ago; it has not been recorded again.",
            existing=existing,
        )


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
    _refuse_repeat(
        partnership,
        ScrutinyChallenge.objects.filter(
            partnership=partnership,
            kind=kind,
            raised_by=by,
            addressed_to=addressed_to,
            title=title.strip(),
            response_due_on=response_due_on,
        ),
        made_at="raised_at",
        what=ScrutinyKind(kind).label.lower(),
    )
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
        partnership_id=challenge.partnership_id,
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
    lock(challenge)
    if challenge.is_answered:
        raise ValidationError({"response": "This has already been answered."})
    if not response.strip():
        raise ValidationError({"response": "Write the response."})
    challenge.response = response.strip()
    challenge.responded_by = by
    challenge.responded_at = timezone.now()
    challenge._change_reason = f"Response recorded by {by}"
    challenge.save()
    # The partnership's current scrutineers are told: the one who raised it may have left, and is
    # told only while still active and still holding the role.
    notify_all(
        people_with_role(challenge.partnership, Role.INDEPENDENT_SCRUTINEER),
        kind="scrutiny",
        subject=challenge,
        partnership_id=challenge.partnership_id,
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
    awaiting = ScrutinyChallenge.objects.filter(responded_at__isnull=True).select_related(
        "partnership", "addressed_to"
    )
    upcoming = awaiting.filter(
        response_due_on__gte=today, response_due_on__lte=today + timedelta(days=14)
    )
    calendars = calendars_for(
        upcoming.order_by().values_list("partnership_id", flat=True).distinct()
    )
    # A challenge from another partnership added since is left to the next sweep.
    upcoming = upcoming.filter(partnership_id__in=list(calendars))
    responders = cache(_responders)

    def reminders():
        for challenge in upcoming.order_by("response_due_on", "pk").iterator(chunk_size=500):
            remaining = calendars[challenge.partnership_id].between(
                today, challenge.response_due_on
            )
            stage = "due-in-1" if remaining <= 1 else "due-in-5" if remaining <= 5 else None
            if stage:
                yield Reminder(
                    responders(challenge.partnership, challenge.addressed_to),
                    subject=challenge,
                    stage=stage,
                    message=Message(
                        title=f"Scrutiny response due {challenge.response_due_on:%-d %B %Y}",
                        body=challenge.title,
                        url=challenge.get_absolute_url(),
                    ),
                    partnership_id=challenge.partnership_id,
                )

    created = notify_each(reminders(), kind="scrutiny")
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
                partnership_id=challenge.partnership_id,
                stage="overdue",
                message=message,
            )
            created += notify_all(
                people_with_role(challenge.partnership, Role.LEAD_SAFEGUARDING_PARTNER),
                kind="scrutiny",
                subject=challenge,
                partnership_id=challenge.partnership_id,
                stage="escalated",
                message=message,
            )
    return created


# ---------------------------------------------------------------------------
# The yearly report


@transaction.atomic
def yearly_report_start(*, partnership: Partnership, period_start: date, by) -> YearlyReport:
    """Start the report for the 12 months from `period_start`; it drafts itself from the data.

    The partnership's reports never overlap, so no month is counted in two of them.
    """
    # Before the end is worked out: a start far in the future has no date a year on.
    if period_start > timezone.localdate():
        raise ValidationError({"period_start": "The period cannot start in the future."})
    period_end = year_end(period_start)
    # One report started at a time for a partnership, so two cannot overlap.
    lock(partnership, "pk")
    overlapping = (
        YearlyReport.objects.filter(
            partnership=partnership,
            period_start__lte=period_end,
            period_end__gte=period_start,
        )
        .order_by("period_start")
        .first()
    )
    if overlapping:
        raise ValidationError(
            {
                "period_start": (
                    f"There is already a report for {overlapping.period_start:%-d %B %Y} to "
                    f"{overlapping.period_end:%-d %B %Y}: a report's 12 months cannot overlap "
                    "another's."
                )
            }
        )
    return YearlyReport.objects.create(
        partnership=partnership, period_start=period_start, period_end=period_end, created_by=by
    )


def year_end(start: date) -> date:
    """The last day of the 12 months from `start`: the day before the same date next year.

    From 29 February, next year's same date is 1 March when it is not a leap year, so the
    12 months end on 28 February.
    """
    try:
        next_start = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        next_start = date(start.year + 1, 3, 1)
    return next_start - timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    try:
        return day.replace(year=year, month=month)
    except ValueError:  # 29, 30 or 31 of a shorter month
        return (day.replace(year=year, month=month, day=1) + timedelta(days=31)).replace(
            day=1
        ) - timedelta(days=1)


def yearly_report_edit(
    *, report: YearlyReport, narratives: dict, young_people_summary: str, by
) -> YearlyReport:
    """Save the narratives. Once a partner has signed, the text is fixed."""
    if report.sign_offs.exists() or report.status != YearlyReportStatus.DRAFT:
        raise ValidationError("The report has been signed off: it can no longer be changed.")
    unknown = set(narratives) - set(ReportSection.values)
    if unknown:
        raise ValidationError({"narratives": f"Unknown sections: {', '.join(sorted(unknown))}."})
    report.narratives = {**report.narratives, **narratives}
    report.young_people_summary = young_people_summary
    report._change_reason = f"Edited by {by}"
    report.save()
    return report


@transaction.atomic
def yearly_report_sign_off(*, report: YearlyReport, by) -> YearlyReportSignOff:
    """A lead safeguarding partner signs for their partner; all three make it signed off."""
    lock(report)
    seat = (
        Membership.objects.current()
        .filter(
            partnership=report.partnership, agency=by.agency_id, role__in=SAFEGUARDING_PARTNER_ROLES
        )
        .first()
    )
    is_lead = people_with_role(report.partnership, Role.LEAD_SAFEGUARDING_PARTNER).filter(pk=by.pk)
    if seat is None or not is_lead.exists():
        raise ValidationError("Only a lead safeguarding partner signs off the report.")
    if report.status != YearlyReportStatus.DRAFT:
        raise ValidationError("The report is already signed off.")
    if report.sign_offs.filter(partner_role=seat.role).exists():
        raise ValidationError(f"{seat.agency} has already signed off the report.")
    sign_off = YearlyReportSignOff.objects.create(
        report=report, partner_role=seat.role, agency=seat.agency, signed_by=by
    )
    if report.sign_offs.count() == len(SAFEGUARDING_PARTNER_ROLES):
        report.status = YearlyReportStatus.SIGNED_OFF
        report._change_reason = "Signed off by the three partners"
        report.save(update_fields=["status"])
    return sign_off


def yearly_report_publish(*, report: YearlyReport, published_on: date, by) -> YearlyReport:
    """Publish a signed-off report; it must then go to the Panel and What Works within 7 days."""
    if report.status != YearlyReportStatus.SIGNED_OFF:
        raise ValidationError("The three lead safeguarding partners must sign it off first.")
    if published_on > timezone.localdate():
        raise ValidationError({"published_on": "The publication date cannot be in the future."})
    if published_on < report.period_end:
        raise ValidationError({"published_on": "Publish it after the end of its period."})
    report.status = YearlyReportStatus.PUBLISHED
    report.published_on = published_on
    report._change_reason = f"Published by {by}"
    report.save()
    return report


def yearly_report_record_sent(
    *, report: YearlyReport, sent_to_panel_on: date | None, sent_to_what_works_on: date | None, by
) -> YearlyReport:
    """Record when the published report went to the national Panel and the What Works Centre."""
    if report.status != YearlyReportStatus.PUBLISHED:
        raise ValidationError("Publish the report before recording where it was sent.")
    errors = {}
    for name, day in (
        ("sent_to_panel_on", sent_to_panel_on),
        ("sent_to_what_works_on", sent_to_what_works_on),
    ):
        if day and (day < report.published_on or day > timezone.localdate()):
            errors[name] = "Give a date between publication and today."
    if errors:
        raise ValidationError(errors)
    report.sent_to_panel_on = sent_to_panel_on or report.sent_to_panel_on
    report.sent_to_what_works_on = sent_to_what_works_on or report.sent_to_what_works_on
    report._change_reason = f"Sending recorded by {by}"
    report.save()
    return report


# A new report is due 12 months after the last publication; the team hears two months ahead.
NEXT_REPORT_WARNING_DAYS = 60


def yearly_report_reminders_send(*, today: date | None = None) -> int:
    """Tell the business team, once each, when a published report has not yet gone to the
    Panel and What Works Centre by its due date, and when 12 months since the last publication
    approach."""
    today = today or timezone.localdate()
    created = 0
    unsent = (
        YearlyReport.objects.filter(
            status=YearlyReportStatus.PUBLISHED,
            published_on__lte=today - timedelta(days=5),
            published_on__gte=today - timedelta(days=60),
        )
        .filter(Q(sent_to_panel_on__isnull=True) | Q(sent_to_what_works_on__isnull=True))
        .select_related("partnership")
    )
    for report in unsent:
        created += notify_all(
            business_team_of(report.partnership),
            kind="yearly_report",
            subject=report,
            partnership_id=report.partnership_id,
            stage="sending-due",
            message=Message(
                title="Send the yearly report to the Panel and the What Works Centre",
                body=f"It is due with them by {report.sending_due_on:%-d %B %Y}.",
                url=report.get_absolute_url(),
            ),
        )
    # The latest publication of each partnership within the warning window.
    window_start = _add_months(today, -12)
    window_end = window_start + timedelta(days=NEXT_REPORT_WARNING_DAYS)
    newer = YearlyReport.objects.filter(
        partnership=OuterRef("partnership"), published_on__gt=OuterRef("published_on")
    )
    approaching = (
        YearlyReport.objects.filter(
            status=YearlyReportStatus.PUBLISHED,
            published_on__gte=window_start - timedelta(days=365),
            published_on__lte=window_end,
        )
        .exclude(Exists(newer))
        .select_related("partnership")
    )
    for report in approaching:
        due = _add_months(report.published_on, 12)
        created += notify_all(
            business_team_of(report.partnership),
            kind="yearly_report",
            subject=report,
            partnership_id=report.partnership_id,
            stage="next-report-due",
            message=Message(
                title=f"The next yearly report is due by {due:%-d %B %Y}",
                body="It must be published within 12 months of the last one.",
                url=reverse("partnerships:report-list"),
            ),
        )
    return created


# ---------------------------------------------------------------------------
# Financial contributions, recorded against the yearly report of their period


def _contributions_fixed(report: YearlyReport) -> bool:
    return report.status != YearlyReportStatus.DRAFT or report.sign_offs.exists()


def _check_contribution(amount, in_kind: str) -> dict:
    errors = {}
    if amount is None:
        errors["amount"] = "Give the amount, or 0 for a contribution in kind only."
    elif amount < 0:
        errors["amount"] = "The amount cannot be negative."
    elif amount >= Decimal("1e10"):
        errors["amount"] = "The amount must be less than £10,000,000,000."
    elif amount == 0 and not in_kind.strip():
        errors["in_kind"] = "Describe the contribution in kind, or give an amount."
    return errors


@transaction.atomic
def financial_contribution_record(
    *, report: YearlyReport, agency: Agency, amount: Decimal | None, in_kind: str = "", by
) -> FinancialContribution:
    """Record one partner's or agency's contribution for the report's period: once each."""
    lock(report)
    if _contributions_fixed(report):
        raise ValidationError("The report has been signed off: its funding can no longer change.")
    errors = _check_contribution(amount, in_kind)
    if (
        not Membership.objects.current()
        .filter(partnership=report.partnership_id, agency=agency)
        .exists()
    ):
        errors["agency"] = "Choose a partner or agency of the partnership."
    elif FinancialContribution.objects.filter(
        partnership=report.partnership_id, agency=agency, year_starting=report.period_start
    ).exists():
        errors["agency"] = (
            f"{agency} already has a contribution for this period: change that one instead."
        )
    if errors:
        raise ValidationError(errors)
    contribution = FinancialContribution(
        partnership=report.partnership,
        agency=agency,
        year_starting=report.period_start,
        amount=amount,
        in_kind=in_kind.strip(),
    )
    contribution._change_reason = f"Recorded by {by}"
    contribution.save()
    return contribution


@transaction.atomic
def financial_contribution_change(
    *,
    report: YearlyReport,
    contribution: FinancialContribution,
    amount: Decimal | None,
    in_kind: str = "",
    by,
) -> FinancialContribution:
    """Correct a contribution recorded for the report's period, while the report is a draft."""
    lock(report)
    if (
        contribution.partnership_id != report.partnership_id
        or contribution.year_starting != report.period_start
    ):
        raise ValidationError("This contribution is not for the report's period.")
    if _contributions_fixed(report):
        raise ValidationError("The report has been signed off: its funding can no longer change.")
    errors = _check_contribution(amount, in_kind)
    if errors:
        raise ValidationError(errors)
    contribution.amount = amount
    contribution.in_kind = in_kind.strip()
    contribution._change_reason = f"Changed by {by}"
    contribution.save()
    return contribution


# ---------------------------------------------------------------------------
# Multi-agency training


def _training_errors(
    *,
    partnership,
    title,
    held_on,
    theme,
    recommendation,
    audience_agencies,
    attendees,
    attendance,
    evaluation_score,
) -> tuple[dict, int | None]:
    errors = {}
    if not title.strip():
        errors["title"] = "Give the training a title."
    if held_on is None:
        errors["held_on"] = "Give the date the training was held."
    elif held_on > timezone.localdate():
        errors["held_on"] = (
            "Record training once it has happened: the date cannot be in the future."
        )
    if theme not in TrainingTheme.values:
        errors["theme"] = "Choose the learning theme."
    if recommendation is not None and (
        recommendation.partnership_id != partnership.pk
        or not recommendation.is_review_recommendation
    ):
        errors["recommendation"] = "Choose a recommendation from this partnership's reviews."
    members = set(
        Membership.objects.current()
        .filter(partnership=partnership)
        .values_list("agency_id", flat=True)
    )
    if any(a.pk not in members for a in audience_agencies):
        errors["audience_agencies"] = "Choose partners and agencies of the partnership."
    if any(a.pk not in members for a in attendance):
        errors["attendance"] = "Attendance can only be recorded for the partnership's agencies."
    if any(n is None or n < 0 for n in attendance.values()):
        errors["attendance"] = "The number attending from an agency cannot be negative."
    by_agency = sum(n for n in attendance.values() if n and n > 0)
    if attendees is None:
        if by_agency:
            attendees = by_agency
        else:
            errors["attendees"] = "Give the number who attended, in total or by agency."
    elif attendees < 0:
        errors["attendees"] = "The number of attendees cannot be negative."
    elif by_agency > attendees:
        errors["attendees"] = (
            f"The agencies' numbers add up to {by_agency}, more than the {attendees} in total."
        )
    if evaluation_score is not None and not 1 <= evaluation_score <= 5:
        errors["evaluation_score"] = "The evaluation score must be between 1 and 5."
    if held_on is not None and "held_on" not in errors and _report_fixed_on(partnership, held_on):
        errors["held_on"] = (
            "The yearly report covering this date has been signed off: its training figures "
            "are fixed."
        )
    return errors, attendees


def _report_fixed_on(partnership, day: date) -> bool:
    """True when a signed (or signed-off, or published) yearly report covers the day."""
    covering = YearlyReport.objects.filter(
        partnership=partnership, period_start__lte=day, period_end__gte=day
    )
    return (
        covering.exclude(status=YearlyReportStatus.DRAFT).exists()
        or covering.filter(sign_offs__isnull=False).exists()
    )


def _training_save(event: TrainingEvent, *, audience_agencies, attendance) -> None:
    event.save()
    event.audience_agencies.set(audience_agencies)
    event.attendance.all().delete()
    TrainingAttendance.objects.bulk_create(
        TrainingAttendance(event=event, agency=agency, attendees=count)
        for agency, count in sorted(attendance.items(), key=lambda item: item[0].pk)
        if count
    )


@transaction.atomic
def training_event_record(
    *,
    partnership: Partnership,
    title: str,
    held_on: date | None,
    theme: str,
    by,
    learning_from: str = "",
    recommendation: Action | None = None,
    audience_agencies=(),
    attendees: int | None = None,
    attendance: dict | None = None,
    evaluation_score: Decimal | None = None,
) -> TrainingEvent:
    """Record multi-agency training delivered. `attendance` is {agency: number attending};
    with no total given, the total is what the agencies add up to."""
    attendance = dict(attendance or {})
    audience_agencies = list(audience_agencies)
    errors, attendees = _training_errors(
        partnership=partnership,
        title=title,
        held_on=held_on,
        theme=theme,
        recommendation=recommendation,
        audience_agencies=audience_agencies,
        attendees=attendees,
        attendance=attendance,
        evaluation_score=evaluation_score,
    )
    if errors:
        raise ValidationError(errors)
    _refuse_repeat(
        partnership,
        TrainingEvent.objects.filter(
            partnership=partnership, title=title.strip(), held_on=held_on, theme=theme
        ),
        made_at="created_at",
        what="training",
    )
    event = TrainingEvent(
        partnership=partnership,
        title=title.strip(),
        held_on=held_on,
        theme=theme,
        learning_from=learning_from.strip(),
        recommendation=recommendation,
        attendees=attendees,
        evaluation_score=evaluation_score,
        created_by=by,
    )
    event._change_reason = f"Recorded by {by}"
    _training_save(event, audience_agencies=audience_agencies, attendance=attendance)
    return event


@transaction.atomic
def training_event_change(
    *,
    event: TrainingEvent,
    title: str,
    held_on: date | None,
    theme: str,
    by,
    learning_from: str = "",
    recommendation: Action | None = None,
    audience_agencies=(),
    attendees: int | None = None,
    attendance: dict | None = None,
    evaluation_score: Decimal | None = None,
) -> TrainingEvent:
    """Correct a training event: the same rules as recording one, and an event counted in a
    signed-off report stays as it was."""
    if _report_fixed_on(event.partnership, event.held_on):
        raise ValidationError(
            "This training is counted in a yearly report that has been signed off: "
            "it can no longer change."
        )
    attendance = dict(attendance or {})
    audience_agencies = list(audience_agencies)
    errors, attendees = _training_errors(
        partnership=event.partnership,
        title=title,
        held_on=held_on,
        theme=theme,
        recommendation=recommendation,
        audience_agencies=audience_agencies,
        attendees=attendees,
        attendance=attendance,
        evaluation_score=evaluation_score,
    )
    if errors:
        raise ValidationError(errors)
    event.title = title.strip()
    event.held_on = held_on
    event.theme = theme
    event.learning_from = learning_from.strip()
    event.recommendation = recommendation
    event.attendees = attendees
    event.evaluation_score = evaluation_score
    event._change_reason = f"Changed by {by}"
    _training_save(event, audience_agencies=audience_agencies, attendance=attendance)
    return event


ROLE_DATES_CATCH_UP_DAYS = 7


def roles_starting_and_ending_sync(*, today: date | None = None) -> int:
    """Put people whose role begins today in the groups it calls for, and take people whose role
    ended yesterday out of them.

    Saving a role works out its holder's groups for that day (`RoleAssignment.objects.current()`):
    a role given ahead of its first day puts no one in its groups, and one given its last day
    ahead keeps its holder in them. This runs each night and also takes roles that began, or
    whose last day passed, in the last week, in case a night was missed. Safe to run twice: the
    groups are worked out afresh. Returns the number of people looked at.
    """
    today = today or timezone.localdate()
    since = today - timedelta(days=ROLE_DATES_CATCH_UP_DAYS)
    # A role is first held on its `started_on` and first not held the day after its `ended_on`.
    changed = RoleAssignment.objects.filter(
        Q(started_on__gt=since, started_on__lte=today) | Q(ended_on__gte=since, ended_on__lt=today)
    )
    people = User.objects.filter(pk__in=changed.values("user"))
    count = 0
    for person in people:
        permissions.sync_user_groups(person)
        count += 1
    return count

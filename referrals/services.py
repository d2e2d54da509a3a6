"""Writes for referrals and escalations: every rule about them lives here."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from partnerships import indicators
from partnerships.choices import Role
from partnerships.models import Agency, Membership, Partnership
from partnerships.selectors import business_team_of
from safeguarding import permissions
from safeguarding.notifications import Message, Reminder, already_notified, notify_all, notify_each
from safeguarding.records import lock
from safeguarding.working_days import (
    WorkingDayCalendar,
    beyond_notice,
    calendars_for,
    every_partnership_calendar,
)

from .choices import (
    ASSESSMENT_DECISIONS,
    ASSESSMENT_WORKING_DAYS,
    CONFERENCE_WORKING_DAYS,
    CONSENT_WITHOUT,
    DEFAULT_ESCALATION_STAGES,
    Category,
    Decision,
    EscalationResolution,
    EscalationStatus,
    QualityRating,
    ReferralStatus,
    StageContacts,
)
from .models import (
    Escalation,
    EscalationResponse,
    EscalationStage,
    GoodPractice,
    InformationSharingDecision,
    Referral,
    ReferralCategory,
    ReferralChild,
    ReferralHousehold,
)
from .selectors import (
    CLOCKS,
    acts_for_the_raiser,
    earlier_referral_of_a_child,
    is_front_door_for,
    people_in_group,
    possible_duplicates,
)

DECISION_WORKING_DAYS = 1
NO_FRONT_DOOR = (
    "This council is not the local authority partner of any partnership, so it has no front "
    "door here: choose the local authority again."
)
DRAFT_FIELDS = ("concerns", "immediate_danger", "consent", "reason_without_consent")
CHILD_FIELDS = (
    "first_name",
    "last_name",
    "is_unborn",
    "date_of_birth",
    "expected_due_date",
    "address",
    "postcode",
    "school",
    "nhs_number",
)


# ---------------------------------------------------------------------------
# Referrals


def front_door_partnership(council: Agency) -> Partnership | None:
    """The partnership whose local authorities include the council (its front door's home)."""
    membership = (
        Membership.objects.current()
        .local_authorities()
        .filter(agency=council)
        .select_related("partnership")
        .order_by("joined_on", "pk")
        .first()
    )
    return membership.partnership if membership else None


def _require_draft_owner(referral: Referral, by) -> None:
    if referral.referrer_id != by.pk:
        raise PermissionDenied("Only the person making a referral can change its draft.")
    if not referral.is_draft:
        raise ValidationError("This referral has been sent and can no longer be changed.")


def referral_draft_create(*, referrer) -> Referral:
    """Start a referral. It is saved as a draft that only its referrer can see or change."""
    if referrer.agency_id is None:
        raise PermissionDenied("Referrals are made by staff of an agency.")
    with transaction.atomic():  # the draft and its history row
        return Referral.objects.create(referrer=referrer, referrer_agency=referrer.agency)


def referral_draft_update(
    *,
    referral: Referral,
    by,
    local_authority: Agency | None = None,
    categories: list[str] | None = None,
    household: dict | None = None,
    **fields,
) -> Referral:
    """Save one page of a draft referral. Anything not given is left as it was."""
    _require_draft_owner(referral, by)
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ValueError(f"Not draft fields: {sorted(unknown)}")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(referral, name, value)
        if local_authority is not None:
            if not local_authority.is_local_authority:
                raise ValidationError({"local_authority": "Choose a local authority (a council)."})
            referral.front_door = local_authority
        if categories is not None:
            _set_categories(referral, categories)
        if household is not None:
            ReferralHousehold.objects.update_or_create(referral=referral, defaults=household)
        referral.save()
    return referral


def referral_draft_answers_keep(*, referral: Referral, by, page: str, answers: dict) -> None:
    """Keep what was typed on a page that failed its checks, so coming back loses nothing."""
    _require_draft_owner(referral, by)
    referral.draft_answers = {**referral.draft_answers, page: answers}
    referral.save(update_fields=["draft_answers"])


def referral_draft_answers_clear(*, referral: Referral, page: str) -> None:
    """Forget what was kept for a page once it has been answered properly."""
    if page in referral.draft_answers:
        referral.draft_answers = {k: v for k, v in referral.draft_answers.items() if k != page}
        referral.save(update_fields=["draft_answers"])


def _set_categories(referral: Referral, categories: list[str]) -> None:
    bad = [c for c in categories if c not in Category.values]
    if bad:
        raise ValidationError({"categories": f"Not a category: {', '.join(bad)}."})
    referral.categories.exclude(category__in=categories).delete()
    existing = set(referral.categories.values_list("category", flat=True))
    ReferralCategory.objects.bulk_create(
        [ReferralCategory(referral=referral, category=c) for c in set(categories) - existing]
    )


def referral_child_save(
    *, referral: Referral, by, child: ReferralChild | None = None, **fields
) -> ReferralChild:
    """Add a child to a draft referral, or change one: checks dates and the NHS number."""
    _require_draft_owner(referral, by)
    child = child or ReferralChild(referral=referral)
    if child.referral_id != referral.pk:
        raise PermissionDenied("That child is on another referral.")
    for name in CHILD_FIELDS:
        if name in fields:
            setattr(child, name, fields[name] if fields[name] is not None else "")
    for name in ("date_of_birth", "expected_due_date"):
        if getattr(child, name) == "":
            setattr(child, name, None)
    child.full_clean()
    child.save()
    return child


def referral_child_remove(*, referral: Referral, by, child: ReferralChild) -> None:
    _require_draft_owner(referral, by)
    if child.referral_id == referral.pk:
        child.delete()


def referral_check(referral: Referral) -> dict[str, list[str]]:
    """What still has to be answered before the referral can be sent, by field."""
    problems: dict[str, list[str]] = {}
    if not referral.children.exists():
        problems["child"] = ["Add the child you are worried about."]
    if referral.front_door_id is None:
        problems["local_authority"] = ["Choose the local authority the child lives in."]
    elif front_door_partnership(referral.front_door) is None:
        # Chosen while it was a partner; it has since left: the referral would go nowhere.
        problems["local_authority"] = [NO_FRONT_DOOR]
    if not referral.concerns.strip():
        problems["concerns"] = ["Describe what you are worried about."]
    if not referral.consent:
        problems["consent"] = ["Say whether the family agreed to this referral."]
    elif referral.consent in CONSENT_WITHOUT and not referral.reason_without_consent.strip():
        problems["reason_without_consent"] = [
            "Give the lawful reason for sharing without the family's consent."
        ]
    return problems


def referral_submit(*, referral: Referral, by, received_at: datetime | None = None) -> Referral:
    """Send a draft to the front door of the child's local authority.

    The front door has one working day from receipt to decide. The referrer, their agency's
    safeguarding leads and the front door can then see it; only the front door can decide
    ("change"), and only until it has: so the queue's permission check covers only the
    referrals still waiting, however many a council has received.
    """
    _require_draft_owner(referral, by)
    problems = referral_check(referral)
    if problems:
        raise ValidationError(problems)
    partnership = front_door_partnership(referral.front_door)
    if partnership is None:
        raise ValidationError({"local_authority": [NO_FRONT_DOOR]})
    received_at = received_at or timezone.now()
    received_on = timezone.localdate(received_at)
    calendar = WorkingDayCalendar.for_partnership(partnership)
    with transaction.atomic():
        # Sent from two pages at once, the second waits here and finds it sent: the first
        # receipt, and the deadline worked out from it, stand.
        if lock(referral, "status").status != ReferralStatus.DRAFT:
            raise ValidationError("This referral has already been sent to the front door.")
        referral.partnership = partnership
        referral.status = ReferralStatus.SUBMITTED
        referral.received_at = received_at
        referral.is_repeat = (
            possible_duplicates(referral).filter(received_at__lt=received_at).exists()
        )
        referral.decision_due_on = calendar.add(received_on, DECISION_WORKING_DAYS).due
        referral.draft_answers = {}
        referral.save()
        front_door = permissions.agency_group(referral.front_door, role=Role.FRONT_DOOR_WORKER)
        urgent = "Immediate danger: " if referral.immediate_danger else ""
        notify_all(
            people_in_group(front_door),
            kind="referral_received",
            subject=referral,
            partnership_id=referral.partnership_id,
            stage="received",
            message=Message(
                title=f"{urgent}New referral {referral.reference} from {referral.referrer_agency}",
                body=f"Decide by {referral.decision_due_on:%A %-d %B %Y}.",
                url=referral.get_absolute_url(),
            ),
        )
    return referral


def referral_repeat_flags_recount() -> int:
    """Flag again every received referral about a child referred in the 12 months before.

    For referrals loaded in bulk (a migration from another system, the benchmark's data); a
    referral submitted here is flagged when it is received.
    """
    received = Referral.objects.exclude(received_at=None)
    flagged = received.update(is_repeat=earlier_referral_of_a_child())
    indicators.figures_changed()
    return flagged


def referral_create(
    *,
    referrer,
    child: dict,
    local_authority: Agency,
    concerns: str,
    categories: list[str],
    immediate_danger: bool = False,
    consent: str,
    reason_without_consent: str = "",
    household: dict | None = None,
    received_at: datetime | None = None,
) -> Referral:
    """Make and send a referral in one go (the API's way in)."""
    with transaction.atomic():
        referral = referral_draft_create(referrer=referrer)
        referral_child_save(referral=referral, by=referrer, **child)
        referral_draft_update(
            referral=referral,
            by=referrer,
            local_authority=local_authority,
            categories=categories,
            household=household,
            concerns=concerns,
            immediate_danger=immediate_danger,
            consent=consent,
            reason_without_consent=reason_without_consent,
        )
        return referral_submit(referral=referral, by=referrer, received_at=received_at)


def referral_decide(
    *, referral: Referral, by, decision: str, reasons: str, quality_rating: str = ""
) -> Referral:
    """The front door's decision on a referral, with reasons; the referrer is told the outcome.

    A decision that leads to a child and family assessment (`ASSESSMENT_DECISIONS`) starts its
    clock: due 45 working days after the day the referral was received, on the partnership's
    calendar, as the decision deadline was. A child in need assessment does; so does a strategy
    discussion, because Working Together 2023 carries out a child protection enquiry (s47)
    through the same child and family assessment, whose 45 working days run from the referral
    (DOMAIN.md's "Child and family assessment: after the referral"), not from the discussion.
    The strategy discussion's own date, recorded after it (`referral_strategy_discussion_record`),
    starts the initial child protection conference's clock.
    """
    if not is_front_door_for(by, referral) or not permissions.can(by, permissions.VIEW, referral):
        raise PermissionDenied(
            "Only the front door of the child's local authority can decide this referral."
        )
    errors = {}
    if referral.status != ReferralStatus.SUBMITTED:
        errors["decision"] = ["This referral has already been decided."]
    elif decision not in Decision.values:
        errors["decision"] = [f"“{decision}” is not a decision the front door can make."]
    if not (reasons or "").strip():
        errors["reasons"] = ["Give the reasons for the decision: the referrer will read them."]
    if quality_rating and quality_rating not in QualityRating.values:
        errors["quality_rating"] = ["Choose a quality rating from the list."]
    if errors:
        raise ValidationError(errors)
    assessment_due_on = None
    if decision in ASSESSMENT_DECISIONS:
        calendar = WorkingDayCalendar.for_partnership(referral.partnership)
        received_on = timezone.localdate(referral.received_at)
        assessment_due_on = calendar.add(received_on, ASSESSMENT_WORKING_DAYS).due
    with transaction.atomic():
        # Two workers deciding at once: the second waits here and is refused, so the decision
        # the referrer was told is the one that stands.
        if lock(referral, "status").status != ReferralStatus.SUBMITTED:
            raise ValidationError({"decision": ["This referral has already been decided."]})
        referral.status = ReferralStatus.DECIDED
        referral.decision = decision
        referral.assessment_due_on = assessment_due_on
        referral.decision_reasons = reasons.strip()
        referral.quality_rating = quality_rating
        referral.decided_at = timezone.now()
        referral.decided_by = by
        referral.save(
            update_fields=[
                "status",
                "decision",
                "decision_reasons",
                "quality_rating",
                "decided_at",
                "decided_by",
                "assessment_due_on",
            ]
        )
        notify_all(
            [referral.referrer],
            kind="referral_decided",
            subject=referral,
            partnership_id=referral.partnership_id,
            stage="decided",
            message=Message(
                title=f"Referral {referral.reference}: {referral.get_decision_display()}",
                body=f"{referral.front_door} decided: {referral.get_decision_display()}.\n\n"
                f"{referral.decision_reasons}",
                url=referral.get_absolute_url(),
            ),
        )
    return referral


def _require_front_door(referral: Referral, by, action: str = "share this referral") -> None:
    if referral.is_draft or not permissions.can(by, permissions.VIEW, referral):
        raise PermissionDenied("You cannot see this referral.")
    if not is_front_door_for(by, referral):
        raise PermissionDenied(f"Only the front door of the child's local authority can {action}.")


# ---------------------------------------------------------------------------
# Referrals: what follows the decision (the assessment and the child protection conference)

FOLLOWS_DECISION = "record what followed its decision"


def _outcome_date_errors(
    field: str, value: date | None, *, earliest: date, after: str, today: date
) -> dict[str, list[str]]:
    """The field's error when `value` is missing, before `earliest` (the day of `after`) or in
    the future."""
    if value is None:
        return {field: ["Enter the date."]}
    if value > today:
        return {field: ["The date cannot be in the future."]}
    if value < earliest:
        return {field: [f"The date cannot be before {after} ({earliest:%-d %B %Y})."]}
    return {}


def _refuse_again(what: str, recorded: date | None) -> None:
    """Refuse a step already recorded (from another page, meanwhile): the first one stands."""
    if recorded is not None:
        raise ValidationError(f"{what} was already recorded: {recorded:%-d %B %Y}.")


def _require_since_receipt(referral: Referral, field: str, value: date | None, today) -> None:
    """Raise the field's error unless `value` is a day from the referral's receipt to today."""
    errors = _outcome_date_errors(
        field,
        value,
        earliest=timezone.localdate(referral.received_at),
        after="the referral was received",
        today=today,
    )
    if errors:
        raise ValidationError(errors)


def _tell_referrer(referral: Referral, stage: str, news: str) -> None:
    """Tell the referrer what followed the front door's decision, once for each step, as they
    were told the decision: referrers otherwise chase the front door for it. The message names
    the referral, never the child."""
    notify_all(
        [referral.referrer],
        kind="referral_followed_up",
        subject=referral,
        partnership_id=referral.partnership_id,
        stage=stage,
        message=Message(
            title=f"Referral {referral.reference}: {news}",
            body=f"{referral.front_door} recorded it: {news}.",
            url=referral.get_absolute_url(),
        ),
    )


def referral_assessment_record(
    *, referral: Referral, by, completed_on: date | None, today: date | None = None
) -> Referral:
    """The front door records the day the child and family assessment was completed.

    Recorded once, for a decision that led to an assessment, on a day from the referral's
    receipt to today; whether it was in time is read against the stored due date.
    """
    _require_front_door(referral, by, FOLLOWS_DECISION)
    today = today or timezone.localdate()
    with transaction.atomic():
        # Recorded from two pages at once, the second waits here and finds the first's date.
        lock(referral, "decision", "assessment_due_on", "assessment_completed_on")
        if referral.assessment_due_on is None:
            raise ValidationError("This referral's decision did not lead to an assessment.")
        _refuse_again("The assessment's completion", referral.assessment_completed_on)
        _require_since_receipt(referral, "completed_on", completed_on, today)
        referral.assessment_completed_on = completed_on
        referral._change_reason = "Assessment completion recorded"
        referral.save(update_fields=["assessment_completed_on"])
        _tell_referrer(
            referral,
            "assessment_completed",
            f"the child and family assessment was completed on {completed_on:%-d %B %Y}",
        )
    return referral


def referral_strategy_discussion_record(
    *, referral: Referral, by, held_on: date | None, today: date | None = None
) -> Referral:
    """The front door records the day of the strategy discussion its decision led to.

    The initial child protection conference is then due 15 working days after it, counted on
    the partnership's calendar (its closure days included) and stored: it stands.
    """
    _require_front_door(referral, by, FOLLOWS_DECISION)
    today = today or timezone.localdate()
    calendar = WorkingDayCalendar.for_partnership(referral.partnership)
    with transaction.atomic():
        lock(referral, "decision", "strategy_discussion_on")
        if referral.decision != Decision.STRATEGY_DISCUSSION:
            raise ValidationError("This referral's decision was not a strategy discussion.")
        _refuse_again("The strategy discussion", referral.strategy_discussion_on)
        _require_since_receipt(referral, "held_on", held_on, today)
        referral.strategy_discussion_on = held_on
        referral.conference_due_on = calendar.add(held_on, CONFERENCE_WORKING_DAYS).due
        referral._change_reason = "Strategy discussion recorded"
        referral.save(update_fields=["strategy_discussion_on", "conference_due_on"])
        _tell_referrer(
            referral,
            "strategy_discussion",
            f"a strategy discussion was held on {held_on:%-d %B %Y}",
        )
    return referral


def referral_conference_record(
    *,
    referral: Referral,
    by,
    held_on: date | None = None,
    not_needed_on: date | None = None,
    not_needed_reason: str = "",
    today: date | None = None,
) -> Referral:
    """The front door records the initial child protection conference: the day it was held,
    or the day the enquiry concluded none was needed, with the reason. One or the other, once,
    after the strategy discussion has been recorded, on a day from it to today."""
    _require_front_door(referral, by, FOLLOWS_DECISION)
    today = today or timezone.localdate()
    with transaction.atomic():
        lock(
            referral,
            "decision",
            "strategy_discussion_on",
            "conference_held_on",
            "conference_not_needed_on",
        )
        if referral.decision != Decision.STRATEGY_DISCUSSION:
            raise ValidationError("This referral's decision was not a strategy discussion.")
        if referral.strategy_discussion_on is None:
            raise ValidationError(
                "Record the strategy discussion first: the conference is counted from it."
            )
        if referral.conference_held_on or referral.conference_not_needed_on:
            raise ValidationError("The conference was already recorded.")
        reason = (not_needed_reason or "").strip()
        field = "not_needed_on" if held_on is None and (not_needed_on or reason) else "held_on"
        errors = _outcome_date_errors(
            field,
            held_on if field == "held_on" else not_needed_on,
            earliest=referral.strategy_discussion_on,
            after="the strategy discussion",
            today=today,
        )
        if field == "held_on" and (not_needed_on or reason):
            errors["not_needed_on"] = [
                "Give the day the conference was held or say why none was needed, not both."
            ]
        if field == "not_needed_on" and not reason:
            errors["not_needed_reason"] = ["Say why no conference was needed."]
        if errors:
            raise ValidationError(errors)
        if field == "held_on":
            referral.conference_held_on = held_on
            referral._change_reason = "Conference recorded"
            news = f"an initial child protection conference was held on {held_on:%-d %B %Y}"
        else:
            referral.conference_not_needed_on = not_needed_on
            referral.conference_not_needed_reason = reason
            referral._change_reason = "No conference needed recorded"
            news = (
                "the child protection enquiry concluded on "
                f"{not_needed_on:%-d %B %Y} that no conference was needed"
            )
        referral.save(
            update_fields=[
                "conference_held_on",
                "conference_not_needed_on",
                "conference_not_needed_reason",
            ]
        )
        _tell_referrer(referral, "conference", news)
    return referral


def information_sharing_record(
    *, referral: Referral, by, agency: Agency, reason: str, lawful_basis: str
) -> InformationSharingDecision:
    """Share a referral with another agency, recording why and on what lawful basis."""
    _require_front_door(referral, by)
    decision = InformationSharingDecision(
        referral=referral, agency=agency, reason=reason, lawful_basis=lawful_basis, recorded_by=by
    )
    decision.full_clean(validate_constraints=False)  # one standing decision: checked below
    with transaction.atomic():  # the decision and its history row
        # Shares of one referral wait for each other here, so a "Share" sent twice finds the
        # first: an agency has one standing decision at a time, and withdrawing it ends its
        # sight of the referral (the database refuses a second one besides).
        lock(referral, "pk")
        standing = (
            referral.sharing.filter(agency=agency, withdrawn_at__isnull=True)
            .select_related("recorded_by")
            .first()
        )
        if standing is not None:
            raise ValidationError(
                {
                    "agency": [
                        f"This referral is already shared with {agency}: "
                        f"{standing.recorded_by} recorded it on "
                        f"{timezone.localtime(standing.recorded_at):%-d %B %Y at %H:%M}. "
                        "Withdraw that decision first to record a new one."
                    ]
                }
            )
        decision.save()
    return decision


def information_sharing_withdraw(*, decision: InformationSharingDecision, by) -> None:
    """Stop sharing: the agency loses sight of the referral (it has one standing decision)."""
    _require_front_door(decision.referral, by)
    with transaction.atomic():  # the withdrawal and its history row
        # Withdrawn from two pages at once, the second finds it withdrawn and keeps the first's.
        if lock(decision, "withdrawn_at", "withdrawn_by").withdrawn_at:
            return
        decision.withdrawn_at = timezone.now()
        decision.withdrawn_by = by
        decision.save(update_fields=["withdrawn_at", "withdrawn_by"])


def referral_deadline_stage(*, due_on: date, today: date) -> tuple[str, str] | None:
    """Which deadline reminder a waiting referral has reached today, if any."""
    if due_on < today:
        return "overdue", "is past its decision deadline"
    if due_on == today:
        return "due_today", "needs a decision today"
    return None


def referral_deadline_reminders_send(*, today: date | None = None) -> int:
    """Remind each front door, and its manager, of referrals due today or past their deadline.

    The foundation has no "front door manager" role: the council's agency safeguarding leads
    are its managers here. Only undecided referrals due by today are read (a partial index),
    less those already told of the stage they have reached.
    """
    today = today or timezone.localdate()
    due = (
        Referral.objects.filter(status=ReferralStatus.SUBMITTED, decision_due_on__lte=today)
        .exclude(
            Q(decision_due_on=today)
            & already_notified(Referral, kind="referral_deadline", stage="due_today")
            | Q(decision_due_on__lt=today)
            & already_notified(Referral, kind="referral_deadline", stage="overdue")
        )
        .select_related("front_door")
        .order_by("decision_due_on", "pk")
    )
    recipients_by_agency: dict[int, list] = {}

    def reminders():
        for referral in due.iterator(chunk_size=500):
            stage, wording = referral_deadline_stage(due_on=referral.decision_due_on, today=today)
            flagged = " (immediate danger)" if referral.immediate_danger else ""
            yield Reminder(
                _front_door_and_managers(referral.front_door, recipients_by_agency),
                subject=referral,
                stage=stage,
                message=Message(
                    title=f"Referral {referral.reference}{flagged} {wording}",
                    body=f"The decision was due by {referral.decision_due_on:%A %-d %B %Y}.",
                    url=referral.get_absolute_url(),
                ),
                partnership_id=referral.partnership_id,
            )

    return notify_each(reminders(), kind="referral_deadline")


def _front_door_and_managers(front_door: Agency, known: dict[int, list]) -> list:
    """The council's front door workers and its agency safeguarding leads (its managers here),
    read once for each council a sweep reminds (`known` keeps them by council)."""
    if front_door.pk not in known:
        known[front_door.pk] = list(
            people_in_group(
                permissions.agency_group(front_door, role=Role.FRONT_DOOR_WORKER),
                permissions.agency_group(front_door, role=Role.AGENCY_SAFEGUARDING_LEAD),
            )
        )
    return known[front_door.pk]


# A reminder comes this many working days before an assessment or conference is due.
FOLLOW_UP_NOTICE_WORKING_DAYS = 5


def referral_follow_up_reminders_send(*, today: date | None = None) -> int:
    """Remind each front door, and its managers, of an open child and family assessment or
    initial child protection conference due within 5 working days, and again once it is overdue:
    each once (the outbox's key carries the clock and the stage).

    Only the clocks with a reminder to give are read, through each clock's partial index on its
    due date: those due within the notice on the calendar that reaches furthest (the
    partnerships' calendars are read in one query), less those already told they are overdue
    and those told they are due soon that are not overdue yet. So the daily cost follows the
    clocks reaching a stage, not the open ones. Returns how many reminders were new.
    """
    today = today or timezone.localdate()
    calendars = every_partnership_calendar()
    beyond = beyond_notice(calendars.values(), today, FOLLOW_UP_NOTICE_WORKING_DAYS)
    recipients_by_agency: dict[int, list] = {}

    def reminders():
        for name, clock in CLOCKS.items():
            to_remind = (
                Referral.objects.select_related("front_door")
                .filter(clock.open(), **{f"{clock.due}__lt": beyond})
                .exclude(
                    already_notified(Referral, kind="referral_follow_up", stage=f"{name}_overdue")
                )
                .exclude(
                    already_notified(Referral, kind="referral_follow_up", stage=f"{name}_due_soon"),
                    **{f"{clock.due}__gte": today},
                )
            )
            for referral in to_remind.order_by(clock.due, "pk").iterator(chunk_size=500):
                standing = clock.timescale(referral, calendars[referral.partnership_id], today)
                if standing.overdue:
                    stage, wording = "overdue", "is overdue"
                elif standing.working_days_left <= FOLLOW_UP_NOTICE_WORKING_DAYS:
                    left = standing.working_days_left
                    stage = "due_soon"
                    wording = (
                        f"is due in {left} working day{pluralize(left)}" if left else "is due today"
                    )
                else:
                    continue
                yield Reminder(
                    _front_door_and_managers(referral.front_door, recipients_by_agency),
                    subject=referral,
                    stage=f"{name}_{stage}",
                    message=Message(
                        title=f"Referral {referral.reference}: the {clock.name.lower()} {wording}",
                        body=f"It is due by {standing.due:%A %-d %B %Y}.",
                        url=referral.get_absolute_url(),
                    ),
                    partnership_id=referral.partnership_id,
                )

    return notify_each(reminders(), kind="referral_follow_up")


# ---------------------------------------------------------------------------
# Escalations


def escalation_stages_for(partnership: Partnership) -> list[EscalationStage]:
    """The partnership's escalation stages, set up with the defaults the first time."""
    stages = list(partnership.escalation_stages.order_by("number"))
    if stages:
        return stages
    EscalationStage.objects.bulk_create(
        [
            EscalationStage(
                partnership=partnership,
                number=number,
                name=name,
                response_working_days=days,
                contacts=contacts,
                contact_roles=[str(role) for role in roles],
            )
            for number, name, days, contacts, roles in DEFAULT_ESCALATION_STAGES
        ],
        ignore_conflicts=True,
    )
    return list(partnership.escalation_stages.order_by("number"))


def _stage_groups(escalation: Escalation, stage: EscalationStage):
    if stage.contacts == StageContacts.PARTNERSHIP:
        return permissions.partnership_groups(escalation.partnership, stage.contact_roles)
    return [
        permissions.agency_group(escalation.against_agency, role) for role in stage.contact_roles
    ]


def _stage_contacts(escalation: Escalation, stage: EscalationStage) -> tuple[list, list]:
    """Who answers for the stage, and the groups that give them sight of the escalation: its
    contacts, or the partnership's business team when nobody holds the role, so it is heard."""
    groups = _stage_groups(escalation, stage)
    contacts = list(people_in_group(*groups))
    if contacts:
        return contacts, groups
    business_team = permissions.partnership_group(escalation.partnership, Role.BUSINESS_TEAM)
    return list(business_team_of(escalation.partnership)), [*groups, business_team]


def _open_stage(escalation: Escalation, stage: EscalationStage) -> int:
    """Give the stage's contacts sight of the escalation and tell them, once per stage."""
    contacts, groups = _stage_contacts(escalation, stage)
    permissions.grant(escalation, [permissions.VIEW, permissions.CHANGE], groups=groups)
    recipients = {person.pk: person for person in [*contacts, escalation.raised_by]}
    return notify_all(
        recipients.values(),
        kind="escalation_stage",
        subject=escalation,
        partnership_id=escalation.partnership_id,
        stage=f"stage_{stage.number}",
        message=Message(
            title=f"Escalation {escalation.reference} is at stage {stage.number}: {stage.name}",
            body=f"A disagreement with {escalation.against_agency}'s decision needs a response "
            f"by {escalation.stage_due_on:%A %-d %B %Y}.\n\nWhat was decided: "
            f"{escalation.decision_disputed}",
            url=escalation.get_absolute_url(),
        ),
    )


def escalation_create(
    *,
    raised_by,
    against_agency: Agency,
    decision_disputed: str,
    reason: str,
    outcome_sought: str,
    referral: Referral | None = None,
    theme: str = "other",
    partnership: Partnership | None = None,
    today: date | None = None,
) -> Escalation:
    """Raise a disagreement with another agency's decision; it opens at stage 1.

    It is raised in the partnership of the referral it is about; otherwise in the partnership
    named, or, where none is named, the one partnership the two agencies share. Agencies that
    share several (a police force serves several councils) must say which: the disagreement
    follows that partnership's stages and reaches its people.
    """
    if raised_by.agency_id is None:
        raise PermissionDenied("Escalations are raised by staff of an agency.")
    errors = {}
    if referral is not None:
        permissions.require(raised_by, permissions.VIEW, referral)
        if referral.is_draft:
            # An unsent draft: no agency has decided anything on it, and it has no partnership.
            raise ValidationError(
                {
                    "referral": [
                        "A disagreement is about a referral that has been sent: this one "
                        "is still a draft."
                    ]
                }
            )
        if partnership is not None and partnership.pk != referral.partnership_id:
            errors["partnership"] = [
                f"A disagreement about a referral is raised in its partnership, "
                f"{referral.partnership}."
            ]
        partnership = referral.partnership
    elif partnership is not None:
        permissions.require(raised_by, permissions.VIEW, partnership)
    else:
        shared = list(
            Partnership.objects.filter(
                pk__in=Membership.objects.current()
                .filter(agency=against_agency)
                .values("partnership"),
            )
            .filter(pk__in=permissions.visible_partnership_ids(raised_by))
            .order_by("name")
        )
        if len(shared) > 1:
            errors["partnership"] = [
                f"{against_agency} works with your agency in "
                f"{' and '.join(p.name for p in shared)}: say which partnership the "
                "disagreement is in."
            ]
        partnership = shared[0] if len(shared) == 1 else None
    if against_agency.pk == raised_by.agency_id:
        errors["against_agency"] = ["Raise a disagreement with another agency, not your own."]
    if partnership is None:
        if "partnership" not in errors:
            errors["against_agency"] = ["That agency is not in a partnership with yours."]
    elif not (
        Membership.objects.current().filter(partnership=partnership, agency=against_agency).exists()
    ):
        # Named, or the referral's: an agency of another partnership the raiser's agency also
        # belongs to would be given sight of it.
        errors["against_agency"] = [
            f"{against_agency} is not a partner in {partnership}, where this disagreement "
            "is raised: choose one of its agencies."
        ]
    for name, value in (
        ("decision_disputed", decision_disputed),
        ("reason", reason),
        ("outcome_sought", outcome_sought),
    ):
        if not (value or "").strip():
            errors[name] = ["This cannot be blank."]
    if errors:
        raise ValidationError(errors)
    today = today or timezone.localdate()
    first = escalation_stages_for(partnership)[0]
    due = WorkingDayCalendar.for_partnership(partnership).add(today, first.response_working_days)
    with transaction.atomic():
        escalation = Escalation(
            partnership=partnership,
            referral=referral,
            raised_by=raised_by,
            raised_by_agency=raised_by.agency,
            against_agency=against_agency,
            decision_disputed=decision_disputed.strip(),
            reason=reason.strip(),
            outcome_sought=outcome_sought.strip(),
            theme=theme,
            stage=first.number,
            stage_started_on=today,
            stage_due_on=due.due,
        )
        escalation.full_clean()
        escalation.save()
        leads = permissions.agency_group(raised_by.agency, role=Role.AGENCY_SAFEGUARDING_LEAD)
        permissions.grant(
            escalation, [permissions.VIEW, permissions.CHANGE], users=[raised_by], groups=[leads]
        )
        _open_stage(escalation, first)
    return escalation


def escalation_respond(*, escalation: Escalation, by, text: str) -> EscalationResponse:
    """Either side records its response at the current stage."""
    permissions.require(by, permissions.CHANGE, escalation)
    if not escalation.is_open:
        raise ValidationError("This escalation has been resolved.")
    if not (text or "").strip():
        raise ValidationError({"text": ["Write your response."]})
    with transaction.atomic():
        # Sent from a page opened before it was resolved, or before the sweep moved it up: the
        # row as it stands decides whether it can be answered, and at which stage.
        _take_current_state(escalation)
        response = EscalationResponse.objects.create(
            escalation=escalation,
            stage=escalation.stage,
            by=by,
            agency=by.agency,
            text=text.strip(),
        )
        # Each side hears the other's response: the raiser the other side's, and whoever holds
        # the stage now (its contacts, or the business team for them) the raiser's side's.
        others = [escalation.raised_by]
        if acts_for_the_raiser(by, escalation):
            stage = next(
                s
                for s in escalation_stages_for(escalation.partnership)
                if s.number == response.stage
            )
            others += _stage_contacts(escalation, stage)[0]
        notify_all(
            {person.pk: person for person in others if person.pk != by.pk}.values(),
            kind="escalation_response",
            subject=response,
            partnership_id=escalation.partnership_id,
            stage="new",
            message=Message(
                title=f"{by.agency or by} responded to escalation {escalation.reference}",
                body=response.text,
                url=escalation.get_absolute_url(),
            ),
        )
    return response


def _take_current_state(escalation: Escalation) -> None:
    """Lock the escalation's row and read its status and stage from it: refused if it has been
    resolved since the copy in hand was read."""
    lock(escalation, "status", "stage", "stage_started_on", "stage_due_on")
    if not escalation.is_open:
        raise ValidationError("This escalation has been resolved.")


def _require_raiser_side(escalation: Escalation, by, action: str) -> None:
    permissions.require(by, permissions.CHANGE, escalation)
    if not acts_for_the_raiser(by, escalation):
        raise PermissionDenied(
            f"Only the person who raised the escalation, or their agency's safeguarding lead, "
            f"can {action}."
        )


def escalation_resolve(
    *, escalation: Escalation, by, resolution: str, notes: str = ""
) -> Escalation:
    """The raiser (or their agency's safeguarding lead) closes the disagreement with its outcome."""
    _require_raiser_side(escalation, by, "resolve it")
    if not escalation.is_open:
        raise ValidationError("This escalation has already been resolved.")
    if resolution not in EscalationResolution.values:
        raise ValidationError(
            {"resolution": ["Choose agreed, decision upheld or decision changed."]}
        )
    stages = escalation_stages_for(escalation.partnership)
    with transaction.atomic():
        # Resolved from two pages at once, the second waits here and is refused; the stage is
        # read from the row too, in case the sweep moved it since the page was opened.
        lock(escalation, "status", "stage")
        if not escalation.is_open:
            raise ValidationError("This escalation has already been resolved.")
        stage = next(s for s in stages if s.number == escalation.stage)
        escalation.status = EscalationStatus.RESOLVED
        escalation.resolution = resolution
        escalation.resolution_notes = (notes or "").strip()
        escalation.resolved_at = timezone.now()
        escalation.save(update_fields=["status", "resolution", "resolution_notes", "resolved_at"])
        # The other side hears the outcome: whoever answers for the current stage.
        notify_all(
            [person for person in _stage_contacts(escalation, stage)[0] if person.pk != by.pk],
            kind="escalation_resolved",
            subject=escalation,
            partnership_id=escalation.partnership_id,
            stage="resolved",
            message=Message(
                title=f"Escalation {escalation.reference} resolved: "
                f"{escalation.get_resolution_display()}",
                body=escalation.resolution_notes,
                url=escalation.get_absolute_url(),
            ),
        )
    return escalation


def good_practice_record(
    *, escalation: Escalation, by, agency: Agency, description: str
) -> GoodPractice:
    """Anyone who can see an escalation records good practice noticed along the way."""
    permissions.require(by, permissions.VIEW, escalation)
    if not (description or "").strip():
        raise ValidationError({"description": ["Describe the good practice."]})
    return GoodPractice.objects.create(
        escalation=escalation, agency=agency, description=description.strip(), recorded_by=by
    )


def escalation_stage_sweep(*, today: date | None = None) -> int:
    """Move every open escalation whose stage timescale has passed to the next stage.

    Only open escalations overdue by today are read (a partial index). The move is a
    conditional update, so two sweeps at once move it once; the outbox tells each contact once.
    Returns how many escalations moved.
    """
    today = today or timezone.localdate()
    overdue = Escalation.objects.filter(
        status=EscalationStatus.OPEN, stage_due_on__lt=today
    ).select_related("partnership", "against_agency", "raised_by")
    partnership_ids = set(overdue.order_by().values_list("partnership_id", flat=True).distinct())
    stages_by_partnership = _escalation_stages_of(partnership_ids)
    calendars = calendars_for(partnership_ids)
    moved = 0
    # An escalation from another partnership opened since is left to the next sweep.
    for escalation in overdue.filter(partnership_id__in=partnership_ids).iterator(chunk_size=200):
        partnership_id = escalation.partnership_id
        # At the last stage there is nowhere further: the partnership's partners hold it.
        if _move_up(
            escalation, stages_by_partnership[partnership_id], calendars[partnership_id], today
        ):
            moved += 1
    return moved


def _escalation_stages_of(partnership_ids) -> dict[int, list[EscalationStage]]:
    """Each partnership's escalation stages, read in one query; set up as
    `escalation_stages_for` does for a partnership that has none yet."""
    stages = defaultdict(list)
    for stage in EscalationStage.objects.filter(partnership_id__in=partnership_ids).order_by(
        "partnership_id", "number"
    ):
        stages[stage.partnership_id].append(stage)
    for partnership in Partnership.objects.filter(pk__in=set(partnership_ids) - set(stages)):
        stages[partnership.pk] = escalation_stages_for(partnership)
    return stages


def _move_up(
    escalation: Escalation, stages: list[EscalationStage], calendar: WorkingDayCalendar, today
) -> bool:
    """Open the next stage, unless there is none or someone else moved it first."""
    following = [s for s in stages if s.number > escalation.stage]
    if not following:
        return False
    stage = following[0]
    due = calendar.add(today, stage.response_working_days).due
    with transaction.atomic():
        claimed = Escalation.objects.filter(
            pk=escalation.pk, status=EscalationStatus.OPEN, stage=escalation.stage
        ).update(stage=stage.number, stage_started_on=today, stage_due_on=due)
        if not claimed:
            return False
        indicators.figures_changed([escalation.partnership_id])
        escalation.stage, escalation.stage_started_on, escalation.stage_due_on = (
            stage.number,
            today,
            due,
        )
        _open_stage(escalation, stage)
    return True


def escalation_escalate(*, escalation: Escalation, by, today: date | None = None) -> Escalation:
    """The raiser, not satisfied with the response, takes it to the next stage now."""
    _require_raiser_side(escalation, by, "escalate it further")
    if not escalation.is_open:
        raise ValidationError("This escalation has been resolved.")
    today = today or timezone.localdate()
    stages = escalation_stages_for(escalation.partnership)
    calendar = WorkingDayCalendar.for_partnership(escalation.partnership)
    with transaction.atomic():
        # From a page opened before it was resolved (or moved up), the row as it stands decides:
        # "resolved" is said as such, and the next stage is the one after where it is now.
        _take_current_state(escalation)
        if not _move_up(escalation, stages, calendar, today):
            raise ValidationError("This escalation is already at the last stage.")
    return escalation


def escalation_stages_update(*, partnership: Partnership, by, stages: list[dict]) -> None:
    """The business team renames stages or changes their response timescales."""
    permissions.require(by, permissions.CHANGE, partnership)
    current = {stage.pk: stage for stage in escalation_stages_for(partnership)}
    with transaction.atomic():
        for change in stages:
            stage = current.get(change["id"])
            if stage is None:
                raise ValidationError("That stage belongs to another partnership.")
            if not 1 <= change["response_working_days"] <= 60:
                raise ValidationError(
                    {"response_working_days": ["Give between 1 and 60 working days."]}
                )
            stage.name = change["name"].strip() or stage.name
            stage.response_working_days = change["response_working_days"]
            stage.save(update_fields=["name", "response_working_days"])

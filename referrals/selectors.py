"""Reads of referrals and escalations, always through the permission layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from django.db import NotSupportedError
from django.db.models import Count, DateTimeField, Exists, Func, OuterRef, Prefetch, Q
from django.utils import timezone

from partnerships.choices import Role
from partnerships.models import Agency, Membership, Partnership, User
from safeguarding import permissions
from safeguarding.working_days import WorkingDayCalendar, WorkingDayCount, calendars_for

from .choices import (
    ASSESSMENT_WORKING_DAYS,
    CONFERENCE_WORKING_DAYS,
    Category,
    ReachKind,
    ReferralStatus,
)
from .models import CATEGORIES_READ, Escalation, Referral, ReferralCategory, ReferralChild

# A repeat referral: the same child referred to the same front door within the 12 months
# before, counted in whole UK days by the calendar (the day of the year before included).
REPEAT_WITHIN = relativedelta(months=12)
# Who sees the aggregate dashboards of a partnership: counts and timeliness, never names.
DASHBOARD_ROLES = (
    Role.BUSINESS_TEAM,
    Role.INDEPENDENT_SCRUTINEER,
    Role.LEAD_SAFEGUARDING_PARTNER,
    Role.DELEGATED_SAFEGUARDING_PARTNER,
    Role.SYSTEM_ADMIN,
)


def people_in_group(*groups):
    """The active people in any of the groups (each once)."""
    return User.objects.filter(is_active=True, groups__in=list(groups)).distinct().order_by("pk")


def referrals_visible_to(user, action: str = permissions.VIEW):
    """Referrals a person may see (the policy shows drafts only to their own referrer)."""
    return permissions.restrict(Referral.objects.all(), user, action)


def is_front_door_for(user, referral: Referral) -> bool:
    """Whether the person works at the front door the referral was sent to (a draft has not
    been sent: it has no partnership yet, and no front door works on it)."""
    if referral.partnership_id is None:
        return False
    if user.is_superuser:
        return True
    return (
        user.is_authenticated
        and referral.front_door_id is not None
        and user.agency_id == referral.front_door_id
        and permissions.has_role(user, referral.partnership, Role.FRONT_DOOR_WORKER)
    )


def with_categories(queryset):
    """Each referral's kinds of harm read for the whole page, kept as a plain list: a prefetch
    that keeps a queryset for each row cost a 50-row page 1.4 ms more."""
    return queryset.prefetch_related(
        Prefetch(
            "categories",
            queryset=ReferralCategory.objects.order_by("category"),
            to_attr=CATEGORIES_READ,
        )
    )


def front_door_queue(user):
    """Undecided referrals at the front door the person works for: flagged first, then oldest.

    Read through the front door's own reach, one indexed column. Through the restriction on
    changes, which adds the person's own drafts, the queue's conditions came twice and PostgreSQL
    expected 372 rows of a backlog of 19,548: it sorted them all for each page (25 ms) where it
    now reads the first 50 in order from the queue's index (0.3 ms).
    """
    waiting = Referral.objects.filter(status=ReferralStatus.SUBMITTED)
    return with_categories(
        permissions.restrict_to_reach(waiting, user, ReachKind.SENT_TO_YOUR_FRONT_DOOR)
        .select_related("referrer_agency", "partnership")
        .order_by("-immediate_danger", "received_at", "id")
    )


def decision_deadline_standing(referrals, today: date) -> None:
    """Mark each waiting referral of a page with where it stands against its decision deadline.

    `late_by`: the working days since the day it was due, and at least 1 once that day has
    passed, so a referral due on Friday is late, not "due today", on the Saturday or a bank
    holiday after it (the referral page's "Deadline passed" says the same). `due_today`: only
    when it is due today.
    """
    for referral in referrals:
        referral.late_by, referral.due_today = 0, referral.decision_due_on == today
    late = [referral for referral in referrals if referral.is_past_decision_deadline(today)]
    calendars = calendars_for(referral.partnership_id for referral in late)
    for referral in late:
        calendar = calendars[referral.partnership_id]
        referral.late_by = max(1, calendar.between(referral.decision_due_on, today))


@dataclass(frozen=True)
class Timescale:
    """A clock that follows the front door's decision, and where the referral stands on it.

    `working_days_left` counts the working days from today to the stored due date. Once its day
    has passed it is overdue, on the weekend or bank holiday after it too (as the decision
    deadline is). `deadline`, on the referral's page, explains how the due date was worked out
    (it stands once set).
    """

    name: str
    due: date
    done_on: date | None
    not_needed_on: date | None
    working_days_left: int
    overdue: bool
    deadline: WorkingDayCount | None = None

    @property
    def standing(self) -> tuple[str, str]:
        """The colour and words of its status tag."""
        if self.not_needed_on is not None:
            return "grey", "Not needed"
        if self.done_on is not None:
            if self.done_on <= self.due:
                return "green", "Completed on time"
            return "red", "Completed late"
        if self.overdue:
            return "red", "Overdue"
        if self.working_days_left == 0:
            return "orange", "Due today"
        unit = "working day" if self.working_days_left == 1 else "working days"
        return "blue", f"Due in {self.working_days_left} {unit}"


@dataclass(frozen=True)
class Clock:
    """One of the clocks a decision starts: its name, its columns and its working days, counted
    from the day in `counts_from` (blank: the day the referral was received)."""

    name: str
    due: str
    done: str
    days: int
    counts_from: str = ""
    not_needed: str = ""

    def start(self, referral: Referral) -> date:
        if self.counts_from:
            return getattr(referral, self.counts_from)
        return timezone.localdate(referral.received_at)

    def open(self) -> Q:
        """Started and not done: what its partial index on the front door and due date holds."""
        still = Q(**{f"{self.due}__isnull": False, f"{self.done}__isnull": True})
        if self.not_needed:
            still &= Q(**{f"{self.not_needed}__isnull": True})
        return still

    def timescale(self, referral, calendar: WorkingDayCalendar, today: date, *, explain=False):
        due = getattr(referral, self.due)
        return Timescale(
            name=self.name,
            due=due,
            done_on=getattr(referral, self.done),
            not_needed_on=getattr(referral, self.not_needed) if self.not_needed else None,
            working_days_left=calendar.between(today, due),
            overdue=due < today,
            deadline=calendar.explain(self.start(referral), self.days, due) if explain else None,
        )


ASSESSMENT = Clock(
    "Child and family assessment",
    "assessment_due_on",
    "assessment_completed_on",
    ASSESSMENT_WORKING_DAYS,
)
CONFERENCE = Clock(
    "Initial child protection conference",
    "conference_due_on",
    "conference_held_on",
    CONFERENCE_WORKING_DAYS,
    counts_from="strategy_discussion_on",
    not_needed="conference_not_needed_on",
)
CLOCKS = {"assessments": ASSESSMENT, "conferences": CONFERENCE}


def outcome_timescales(
    referral: Referral, calendar: WorkingDayCalendar, today: date
) -> dict[str, Timescale]:
    """The assessment's and the conference's clocks, each once it has started, by name, with
    how each due date was worked out."""
    return {
        name: clock.timescale(referral, calendar, today, explain=True)
        for name, clock in (("assessment", ASSESSMENT), ("conference", CONFERENCE))
        if getattr(referral, clock.due) is not None
    }


def front_door_follow_ups(user, clock: Clock):
    """Referrals sent to the person's front door whose `clock` is still open, soonest due first.

    Read through the front door's own reach and in order from the clock's partial index, which
    holds only the open ones.
    """
    return with_categories(
        permissions.restrict_to_reach(
            Referral.objects.filter(clock.open()), user, ReachKind.SENT_TO_YOUR_FRONT_DOOR
        )
        .select_related("referrer_agency")
        .order_by(clock.due, "id")
    )


def follow_up_standing(referrals, clock: Clock, today: date) -> None:
    """Give each referral of a page its `timescale` on the clock (calendars read in one query)."""
    calendars = calendars_for(referral.partnership_id for referral in referrals)
    for referral in referrals:
        referral.timescale = clock.timescale(referral, calendars[referral.partnership_id], today)


def possible_duplicates(referral: Referral):
    """Other referrals to the same front door about a child with the same name and birthday.

    For the front door only: never shown to a referrer.
    """
    children = [c for c in referral.children.all() if c.date_of_birth]
    if not children or referral.received_at is None:
        return Referral.objects.none()
    match = Q()
    for child in children:
        match |= Q(
            date_of_birth=child.date_of_birth,
            last_name__iexact=child.last_name,
            first_name__iexact=child.first_name,
        )
    same_child = ReferralChild.objects.filter(match, referral=OuterRef("pk"))
    return (
        Referral.objects.filter(
            front_door_id=referral.front_door_id,
            received_at__gte=repeat_window_start(referral.received_at),
        )
        .exclude(status=ReferralStatus.DRAFT)
        .exclude(pk=referral.pk)
        .filter(Exists(same_child))
        .order_by("-received_at")
    )


def repeat_window_start(received_at: datetime) -> datetime:
    """When the 12 months before a referral received at `received_at` begin: the start of the
    UK day a year of calendar months before its day (29 February's year before starts on 28)."""
    day = timezone.localdate(received_at) - REPEAT_WITHIN
    return timezone.make_aware(datetime.combine(day, time.min))


class RepeatWindowStart(Func):
    """`repeat_window_start` in SQL, for flagging many referrals at once (PostgreSQL only, as
    bulk loads are)."""

    output_field = DateTimeField()

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError("Repeat referrals are recounted in bulk on PostgreSQL only.")

    def as_postgresql(self, compiler, connection, **extra):
        received_at, params = compiler.compile(self.source_expressions[0])
        zone = timezone.get_current_timezone_name()
        day_before = f"DATE_TRUNC('day', {received_at} AT TIME ZONE %s) - INTERVAL '12 months'"
        return f"(({day_before}) AT TIME ZONE %s)", (*params, zone, zone)


def earlier_referral_of_a_child():
    """Whether a child of the referral (`OuterRef("pk")`) had been referred before.

    To the same front door, in the 12 months before this referral was received, by the duplicate
    match above; for flagging many referrals at once.
    """
    earlier = ReferralChild.objects.filter(
        date_of_birth=OuterRef("date_of_birth"),
        last_name__iexact=OuterRef("last_name"),
        first_name__iexact=OuterRef("first_name"),
        referral__front_door=OuterRef("referral__front_door"),
        referral__received_at__lt=OuterRef("referral__received_at"),
        referral__received_at__gte=RepeatWindowStart(OuterRef("referral__received_at")),
    )
    return Exists(
        ReferralChild.objects.filter(
            Exists(earlier), referral=OuterRef("pk"), date_of_birth__isnull=False
        )
    )


def local_authorities_with_front_door():
    """Councils that are a partnership's local authority partner: they have a front door here."""
    seats = Membership.objects.current().local_authorities().filter(agency=OuterRef("pk"))
    return Agency.objects.active().filter(Exists(seats)).order_by("name")


def dashboard_partnership_ids(user):
    return permissions.partnership_ids_with_role(user, DASHBOARD_ROLES)


def escalation_partnerships(user, referral: Referral | None = None):
    """The partnerships a person may raise a disagreement in: the referral's own when it is
    about one, otherwise any the person's agency works in. Only staff of an agency raise them."""
    if user.agency_id is None:
        return Partnership.objects.none()
    if referral is not None:
        return Partnership.objects.filter(pk=referral.partnership_id)
    return Partnership.objects.filter(pk__in=permissions.visible_partnership_ids(user))


def acts_for_the_raiser(user, escalation: Escalation) -> bool:
    """Whether a person holding the right to change the escalation may also resolve it or take
    it further: the person who raised it, or a safeguarding lead of the agency that raised it.
    The page offers the buttons and the services allow the actions by this one rule. Both ask
    `permissions.can(CHANGE)` before it, so it is not asked again here (a query each time)."""
    return user.pk == escalation.raised_by_id or (
        user.agency_id == escalation.raised_by_agency_id
        and Role.AGENCY_SAFEGUARDING_LEAD in permissions.user_roles(user)
    )


def escalations_visible_to(user):
    return permissions.restrict(Escalation.objects.all(), user).select_related(
        "raised_by_agency", "against_agency", "partnership"
    )


def category_counts(referrals) -> list[dict]:
    """How many of the referrals are about each kind of harm.

    The referrals' keys are read first and the categories found through their index (a key
    and a kind: nothing else to read). Written as `IN (subquery)`, PostgreSQL read every
    category in the country to match the 55,022 referrals of the largest partnership's year.
    Each kind is counted in the one pass, where grouping by kind sorted the 73,291 categories
    found first (PostgreSQL cannot tell how many a list of keys will find).
    """
    counts = ReferralCategory.objects.filter(
        permissions.among("referral", referrals.values("pk"))
    ).aggregate(
        **{f"of_{kind}": Count("category", filter=Q(category=kind)) for kind in Category.values}
    )
    found = [{"category": kind, "count": counts[f"of_{kind}"]} for kind in Category.values]
    return sorted(
        (row for row in found if row["count"]), key=lambda row: (-row["count"], row["category"])
    )

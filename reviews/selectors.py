"""Reads of incidents and reviews, always through the permission layer."""

from collections import defaultdict
from datetime import date

from django.db.models import Count, F, Q
from django.utils import timezone

from partnerships.choices import Role
from partnerships.indicators import Period, by_agency, percent
from partnerships.models import Action, Membership
from safeguarding import permissions
from safeguarding.working_days import calendars_for

from .choices import (
    OPEN_REVIEW_STATUSES,
    OUTSTANDING_RETURN_STATUSES,
    PartnerKind,
    RapidReviewStatus,
)
from .models import (
    AgencyReturn,
    IncidentChild,
    PracticeReview,
    RapidReview,
    SeriousIncident,
    SignOff,
    rag_for,
)

# Who sees a partnership's review figures on the dashboard (aggregates only for scrutineers).
DASHBOARD_ROLES = (
    Role.BUSINESS_TEAM,
    Role.DELEGATED_SAFEGUARDING_PARTNER,
    Role.LEAD_SAFEGUARDING_PARTNER,
    Role.INDEPENDENT_SCRUTINEER,
)


# The dashboard lists the open reviews due soonest; the review list pages through the rest.
DASHBOARD_OPEN_REVIEWS = 50


def with_timing(reviews, *, today: date | None = None, calendars=None):
    """Give each rapid review its working days remaining, RAG, and whether it was on time.

    `calendars` (by partnership) saves reading them again when the caller already has them.
    """
    today = today or timezone.localdate()
    reviews = list(reviews)
    if calendars is None:
        calendars = calendars_for(r.partnership_id for r in reviews)
    for review in reviews:
        calendar = calendars[review.partnership_id]
        review.working_days_remaining = None
        review.on_time = None
        review.by_extension = False
        review.late_by = None
        review.overdue_by = None
        if review.submitted_on:
            # On time means on or before the deadline (as the dashboard counts it in the
            # database); a late review is late by at least one working day.
            review.on_time = review.submitted_on <= review.due_on
            # The indicators count such a review late: it missed the first 15 working days.
            review.by_extension = review.on_time and review.submitted_on > review.original_due_on
            if not review.on_time:
                review.late_by = max(calendar.between(review.due_on, review.submitted_on), 1)
        else:
            review.working_days_remaining = calendar.between(today, review.due_on)
            if review.working_days_remaining < 0:
                review.overdue_by = -review.working_days_remaining
        review.rag = rag_for(review.working_days_remaining)
    return reviews


def incidents_visible_to(user):
    return permissions.restrict(SeriousIncident.objects.all(), user).select_related(
        "partnership", "local_authority", "home_local_authority", "rapid_review"
    )


def children_visible_to(user, incident):
    """The children's identifying details, for the people allowed to identify them."""
    return permissions.restrict(IncidentChild.objects.filter(incident=incident), user)


def rapid_reviews_visible_to(user):
    return permissions.restrict(RapidReview.objects.all(), user).select_related(
        "incident", "partnership"
    )


def returns_visible_to(user):
    return permissions.restrict(AgencyReturn.objects.all(), user).select_related(
        "agency", "rapid_review__incident"
    )


def practice_reviews_visible_to(user):
    return permissions.restrict(PracticeReview.objects.all(), user).select_related(
        "rapid_review__incident", "partnership"
    )


def can_record_incident(user, partnership) -> bool:
    """The business team, and staff of a local authority partner, record serious incidents."""
    if permissions.has_role(user, partnership, Role.BUSINESS_TEAM):
        return True
    if not user.is_authenticated or not user.agency_id:
        return False
    is_council = (
        Membership.objects.current()
        .local_authorities()
        .filter(partnership=partnership, agency_id=user.agency_id)
        .exists()
    )
    return is_council and any(held == partnership.pk for held, _ in permissions.held_roles(user))


def partner_kind_of(user, partnership) -> str | None:
    """Which safeguarding partner a delegated safeguarding partner speaks for, if any."""
    if not user.agency_id or not permissions.has_role(
        user, partnership, Role.DELEGATED_SAFEGUARDING_PARTNER
    ):
        return None
    membership = (
        Membership.objects.current()
        .filter(partnership=partnership, agency_id=user.agency_id)
        .first()
    )
    kind = membership.partner_kind if membership else None
    return kind if kind in PartnerKind.values else None


def with_sign_off_kinds(reviews):
    """Give each rapid review `signed_off_kinds`: the partners that have signed it off, sorted.

    One small read for a page; a prefetch of the sign-offs cost the rapid reviews API 3.8 ms a
    page of 50, most of it making a queryset for each review (docs/performance.md).
    """
    reviews = list(reviews)
    kinds = defaultdict(list)
    signed = (
        SignOff.objects.filter(rapid_review__in=[review.pk for review in reviews])
        .order_by("partner_kind")
        .values_list("rapid_review_id", "partner_kind")
    )
    for review_id, kind in signed:
        kinds[review_id].append(kind)
    for review in reviews:
        review.signed_off_kinds = kinds[review.pk]
    return reviews


def dashboard_partnership_ids(user):
    return permissions.partnership_ids_with_role(user, DASHBOARD_ROLES)


def dashboard(user, *, period: Period | None, today: date | None = None) -> dict:
    """The review figures for the partnerships a person oversees, computed in the database; none
    submitted in a period not given (one asked for wrongly)."""
    today = today or timezone.localdate()
    partnerships = dashboard_partnership_ids(user)
    # Scrutineers see the RAG counts of every open review, never the reviews themselves.
    open_deadlines = list(
        RapidReview.objects.open()
        .filter(partnership__in=partnerships)
        .values_list("partnership_id", "due_on")
    )
    calendars = calendars_for(partnership_id for partnership_id, _ in open_deadlines)
    rag_counts = {"red": 0, "amber": 0, "green": 0}
    for partnership_id, due_on in open_deadlines:
        rag_counts[rag_for(calendars[partnership_id].between(today, due_on))] += 1
    # The table shows a reference, a due date and a RAG: the rest of each row is left unread.
    open_reviews = with_timing(
        rapid_reviews_visible_to(user)
        .filter(status__in=OPEN_REVIEW_STATUSES, partnership__in=partnerships)
        .select_related(None)
        .select_related("incident")
        .only("incident__reference", "partnership", "due_on", "submitted_on")
        .order_by("due_on", "pk")[:DASHBOARD_OPEN_REVIEWS],
        today=today,
        calendars=calendars,
    )
    returns_outstanding = by_agency(
        AgencyReturn.objects.filter(
            partnership__in=partnerships,
            status__in=OUTSTANDING_RETURN_STATUSES,
            rapid_review__status__in=OPEN_REVIEW_STATUSES,
        )
        .values("agency", "agency__name")
        .annotate(outstanding=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
        .order_by("-overdue", "-outstanding", "agency__name", "agency"),
        "agency",
        "agency__name",
        ("outstanding", "overdue"),
    )
    # On time as the indicators count it: within the original 15 working days. An agreed
    # extension explains lateness; those submitted by one are counted beside.
    submitted = None
    if period is not None:
        submitted = RapidReview.objects.filter(
            partnership__in=partnerships,
            status=RapidReviewStatus.SUBMITTED,
            submitted_on__range=(period.start, period.end),
        ).aggregate(
            total=Count("pk"),
            on_time=Count("pk", filter=Q(submitted_on__lte=F("original_due_on"))),
            by_extension=Count(
                "pk",
                filter=Q(submitted_on__gt=F("original_due_on"), submitted_on__lte=F("due_on")),
            ),
        )
        submitted["percent"] = percent(submitted["on_time"], submitted["total"])
    actions_overdue = by_agency(
        Action.objects.overdue(on=today)
        .filter(partnership__in=partnerships)
        .values("owner_agency", "owner_agency__name")
        .annotate(overdue=Count("pk"))
        .order_by("-overdue", "owner_agency__name", "owner_agency"),
        "owner_agency",
        "owner_agency__name",
        ("overdue",),
    )
    return {
        "open_reviews": open_reviews,
        "rag_counts": rag_counts,
        "open_total": sum(rag_counts.values()),
        "returns_outstanding": returns_outstanding,
        "submitted": submitted,
        "actions_overdue": actions_overdue,
    }

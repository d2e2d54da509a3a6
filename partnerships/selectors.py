"""Reads of partnerships, agencies and people, always through the permission layer."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from safeguarding import permissions

from .choices import PARTNER_ROLES, SAFEGUARDING_PARTNER_ROLES, MembershipRole, Role, Sector
from .models import (
    Action,
    Agency,
    DesignatedSafeguardingLead,
    Membership,
    Partnership,
    RoleAssignment,
    User,
)


def current_memberships():
    return Membership.objects.current().select_related("agency", "partnership")


def partner_seats():
    """The current safeguarding partner memberships: three a partnership, whatever its size."""
    return current_memberships().filter(role__in=SAFEGUARDING_PARTNER_ROLES)


def partnerships_with_partner_seats():
    """Partnerships with their region and, as `partner_seats`, their current safeguarding
    partners: three or so a partnership, never the hundreds of relevant agencies."""
    return Partnership.objects.select_related("region").prefetch_related(
        Prefetch("memberships", queryset=partner_seats(), to_attr="partner_seats")
    )


def relevant_agencies_by_sector(partnership) -> list[dict]:
    """How many relevant agencies of each sector the partnership has, counted in the database:
    a partnership's directory holds hundreds of schools, practices and charities."""
    counts = (
        Membership.objects.current()
        .filter(partnership=partnership, role=MembershipRole.RELEVANT_AGENCY)
        .values("agency__sector")
        .annotate(agencies=Count("pk"))
        .order_by("-agencies", "agency__sector")
    )
    labels = dict(Sector.choices)
    return [
        {"sector": sector, "label": labels[sector], "agencies": agencies}
        for sector, agencies in counts.values_list("agency__sector", "agencies")
    ]


def relevant_agency_count():
    """For a query of partnerships: how many relevant agencies each has now."""
    counted = (
        Membership.objects.current()
        .filter(partnership=OuterRef("pk"), role=MembershipRole.RELEVANT_AGENCY)
        .order_by()
        .values("partnership")
        .annotate(agencies=Count("pk"))
        .values("agencies")
    )
    return Coalesce(Subquery(counted), 0)


def current_members_of(partnership_id):
    """The agencies that are members of the partnership now, as a subquery of keys."""
    return Membership.objects.current().filter(partnership=partnership_id).values("agency")


def member_agencies(partnership):
    """The agencies that are members of the partnership now, by name."""
    return Agency.objects.filter(pk__in=current_members_of(partnership.pk)).order_by("name")


def agencies_named(text: str):
    """Agencies whose name holds every word of `text`, in any case."""
    return Agency.objects.filter(*(Q(name__icontains=word) for word in text.split()))


def people_named(text: str):
    """People whose first or last name, username or email holds each word of `text`."""
    return User.objects.filter(*(Q(search_text__icontains=word) for word in text.split()))


def people_of(partnership, user):
    return (
        permissions.restrict(RoleAssignment.objects.current(), user)
        .filter(partnership=partnership)
        .select_related("user", "user__agency")
        .order_by("role", "user__last_name", "pk")
    )


def safeguarding_leads_visible_to(user):
    return permissions.restrict(DesignatedSafeguardingLead.objects.all(), user).select_related(
        "agency"
    )


def people_with_role(partnership, *roles: str, agency=None):
    """Active people holding any of `roles` now in the partnership (in any partnership when it
    is None), optionally at one agency."""
    held = RoleAssignment.objects.current().filter(user=OuterRef("pk"), role__in=roles)
    if partnership is not None:
        held = held.filter(partnership=partnership)
    people = User.objects.filter(Exists(held), is_active=True)
    if agency is not None:
        people = people.filter(agency=agency)
    return people


def business_team_of(partnership):
    return people_with_role(partnership, Role.BUSINESS_TEAM)


def agency_leads_in(partnership, agency) -> list:
    return list(people_with_role(partnership, Role.AGENCY_SAFEGUARDING_LEAD, agency=agency))


def agency_leads_else_business_team(partnership, agency) -> list:
    """Who is reminded of what an agency owes the partnership: its safeguarding leads there,
    else the business team, to pass it on."""
    return agency_leads_in(partnership, agency) or list(business_team_of(partnership))


def actions_visible_to(user):
    return permissions.restrict(Action.objects.all(), user).select_related(
        "partnership", "owner_agency"
    )


def action_source_shown_to(user, action: Action):
    """The record an action comes from, if the person may open it; otherwise None, and the
    page names only its kind. An agency may own an action from a rapid review it cannot see,
    and a scrutineer reads actions agreed at an audit's moderation but never a case's reference.
    """
    # Imported here: audits.selectors reads actions through this module.
    from audits.models import AuditCase
    from audits.selectors import sees_case_detail

    source = action.source
    if source is None or not permissions.can(user, permissions.VIEW, source):
        return None
    if isinstance(source, AuditCase) and not sees_case_detail(user, source.audit):
        return None
    return source


# Who reads a partnership's indicators, dashboard and benchmarking: aggregates only.
INDICATOR_ROLES = (
    Role.BUSINESS_TEAM,
    *PARTNER_ROLES,
    Role.INDEPENDENT_SCRUTINEER,
    Role.SYSTEM_ADMIN,
)


def require_indicator_reader(user, partnership) -> None:
    """403 for someone who can see the partnership but does not oversee its performance."""
    if not permissions.has_role(user, partnership, *INDICATOR_ROLES):
        raise PermissionDenied("The indicators are for the partnership's leaders and scrutineer.")


def indicator_partnerships(user):
    """Partnerships whose indicators the person may read."""
    return Partnership.objects.filter(
        pk__in=permissions.partnership_ids_with_role(user, INDICATOR_ROLES)
    ).select_related("region")

"""Reads of partnerships, agencies and people, always through the permission layer."""

from safeguarding import permissions

from .choices import Role
from .models import Action, DesignatedSafeguardingLead, Membership, RoleAssignment, User


def current_memberships():
    return Membership.objects.current().select_related("agency", "partnership")


def people_of(partnership, user):
    return (
        permissions.restrict(RoleAssignment.objects.current(), user)
        .filter(partnership=partnership)
        .select_related("user", "user__agency")
        .order_by("role", "user__last_name")
    )


def safeguarding_leads_visible_to(user):
    return permissions.restrict(DesignatedSafeguardingLead.objects.all(), user).select_related(
        "agency"
    )


def people_with_role(partnership, *roles: str, agency=None):
    """Active people holding any of `roles` in the partnership (optionally at one agency)."""
    people = User.objects.filter(
        is_active=True,
        role_assignments__partnership=partnership,
        role_assignments__role__in=roles,
        role_assignments__ended_on__isnull=True,
    )
    if agency is not None:
        people = people.filter(agency=agency)
    return people.distinct()


def business_team_of(partnership):
    return people_with_role(partnership, Role.BUSINESS_TEAM)


def agency_leads_in(partnership, agency) -> list:
    return list(people_with_role(partnership, Role.AGENCY_SAFEGUARDING_LEAD, agency=agency))


def actions_visible_to(user):
    return permissions.restrict(Action.objects.all(), user).select_related(
        "partnership", "owner_agency"
    )

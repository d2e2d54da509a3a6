"""Reads of partnerships, agencies and people, always through the permission layer."""

from safeguarding import permissions

from .choices import Role
from .models import DesignatedSafeguardingLead, Membership, RoleAssignment


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


def business_team_of(partnership):
    from .models import User

    return User.objects.filter(
        is_active=True,
        role_assignments__partnership=partnership,
        role_assignments__role=Role.BUSINESS_TEAM,
        role_assignments__ended_on__isnull=True,
    ).distinct()

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from partnerships.choices import MembershipRole, Role, Sector
from partnerships.models import Membership, Partnership, RoleAssignment
from safeguarding import permissions
from tests.partnerships.factories import (
    AgencyFactory,
    ConstitutedPartnershipFactory,
    MembershipFactory,
    RoleAssignmentFactory,
    UserFactory,
)
from tests.personas import BUSINESS, OTHER_PARTNERSHIP, PRACTITIONER_POLICE, SCRUTINEER


def visible(user):
    return set(permissions.restrict(Partnership.objects.all(), user).values_list("name", flat=True))


def test_staff_of_a_member_agency_see_the_partnership(db):
    partnership = ConstitutedPartnershipFactory()
    agency = AgencyFactory()
    user = UserFactory(agency=agency)
    assert visible(user) == set()

    MembershipFactory(partnership=partnership, agency=agency)

    assert visible(user) == {partnership.name}


def test_an_agency_that_leaves_stops_seeing_the_partnership(db):
    membership = MembershipFactory()
    user = UserFactory(agency=membership.agency)
    assert visible(user) == {membership.partnership.name}

    membership.left_on = date.today() - timedelta(days=1)
    membership.save()

    assert visible(user) == set()


@pytest.mark.parametrize(
    ("joined", "left", "seen"),
    [
        (0, None, True),  # from its joining day
        (1, None, False),
        (-30, 0, True),  # to its leaving day, both included
        (-30, -1, False),
        (-30, 5, True),
    ],
)
def test_an_agency_sees_a_partnership_on_the_days_its_membership_is_current(db, joined, left, seen):
    today = date.today()
    membership = MembershipFactory(
        joined_on=today + timedelta(days=joined),
        left_on=None if left is None else today + timedelta(days=left),
    )
    user = UserFactory(agency=membership.agency)

    assert (visible(user) == {membership.partnership.name}) is seen
    assert Membership.objects.current().filter(pk=membership.pk).exists() is seen


def test_a_role_gives_and_ending_it_takes_away_access(db):
    partnership = ConstitutedPartnershipFactory()
    scrutineer = UserFactory(agency=None)
    assignment = RoleAssignmentFactory(
        user=scrutineer, partnership=partnership, role=Role.INDEPENDENT_SCRUTINEER
    )
    assert visible(scrutineer) == {partnership.name}
    assert scrutineer.groups.filter(
        name=f"partnership:{partnership.pk}:independent_scrutineer"
    ).exists()

    assignment.delete()

    assert visible(scrutineer) == set()


def test_a_role_given_or_ended_counts_at_once_for_the_person_already_read(db):
    partnership = ConstitutedPartnershipFactory()
    scrutineer = UserFactory(agency=None)
    scrutineers = [Role.INDEPENDENT_SCRUTINEER]
    assert permissions.partnership_ids_with_role(scrutineer, scrutineers) == []

    assignment = RoleAssignmentFactory(
        user=scrutineer, partnership=partnership, role=Role.INDEPENDENT_SCRUTINEER
    )

    assert permissions.partnership_ids_with_role(scrutineer, scrutineers) == [partnership.pk]
    assert permissions.has_role(scrutineer, partnership, Role.INDEPENDENT_SCRUTINEER)
    assignment.ended_on = date.today() - timedelta(days=1)
    assignment.save()
    assert not permissions.has_role(scrutineer, partnership, Role.INDEPENDENT_SCRUTINEER)
    assert permissions.partnership_ids_with_role(scrutineer, scrutineers) == []


def test_a_person_who_moves_agency_moves_groups(db):
    first, second = MembershipFactory(), MembershipFactory()
    user = UserFactory(agency=first.agency)

    user.agency = second.agency
    user.save()

    assert visible(user) == {second.partnership.name}
    assert set(user.groups.values_list("name", flat=True)) == {f"agency:{second.agency_id}"}


def test_deactivated_people_see_nothing(demo):
    user = demo.user(BUSINESS)
    user.is_active = False
    user.save()

    assert visible(user) == set()


def test_demo_personas_see_their_own_partnerships(demo):
    assert visible(demo.user(BUSINESS)) == {demo.riverside.name}
    assert visible(demo.user(OTHER_PARTNERSHIP)) == {demo.northgate.name}
    assert visible(demo.user(PRACTITIONER_POLICE)) == {demo.riverside.name, demo.northgate.name}
    assert visible(demo.user(SCRUTINEER)) == {demo.riverside.name}


def test_only_the_business_team_may_change_their_partnership(demo):
    permissions.require(demo.user(BUSINESS), permissions.CHANGE, demo.riverside)

    with pytest.raises(PermissionDenied):
        permissions.require(demo.user(SCRUTINEER), permissions.CHANGE, demo.riverside)
    with pytest.raises(PermissionDenied):
        permissions.require(demo.user(OTHER_PARTNERSHIP), permissions.CHANGE, demo.riverside)


def test_signed_out_people_see_nothing(demo):
    from django.contrib.auth.models import AnonymousUser

    assert not permissions.restrict(Partnership.objects.all(), AnonymousUser()).exists()


def test_a_front_door_worker_must_work_for_a_council(db):
    assignment = RoleAssignment(
        user=UserFactory(agency__sector=Sector.SCHOOL),
        partnership=ConstitutedPartnershipFactory(),
        role=Role.FRONT_DOOR_WORKER,
    )

    with pytest.raises(ValidationError, match="local authority"):
        assignment.full_clean()


def test_only_partner_staff_can_speak_for_a_partner(db):
    partnership = ConstitutedPartnershipFactory()
    relevant = MembershipFactory(partnership=partnership, role=MembershipRole.RELEVANT_AGENCY)
    assignment = RoleAssignment(
        user=UserFactory(agency=relevant.agency),
        partnership=partnership,
        role=Role.DELEGATED_SAFEGUARDING_PARTNER,
    )

    with pytest.raises(ValidationError, match="safeguarding partner"):
        assignment.full_clean()


def test_a_partner_seat_needs_the_right_sector(db):
    membership = MembershipFactory.build(
        partnership=ConstitutedPartnershipFactory(),
        agency=AgencyFactory(sector=Sector.SCHOOL),
        role=MembershipRole.POLICE_PARTNER,
    )

    with pytest.raises(ValidationError, match="Police"):
        membership.full_clean()

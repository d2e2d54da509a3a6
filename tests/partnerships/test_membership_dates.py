"""Who can see a partnership follows the dates on memberships and roles, not only their saving."""

from datetime import date, timedelta
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from partnerships.choices import Role
from partnerships.models import DesignatedSafeguardingLead, Membership, Partnership, User
from partnerships.tasks import start_and_end_roles
from safeguarding import permissions
from tests.partnerships.factories import (
    AgencyFactory,
    ConstitutedPartnershipFactory,
    MembershipFactory,
    RoleAssignmentFactory,
    UserFactory,
)
from tests.personas import ADMIN, SCRUTINEER


def visible(user):
    return set(permissions.restrict(Partnership.objects.all(), user).values_list("pk", flat=True))


def test_an_agency_that_left_stops_seeing_the_partnership_once_its_leaving_day_passes(client, demo):
    riverside = demo.riverside
    homes = demo.agency("Riverside Homes")
    housing_officer = UserFactory(agency=homes)  # no role of their own
    url = reverse("partnerships:partnership-detail", args=[riverside.pk])
    client.force_login(housing_officer)
    assert client.get(url).status_code == 200
    membership = Membership.objects.get(partnership=riverside, agency=homes)
    membership.left_on = timezone.localdate() + timedelta(days=2)
    membership.save()

    client.force_login(housing_officer)
    assert client.get(url).status_code == 200  # still a member until the end of its last day

    with time_machine.travel(timezone.now() + timedelta(days=10)):
        client.force_login(housing_officer)
        assert client.get(url).status_code == 404


def test_what_hangs_off_seeing_the_partnership_goes_with_it_on_the_leaving_day(db):
    partnership = ConstitutedPartnershipFactory()
    agency = AgencyFactory()
    MembershipFactory(
        partnership=partnership, agency=agency, left_on=timezone.localdate() + timedelta(days=1)
    )
    officer = UserFactory(agency=agency)
    school = AgencyFactory()
    MembershipFactory(partnership=partnership, agency=school)
    DesignatedSafeguardingLead.objects.create(agency=school, name="Dee Esel", email="d@x.org")

    def leads():
        return permissions.restrict(DesignatedSafeguardingLead.objects.all(), officer).count()

    assert visible(officer) == {partnership.pk}
    assert leads() == 1
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert visible(officer) == set()
        assert leads() == 0


def test_an_agency_joining_on_a_future_day_sees_the_partnership_from_that_day(db):
    partnership = ConstitutedPartnershipFactory()
    agency = AgencyFactory()
    officer = UserFactory(agency=agency)
    membership = MembershipFactory(
        partnership=partnership, agency=agency, joined_on=timezone.localdate() + timedelta(days=3)
    )

    assert not membership.is_current
    assert not Membership.objects.current().filter(pk=membership.pk).exists()
    assert visible(officer) == set()
    with time_machine.travel(timezone.now() + timedelta(days=5)):
        assert Membership.objects.get(pk=membership.pk).is_current
        assert visible(officer) == {partnership.pk}


def test_an_agency_rejoining_sees_the_partnership_again(db):
    membership = MembershipFactory(left_on=timezone.localdate() - timedelta(days=1))
    officer = UserFactory(agency=membership.agency)
    assert visible(officer) == set()

    membership.left_on = None
    membership.save()

    assert visible(officer) == {membership.partnership_id}


def test_a_role_starting_on_a_future_day_counts_only_from_that_day(db):
    partnership = ConstitutedPartnershipFactory()
    scrutineer = UserFactory(agency=None)
    RoleAssignmentFactory(
        user=scrutineer,
        partnership=partnership,
        role=Role.INDEPENDENT_SCRUTINEER,
        started_on=timezone.localdate() + timedelta(days=3),
    )
    scrutineer.refresh_from_db()

    assert permissions.user_roles(scrutineer) == set()
    assert visible(scrutineer) == set()

    with time_machine.travel(timezone.now() + timedelta(days=5)):
        start_and_end_roles()
        start_and_end_roles()  # safe to run twice
        scrutineer = User.objects.get(pk=scrutineer.pk)  # as read afresh for a request
        assert permissions.user_roles(scrutineer) == {Role.INDEPENDENT_SCRUTINEER}
        assert visible(scrutineer) == {partnership.pk}


def test_a_role_given_its_last_day_in_the_admin_is_held_to_the_end_of_that_day(client, demo):
    scrutineer = demo.user(SCRUTINEER)  # works for no agency: the role is their only way in
    assignment = scrutineer.role_assignments.get()
    page = reverse("partnerships:partnership-detail", args=[assignment.partnership_id])
    last_day = timezone.localdate() + timedelta(days=10)
    client.force_login(demo.user(ADMIN))
    saved = client.post(
        reverse("admin:partnerships_roleassignment_change", args=[assignment.pk]),
        {
            "user": scrutineer.pk,
            "partnership": assignment.partnership_id,
            "role": assignment.role,
            "started_on": assignment.started_on.isoformat(),
            "ended_on": last_day.isoformat(),
        },
    )
    assert saved.status_code == 302

    client.force_login(scrutineer)
    assert client.get(page).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        assert timezone.localdate() == last_day
        client.force_login(User.objects.get(pk=scrutineer.pk))
        assert client.get(page).status_code == 200


@pytest.mark.parametrize("nights_missed", [0, 6])
def test_a_role_past_its_last_day_takes_its_groups_away_that_night(client, demo, nights_missed):
    scrutineer = demo.user(SCRUTINEER)
    assignment = scrutineer.role_assignments.get()
    page = reverse("partnerships:partnership-detail", args=[assignment.partnership_id])
    group = f"partnership:{assignment.partnership_id}:{assignment.role}"
    assignment.ended_on = timezone.localdate() + timedelta(days=2)
    assignment.save()

    with time_machine.travel(timezone.now() + timedelta(days=3 + nights_missed)):
        start_and_end_roles()
        start_and_end_roles()  # safe to run twice
        scrutineer = User.objects.get(pk=scrutineer.pk)  # as read afresh for a request
        assert not scrutineer.groups.filter(name=group).exists()
        client.force_login(scrutineer)
        assert client.get(page).status_code == 404


def test_the_nightly_run_looks_at_people_whose_roles_began_or_ended_in_the_last_week(db):
    today, long_ago = timezone.localdate(), date(2019, 9, 29)
    for started_on, ended_on in [
        (today, None),  # begins today: looked at
        (today - timedelta(days=6), None),  # began six nights ago: looked at
        (long_ago, today - timedelta(days=1)),  # ended yesterday: looked at
        (long_ago, today - timedelta(days=7)),  # its first day without was six nights ago
        (today - timedelta(days=7), None),  # began a week ago: done then
        (long_ago, today - timedelta(days=8)),
        (long_ago, today),  # held to the end of today
        (today + timedelta(days=1), None),
    ]:
        RoleAssignmentFactory(
            role=Role.INDEPENDENT_SCRUTINEER, started_on=started_on, ended_on=ended_on
        )

    assert start_and_end_roles() == 4


OLD_BEAT_ENTRY = {
    "name": "start-roles-that-begin-today",
    "task": "partnerships.tasks.start_roles_that_begin_today",
}
NEW_BEAT_ENTRY = {"name": "start-and-end-roles", "task": "partnerships.tasks.start_and_end_roles"}


def rename_beat_entry():
    migration = import_module("partnerships.migrations.0017_beat_entry_start_and_end_roles")
    migration.rename_beat_entry(apps, None)


def test_the_beat_entry_of_the_nightly_run_keeps_its_row_under_its_new_name(db):
    midnight = CrontabSchedule.objects.create(hour="0", minute="5")
    PeriodicTask.objects.create(**OLD_BEAT_ENTRY, crontab=midnight, enabled=False)  # paused

    rename_beat_entry()

    entry = PeriodicTask.objects.get()
    assert (entry.name, entry.task, entry.enabled) == (*NEW_BEAT_ENTRY.values(), False)


def test_the_old_beat_entry_goes_where_beat_has_already_made_the_new_one(db):
    midnight = CrontabSchedule.objects.create(hour="0", minute="5")
    PeriodicTask.objects.create(**OLD_BEAT_ENTRY, crontab=midnight)
    PeriodicTask.objects.create(**NEW_BEAT_ENTRY, crontab=midnight)

    rename_beat_entry()

    assert list(PeriodicTask.objects.values_list("name", "task")) == [
        tuple(NEW_BEAT_ENTRY.values())
    ]


def admin_change(client, demo, record, data):
    """Post `record`'s admin change form with `data` as an administrator."""
    client.force_login(demo.user(ADMIN))
    meta = record._meta
    return client.post(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk]),
        data,
    )


# A last day the day before the first ends a role or membership before it is ever held, as giving
# a role that began today yesterday's date ends it at once; any earlier is a mistyped date.
LAST_DAYS = [(-1, True), (-2, False), (-400, False)]


@pytest.mark.parametrize(("days_after_first", "saved"), LAST_DAYS)
def test_a_role_s_last_day_can_be_no_earlier_than_the_day_before_its_first(
    client, demo, days_after_first, saved
):
    assignment = demo.user(SCRUTINEER).role_assignments.get()
    today = timezone.localdate()
    last_day = today + timedelta(days=days_after_first)

    response = admin_change(
        client,
        demo,
        assignment,
        {
            "user": assignment.user_id,
            "partnership": assignment.partnership_id,
            "role": assignment.role,
            "started_on": today,
            "ended_on": last_day,
        },
    )

    assignment.refresh_from_db()
    if saved:
        assert response.status_code == 302
        assert (assignment.started_on, assignment.ended_on) == (today, last_day)
        assert not assignment.user.role_assignments.current().exists()
    else:
        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {
            "ended_on": [
                "The last day can be no earlier than the day before the first day "
                f"({today - timedelta(days=1):%-d %B %Y}), which means the role is never held."
            ]
        }
        assert assignment.ended_on is None


@pytest.mark.parametrize(("days_after_first", "saved"), LAST_DAYS)
def test_a_membership_s_leaving_day_can_be_no_earlier_than_the_day_before_its_joining_day(
    client, demo, days_after_first, saved
):
    membership = Membership.objects.filter(partnership=demo.riverside).order_by("pk").first()
    joined_on = membership.joined_on
    left_on = joined_on + timedelta(days=days_after_first)

    response = admin_change(
        client,
        demo,
        membership,
        {
            "partnership": membership.partnership_id,
            "agency": membership.agency_id,
            "role": membership.role,
            "joined_on": joined_on,
            "left_on": left_on,
        },
    )

    membership.refresh_from_db()
    if saved:
        assert response.status_code == 302
        assert membership.left_on == left_on
    else:
        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {
            "left_on": [
                "The leaving day can be no earlier than the day before the joining day "
                f"({joined_on - timedelta(days=1):%-d %B %Y}), which means the agency is never "
                "a member."
            ]
        }
        assert membership.left_on is None

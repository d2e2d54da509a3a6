"""The admin removes people: one with no history goes; one with history is refused, kept, and
the page says why."""

from datetime import date

from django.contrib.auth.models import Group
from django.urls import reverse

from partnerships import services
from partnerships.choices import Role
from partnerships.models import RoleAssignment, User
from tests.partnerships.factories import RoleAssignmentFactory, UserFactory


def test_the_admin_deletes_a_person_who_holds_a_role(client, transactional_demo):
    demo = transactional_demo
    person = UserFactory(agency=demo.agency("Riverside Homes"))
    RoleAssignmentFactory(user=person, partnership=demo.riverside, role=Role.PRACTITIONER)
    client.raise_request_exception = False
    client.force_login(demo.user("admin"))

    response = client.post(
        reverse("admin:partnerships_user_delete", args=[person.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
    assert not RoleAssignment.objects.filter(user_id=person.pk).exists()
    assert not Group.user_set.through.objects.filter(user_id=person.pk).exists()


def test_the_admin_deletes_people_who_hold_roles_from_the_list(client, transactional_demo):
    demo = transactional_demo
    people = [UserFactory(agency=demo.agency("Riverside Homes")) for _ in range(2)]
    for person in people:
        RoleAssignmentFactory(user=person, partnership=demo.riverside, role=Role.PRACTITIONER)
    client.raise_request_exception = False
    client.force_login(demo.user("admin"))

    response = client.post(
        reverse("admin:partnerships_user_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [p.pk for p in people],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[p.pk for p in people]).exists()


def test_the_admin_is_told_a_person_with_history_is_kept(client, transactional_demo):
    demo = transactional_demo
    person = UserFactory(agency=demo.agency("Riverside Homes"))
    RoleAssignmentFactory(user=person, partnership=demo.riverside, role=Role.BUSINESS_TEAM)
    services.yearly_report_start(
        partnership=demo.riverside, period_start=date(2025, 4, 1), by=person
    )
    client.raise_request_exception = False
    client.force_login(demo.user("admin"))

    response = client.post(
        reverse("admin:partnerships_user_delete", args=[person.pk]), {"post": "yes"}
    )

    assert response.status_code == 200
    assert b"protected" in response.content
    assert b"Active" in response.content  # says to deactivate them instead
    assert User.objects.filter(pk=person.pk, is_active=True).exists()
    assert RoleAssignment.objects.filter(user=person).exists()


def test_ending_a_role_still_takes_its_group_away(db):
    assignment = RoleAssignmentFactory(role=Role.PRACTITIONER)
    person = assignment.user
    group = f"partnership:{assignment.partnership_id}:{Role.PRACTITIONER}"
    assert person.groups.filter(name=group).exists()

    assignment.delete()

    assert not person.groups.filter(name=group).exists()

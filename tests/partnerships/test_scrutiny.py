"""Independent scrutiny: findings and challenges, responses, reminders and escalation."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from partnerships import services
from partnerships.choices import Role, ScrutinyKind
from partnerships.models import ScrutinyChallenge
from safeguarding.models import Notification
from safeguarding.working_days import WorkingDayCalendar
from tests.partnerships.factories import PartnershipFactory, RoleAssignmentFactory, UserFactory
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    DSL_SCHOOL,
    LEAD_HEALTH,
    LEAD_LA,
    LEAD_POLICE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)
from tests.support.concurrency import run_at_once
from tests.support.dates import date_input
from tests.support.pages import part_from, tags


def challenge_for(demo, agency="Midshire Police", due=None, **kwargs):
    return ScrutinyChallenge.objects.create(
        partnership=demo.riverside,
        kind=ScrutinyKind.CHALLENGE,
        addressed_to=demo.agency(agency),
        title="Repeat referrals for domestic abuse",
        detail="Why do so many domestic abuse referrals come back within a year?",
        response_due_on=due or timezone.localdate() + timedelta(days=20),
        raised_by=demo.user(SCRUTINEER),
        **kwargs,
    )


def test_the_scrutineer_records_a_challenge_and_lead_police_responds(client, demo, mailoutbox):
    due = timezone.localdate() + timedelta(days=21)
    sign_in(client, SCRUTINEER)
    form = client.get(reverse("partnerships:scrutiny-create"))
    assert form.status_code == 200

    created = client.post(
        reverse("partnerships:scrutiny-create"),
        {
            "kind": "challenge",
            "addressed_to": demo.agency("Midshire Police").pk,
            "title": "Police attendance at strategy discussions",
            "detail": "Police attended 6 of 10 strategy discussions. What will change?",
            **date_input("response_due_on", due),
        },
    )

    challenge = ScrutinyChallenge.objects.get()
    assert created.status_code == 302 and created.url == challenge.get_absolute_url()
    told = Notification.objects.filter(subject_id=challenge.pk, stage="raised")
    assert set(told.values_list("recipient__username", flat=True)) == {LEAD_POLICE}

    sign_in(client, LEAD_POLICE)
    page = client.get(challenge.get_absolute_url()).content.decode()
    assert "Respond for Midshire Police" in page
    responded = client.post(
        challenge.get_absolute_url(), {"response": "A police sergeant now joins every one."}
    )

    challenge.refresh_from_db()
    assert responded.status_code == 302
    assert challenge.response == "A police sergeant now joins every one."
    assert challenge.responded_by == demo.user(LEAD_POLICE)
    assert Notification.objects.filter(
        subject_id=challenge.pk, stage="responded", recipient=demo.user(SCRUTINEER)
    ).exists()
    sign_in(client, SCRUTINEER)
    assert (
        "A police sergeant now joins every one."
        in client.get(challenge.get_absolute_url()).content.decode()
    )


def test_it_refuses_a_challenge_without_its_details(client, demo):
    sign_in(client, SCRUTINEER)

    response = client.post(
        reverse("partnerships:scrutiny-create"),
        {
            "kind": "challenge",
            "addressed_to": demo.agency("Northgate Academy").pk,  # not a member of Riverside
            "title": "x",
            "detail": "y",
            **date_input("response_due_on", timezone.localdate()),
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page
    response = client.post(
        reverse("partnerships:scrutiny-create"),
        {
            "kind": "challenge",
            "addressed_to": demo.agency("Midshire Police").pk,
            "title": "x",
            "detail": "y",
            **date_input("response_due_on", timezone.localdate()),
        },
    )
    assert "The response must be due after today." in response.content.decode()
    assert not ScrutinyChallenge.objects.exists()


def test_only_the_scrutineer_records_challenges(client, demo):
    check_access(
        client,
        reverse("partnerships:scrutiny-create"),
        {
            SCRUTINEER: 200,
            BUSINESS: 403,
            LEAD_POLICE: 403,
            PRACTITIONER_POLICE: 403,
            OTHER_PARTNERSHIP: 403,
            ANONYMOUS: 302,
        },
    )


def test_who_sees_and_answers_a_challenge(client, demo):
    challenge = challenge_for(demo)
    url = challenge.get_absolute_url()

    check_access(
        client,
        url,
        {
            SCRUTINEER: 200,
            BUSINESS: 200,
            LEAD_POLICE: 200,
            LEAD_LA: 200,
            PRACTITIONER_POLICE: 404,
            DSL_SCHOOL: 404,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )
    check_access(
        client,
        url,
        {SCRUTINEER: 403, BUSINESS: 403, LEAD_LA: 403, OTHER_PARTNERSHIP: 404, ANONYMOUS: 302},
        method="post",
        data={"response": "Not ours to answer"},
    )
    challenge.refresh_from_db()
    assert not challenge.is_answered


def test_the_list_is_scoped_and_bounded(client, demo, django_assert_max_num_queries):
    for _ in range(30):
        challenge_for(demo)
    challenge_for(demo, agency="St Anne's Primary School")
    check_access(
        client,
        reverse("partnerships:scrutiny-list"),
        {SCRUTINEER: 200, BUSINESS: 200, LEAD_POLICE: 200, OTHER_PARTNERSHIP: 200, ANONYMOUS: 302},
    )
    sign_in(client, DSL_SCHOOL)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("partnerships:scrutiny-list"))
    assert len(response.context["object_list"]) == 1
    sign_in(client, SCRUTINEER)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("partnerships:scrutiny-list"))
    assert response.context["paginator"].count == 31


def test_each_challenge_is_tagged_answered_awaiting_or_overdue(client, demo):
    answered = challenge_for(
        demo, responded_at=timezone.now(), response="Attendance is now 9 of 10"
    )
    overdue = challenge_for(demo, due=timezone.localdate() - timedelta(days=1))
    awaiting = challenge_for(demo)
    expected = {
        answered: ("green", "Responded"),
        overdue: ("red", "Response overdue"),
        awaiting: ("blue", "Awaiting response"),
    }
    sign_in(client, SCRUTINEER)
    listed = client.get(reverse("partnerships:scrutiny-list")).content.decode()

    for challenge, tag in expected.items():
        url = challenge.get_absolute_url()
        assert tags(part_from(listed, f'href="{url}"')) == [tag]
        assert tag in tags(client.get(url).content.decode())


def test_the_api_lists_creates_and_takes_responses(demo):
    api = APIClient()
    url = "/api/v1/scrutiny-challenges/"
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    body = {
        "partnership": demo.riverside.pk,
        "kind": "finding",
        "addressed_to": demo.agency("Midshire Police").pk,
        "title": "Good joint working",
        "detail": "Joint visits are timely.",
        "response_due_on": due,
    }
    check_access(
        api, url, {BUSINESS: 403, LEAD_POLICE: 403, ANONYMOUS: 401}, method="post", data=body
    )
    sign_in(api, SCRUTINEER)
    created = api.post(url, body)
    assert created.status_code == 201
    bad = api.post(url, {**body, "response_due_on": "2020-01-01"})
    assert bad.status_code == 400 and "response_due_on" in bad.json()
    pk = created.json()["id"]

    check_access(
        api,
        url,
        {SCRUTINEER: 200, BUSINESS: 200, LEAD_POLICE: 200, OTHER_PARTNERSHIP: 200, ANONYMOUS: 401},
    )
    check_access(
        api,
        f"{url}{pk}/respond/",
        {SCRUTINEER: 403, OTHER_PARTNERSHIP: 404, PRACTITIONER_POLICE: 404, ANONYMOUS: 401},
        method="post",
        data={"response": "x"},
    )
    sign_in(api, LEAD_POLICE)
    assert api.post(f"{url}{pk}/respond/", {"response": ""}).status_code == 400
    answered = api.post(f"{url}{pk}/respond/", {"response": "Thank you."})
    assert answered.status_code == 200 and answered.json()["response"] == "Thank you."
    again = api.post(f"{url}{pk}/respond/", {"response": "Again."})
    assert again.status_code == 400


def stages(challenge):
    return sorted(
        Notification.objects.filter(subject_id=challenge.pk, kind="scrutiny").values_list(
            "stage", "recipient__username"
        )
    )


def test_reminders_go_once_before_the_date_and_overdue_responses_escalate_once(demo):
    calendar = WorkingDayCalendar.for_partnership(demo.riverside)
    today = date(2026, 11, 23)  # a Monday
    challenge = challenge_for(demo, due=calendar.add(today, 5).due)

    services.scrutiny_reminders_send(today=today)
    services.scrutiny_reminders_send(today=today)
    assert stages(challenge) == [("due-in-5", LEAD_POLICE)]

    one_before = calendar.add(today, 4).due
    services.scrutiny_reminders_send(today=one_before)
    assert ("due-in-1", LEAD_POLICE) in stages(challenge)

    late = challenge.response_due_on + timedelta(days=1)
    first = services.scrutiny_reminders_send(today=late)
    second = services.scrutiny_reminders_send(today=late + timedelta(days=1))

    assert (first, second) == (4, 0)
    escalated = [user for stage, user in stages(challenge) if stage == "escalated"]
    assert sorted(escalated) == [LEAD_HEALTH, LEAD_LA, LEAD_POLICE]
    challenge.refresh_from_db()
    assert challenge.escalated_at is not None


def test_the_reminder_sweep_reads_the_calendars_of_all_partnerships_at_once(demo):
    """More challenges cost the sweep no more queries, and another partnership only the read
    of its responders: the partnerships' calendars are read together."""
    today = date(2026, 11, 23)  # a Monday
    due = WorkingDayCalendar.for_partnership(demo.riverside).add(today, 5).due

    def queries_for(partnerships):
        with transaction.atomic():
            # Lead police answers for Midshire Police in each, so each challenge costs the same.
            for partnership in set(partnerships):
                RoleAssignmentFactory(
                    partnership=partnership,
                    user=demo.user(LEAD_POLICE),
                    role=Role.LEAD_SAFEGUARDING_PARTNER,
                )
            for partnership in partnerships:
                challenge = challenge_for(demo, due=due)
                ScrutinyChallenge.objects.filter(pk=challenge.pk).update(partnership=partnership)
            ContentType.objects.clear_cache()  # so the first run does not pay for both
            with CaptureQueriesContext(connection) as queries:
                sent = services.scrutiny_reminders_send(today=today)
            transaction.set_rollback(True)
        assert sent == len(partnerships)
        return len(queries)

    one = PartnershipFactory()
    three = [one, *PartnershipFactory.create_batch(2)]
    assert queries_for([one] * 3) == queries_for([one] * 9)
    assert queries_for(three) == queries_for(three * 3) == queries_for([one] * 3) + 2


def test_an_answered_challenge_is_never_chased(demo):
    challenge = challenge_for(demo, due=date(2026, 11, 24))
    services.scrutiny_challenge_respond(
        challenge=challenge, response="Done.", by=demo.user(LEAD_POLICE)
    )

    assert services.scrutiny_reminders_send(today=date(2026, 11, 30)) == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_escalate_once(transactional_demo, needs_services):
    challenge_for(transactional_demo, due=date(2026, 11, 20))
    results = run_at_once(lambda: services.scrutiny_reminders_send(today=date(2026, 11, 30)))

    assert results == [0, 0, 0, 4]
    assert Notification.objects.filter(stage="escalated").count() == 3


def test_a_scrutineer_who_has_left_is_not_emailed_the_response(
    client, demo, mailoutbox, django_capture_on_commit_callbacks
):
    challenge = challenge_for(demo)
    scrutineer = demo.user(SCRUTINEER)
    scrutineer.role_assignments.update(ended_on=timezone.localdate() - timedelta(days=1))
    scrutineer.is_active = False
    scrutineer.save(update_fields=["is_active"])

    sign_in(client, LEAD_POLICE)
    with django_capture_on_commit_callbacks(execute=True):
        responded = client.post(
            challenge.get_absolute_url(), {"response": "A police sergeant now joins every one."}
        )

    assert responded.status_code == 302
    challenge.refresh_from_db()
    assert challenge.is_answered
    assert scrutineer.email not in [address for m in mailoutbox for address in m.to]


def test_an_email_already_recorded_for_someone_since_deactivated_is_not_sent(
    demo, mailoutbox, django_capture_on_commit_callbacks
):
    from safeguarding.notifications import Message, notification_create, notification_deliver

    scrutineer = demo.user(SCRUTINEER)
    with django_capture_on_commit_callbacks(execute=False):
        notification = notification_create(
            recipient=scrutineer,
            kind="test",
            subject=demo.riverside,
            partnership_id=demo.riverside.pk,
            stage="one",
            message=Message("Recorded before they left"),
        )
    scrutineer.is_active = False
    scrutineer.save(update_fields=["is_active"])

    notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert mailoutbox == []
    assert notification.sent_at is not None  # handled: the sweep does not pick it up again
    assert "no longer active" in notification.last_error


@pytest.mark.parametrize("through", ["form", "api"])
def test_a_title_written_over_two_lines_is_emailed_on_one(
    client, demo, mailoutbox, django_capture_on_commit_callbacks, through
):
    raise_with = client if through == "form" else APIClient()
    due = timezone.localdate() + timedelta(days=21)
    due_on = (
        date_input("response_due_on", due)
        if through == "form"
        else {"response_due_on": due.isoformat()}
    )
    sign_in(raise_with, SCRUTINEER)
    with django_capture_on_commit_callbacks(execute=True):
        created = raise_with.post(
            reverse("partnerships:scrutiny-create")
            if through == "form"
            else "/api/v1/scrutiny-challenges/",
            {
                "partnership": demo.riverside.pk,
                "kind": "challenge",
                "addressed_to": demo.agency("Midshire Police").pk,
                "title": "Police attendance\r\nat strategy discussions",
                "detail": "Police attended 6 of 10 strategy discussions.\r\nWhat will change?",
                **due_on,
            },
        )
    assert created.status_code in (201, 302)
    challenge = ScrutinyChallenge.objects.get()
    assert challenge.detail == "Police attended 6 of 10 strategy discussions.\r\nWhat will change?"

    sign_in(client, LEAD_POLICE)
    with django_capture_on_commit_callbacks(execute=True):
        responded = client.post(
            challenge.get_absolute_url(), {"response": "A police sergeant now joins every one."}
        )

    assert responded.status_code == 302
    assert mailoutbox[-1].subject == (
        "Midshire Police responded: Police attendance at strategy discussions"
    )
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_submitting_a_challenge_twice_records_it_once(client, demo):
    due = timezone.localdate() + timedelta(days=21)
    data = {
        "kind": "challenge",
        "addressed_to": demo.agency("Midshire Police").pk,
        "title": "Police attendance at strategy discussions",
        "detail": "Police attended 6 of 10 strategy discussions. What will change?",
        **date_input("response_due_on", due),
    }
    sign_in(client, SCRUTINEER)

    first = client.post(reverse("partnerships:scrutiny-create"), data)
    second = client.post(reverse("partnerships:scrutiny-create"), data, follow=True)

    challenge = ScrutinyChallenge.objects.get()
    assert first.url == challenge.get_absolute_url()
    assert second.redirect_chain[-1][0] == challenge.get_absolute_url()
    assert "was recorded a moment ago" in second.content.decode()
    assert Notification.objects.filter(subject_id=challenge.pk, stage="raised").count() == 1

    # A different due date is a different challenge.
    client.post(
        reverse("partnerships:scrutiny-create"),
        {**data, **date_input("response_due_on", due + timedelta(days=7))},
    )
    assert ScrutinyChallenge.objects.count() == 2
    # Another scrutineer's challenge is their own, however alike.
    colleague = UserFactory(username="scrutineer.two", agency=None)
    RoleAssignmentFactory(
        user=colleague, partnership=demo.riverside, role=Role.INDEPENDENT_SCRUTINEER
    )
    sign_in(client, colleague.username)
    client.post(reverse("partnerships:scrutiny-create"), data)
    assert ScrutinyChallenge.objects.filter(raised_by=colleague).count() == 1

"""An email the mail server refuses until it is given up: who is told, and sending it again."""

from importlib import import_module
from smtplib import SMTPRecipientsRefused

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from safeguarding import notifications
from safeguarding.models import Notification
from safeguarding.notifications import (
    EMAIL_GIVEN_UP_KIND,
    MAX_DELIVERY_ATTEMPTS,
    Message,
    notification_create,
    notification_deliver,
)
from tests.personas import (
    ADMIN,
    ANONYMOUS,
    BUSINESS,
    OTHER_PARTNERSHIP,
    PRACTITIONER_POLICE,
    check_access,
    sign_in,
)

UNDELIVERED = "/notifications/undelivered/"


@pytest.fixture
def refusing_mail_server(monkeypatch):
    """A mail server that refuses every message for itself (a 5xx answer)."""

    def refuse(*, recipient_list, **kwargs):
        raise SMTPRecipientsRefused({recipient_list[0]: (550, b"No such user")})

    monkeypatch.setattr(notifications, "send_mail", refuse)


@pytest.fixture
def given_up(demo, refusing_mail_server, django_capture_on_commit_callbacks):
    """A rapid review reminder to a Riverside practitioner, refused until it is given up."""
    with django_capture_on_commit_callbacks(execute=False):
        reminder = notification_create(
            recipient=demo.user(PRACTITIONER_POLICE),
            kind="test",
            subject=demo.riverside,
            stage="given-up",
            message=Message("Rapid review RR-1: your agency's return is due tomorrow"),
            partnership_id=demo.riverside.pk,
        )
        for _ in range(MAX_DELIVERY_ATTEMPTS):
            assert notification_deliver(notification_id=reminder.pk) is False
    reminder.refresh_from_db()
    return reminder


def test_the_business_team_is_warned_on_its_home_page_and_only_of_its_own_partnership(
    client, given_up
):
    responses = check_access(
        client, "/", {BUSINESS: 200, OTHER_PARTNERSHIP: 200, PRACTITIONER_POLICE: 200, ADMIN: 200}
    )

    assert "1 email could not be delivered" in responses[BUSINESS].content.decode()
    assert UNDELIVERED in responses[BUSINESS].content.decode()
    assert "1 email could not be delivered" in responses[ADMIN].content.decode()
    assert "could not be delivered" not in responses[OTHER_PARTNERSHIP].content.decode()
    assert "could not be delivered" not in responses[PRACTITIONER_POLICE].content.decode()


def test_the_list_of_emails_given_up_shows_only_the_partnerships_own(client, given_up):
    responses = check_access(
        client,
        UNDELIVERED,
        {BUSINESS: 200, OTHER_PARTNERSHIP: 200, PRACTITIONER_POLICE: 403, ANONYMOUS: 302},
    )

    listed = responses[BUSINESS].content.decode()
    assert "your agency&#x27;s return is due tomorrow" in listed
    assert "practitioner.police@example.org" in listed and "No such user" in listed
    assert "RR-1" not in responses[OTHER_PARTNERSHIP].content.decode()


def test_the_recipient_still_sees_it_marked_as_not_emailed(client, given_up):
    sign_in(client, PRACTITIONER_POLICE)

    page = client.get("/notifications/").content.decode()

    assert "your agency&#x27;s return is due tomorrow" in page
    assert "Not emailed" in page


def test_the_business_team_sends_it_again_once_the_address_is_mended(
    client, demo, given_up, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    resend = f"/notifications/{given_up.pk}/resend/"
    check_access(
        client,
        resend,
        {OTHER_PARTNERSHIP: 404, PRACTITIONER_POLICE: 404, ANONYMOUS: 302},
        method="post",
    )
    assert Notification.objects.get(pk=given_up.pk).given_up_at is not None
    monkeypatch.undo()  # the address is mended: the mail server takes it
    sign_in(client, BUSINESS)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend, follow=True)

    assert "will be sent again" in response.content.decode()
    assert [m.to for m in mailoutbox] == [["practitioner.police@example.org"]]
    given_up.refresh_from_db()
    assert given_up.sent_at is not None and given_up.given_up_at is None
    assert "email could not be delivered" not in client.get("/").content.decode()
    again = client.post(resend, follow=True)
    assert again.status_code == 200
    assert "being sent again already" in again.content.decode()
    assert len(mailoutbox) == 1


def test_the_business_team_is_told_in_the_app_once_each_time_and_a_refused_alert_tells_no_one(
    client, demo, given_up, django_capture_on_commit_callbacks
):
    alerts = Notification.objects.filter(kind=EMAIL_GIVEN_UP_KIND)
    assert [(a.recipient.username, a.subject_id) for a in alerts] == [(BUSINESS, given_up.pk)]
    alert = alerts.get()
    assert alert.partnership == demo.riverside
    sign_in(client, BUSINESS)
    assert "could not be delivered" in client.get("/notifications/").content.decode()

    # A task queued before it was given up neither sends it nor tells anyone again.
    with django_capture_on_commit_callbacks(execute=False):
        assert notification_deliver(notification_id=given_up.pk) is False
    given_up.refresh_from_db()
    assert given_up.attempts == MAX_DELIVERY_ATTEMPTS
    assert list(alerts.values_list("pk", flat=True)) == [alert.pk]

    # Sent again, refused again: the business team is told of it again, once; the alert about
    # it, refused in turn until it is given up, tells no one.
    resent = client.post(f"/notifications/{given_up.pk}/resend/")
    assert resent.status_code == 302
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(MAX_DELIVERY_ATTEMPTS + 2):
            notification_deliver(notification_id=given_up.pk)
            notification_deliver(notification_id=alert.pk)

    assert Notification.objects.get(pk=alert.pk).given_up_at is not None
    assert list(alerts.values_list("recipient__username", flat=True)) == [BUSINESS, BUSINESS]
    assert client.get("/notifications/").content.decode().count("<strong>An email to ") == 2


def test_a_system_admin_sends_given_up_emails_again_from_django_admin(
    client, given_up, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    monkeypatch.undo()
    sign_in(client, ADMIN)
    changelist = "/admin/safeguarding/notification/"
    listed = client.get(changelist, {"given_up_at__isnull": "False"}).content.decode()
    assert "RR-1: your agency" in listed
    assert "An email to" not in listed  # the business team's notice of it was not given up

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            changelist, {"action": "send_again", "_selected_action": [given_up.pk]}, follow=True
        )

    given_up.refresh_from_db()
    assert given_up.sent_at is not None
    assert len(mailoutbox) == 1


def test_notifications_recorded_before_are_given_their_partnership_and_those_given_up_marked(
    demo,
):
    from reviews.models import RapidReview

    review = RapidReview.objects.first()
    recipient = demo.user(BUSINESS)

    def recorded_before(subject, **fields):
        return Notification.objects.create(
            recipient=recipient,
            kind="before",
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            stage=str(subject.pk),
            title="Recorded before",
            **fields,
        )

    about_partnership = recorded_before(demo.riverside, attempts=MAX_DELIVERY_ATTEMPTS)
    about_review = recorded_before(review, attempts=3)
    migration = import_module("safeguarding.migrations.0005_notification_partnership_and_given_up")

    migration.fill_in(apps, None)

    about_partnership.refresh_from_db()
    about_review.refresh_from_db()
    assert about_partnership.partnership == demo.riverside
    assert about_partnership.given_up_at is not None
    assert about_review.partnership_id == review.partnership_id
    assert about_review.given_up_at is None

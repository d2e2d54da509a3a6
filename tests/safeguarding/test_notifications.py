import socket
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from smtplib import SMTPDataError, SMTPRecipientsRefused, SMTPServerDisconnected

import kombu.pools
import pytest
from aiosmtpd.controller import Controller
from celery.signals import task_prerun
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from partnerships.models import Partnership, PublishedArrangement, User
from partnerships.services import arrangement_reminder_stage, arrangement_review_reminders_send
from partnerships.tasks import send_arrangement_review_reminders
from safeguarding.models import Notification
from safeguarding.notifications import (
    Message,
    notification_create,
    notification_deliver,
    notify_all,
    pending_notification_ids,
)
from safeguarding.tasks import deliver_notifications, deliver_pending_notifications
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    LEAD_HEALTH,
    LEAD_LA,
    OTHER_PARTNERSHIP,
    check_access,
    sign_in,
)
from tests.support.clock import A_DEMO_DAY
from tests.support.concurrency import run_at_once


@pytest.fixture
def record_unsent(demo, django_capture_on_commit_callbacks):
    """Record a notification to the business team and send nothing, as if the broker were down."""

    def record(stage: str, title: str) -> Notification:
        with django_capture_on_commit_callbacks(execute=False):
            return notification_create(
                recipient=demo.user(BUSINESS),
                kind="test",
                subject=demo.riverside,
                partnership_id=demo.riverside.pk,
                stage=stage,
                message=Message(title),
            )

    return record


def make_review_due(partnership, on):
    PublishedArrangement.objects.filter(partnership=partnership).update(next_review_on=on)


@pytest.mark.parametrize(
    ("days_left", "stage"),
    [(45, None), (30, "due_in_30"), (8, "due_in_30"), (7, "due_in_7"), (0, "due"), (-3, "overdue")],
)
def test_each_review_date_reaches_one_reminder_stage(days_left, stage):
    today = date(2026, 11, 22)

    reached = arrangement_reminder_stage(review_on=today + timedelta(days=days_left), today=today)

    assert (reached[0] if reached else None) == stage


def test_the_business_team_is_reminded_once_however_often_the_sweep_runs(
    demo, mailoutbox, django_capture_on_commit_callbacks
):
    today = date(2026, 12, 12)  # Riverside's arrangements are due for review on 19 December

    with django_capture_on_commit_callbacks(execute=True):
        first = arrangement_review_reminders_send(today=today)
    with django_capture_on_commit_callbacks(execute=True):
        second = arrangement_review_reminders_send(today=today)

    assert (first, second) == (1, 0)
    notification = Notification.objects.get()
    assert notification.recipient.username == BUSINESS
    assert notification.stage == "due_in_7"
    assert notification.sent_at is not None
    assert [m.to for m in mailoutbox] == [["business.riverside@example.org"]]
    assert "due for review within 7 days" in mailoutbox[0].subject


def test_a_later_stage_is_a_new_reminder(demo, mailoutbox, django_capture_on_commit_callbacks):
    for today in (date(2026, 12, 12), date(2026, 12, 19), date(2026, 12, 21)):
        with django_capture_on_commit_callbacks(execute=True):
            arrangement_review_reminders_send(today=today)

    assert list(Notification.objects.order_by("pk").values_list("stage", flat=True)) == [
        "due_in_7",
        "due",
        "overdue",
    ]
    assert len(mailoutbox) == 3


def test_a_superseded_version_is_not_reminded(demo, mailoutbox):
    PublishedArrangement.objects.create(
        partnership=demo.riverside,
        version=2,
        title="Revised arrangements",
        published_on=date(2026, 12, 1),
        next_review_on=date(2028, 12, 1),
    )

    assert arrangement_review_reminders_send(today=date(2026, 12, 12)) == 0


def test_delivering_twice_sends_once(demo, mailoutbox, record_unsent):
    notification = record_unsent("one", "Hello")

    assert notification_deliver(notification_id=notification.pk) is True
    assert notification_deliver(notification_id=notification.pk) is False
    assert len(mailoutbox) == 1


def test_the_pending_sweep_sends_what_was_recorded_but_never_sent(demo, mailoutbox, record_unsent):
    record_unsent("one", "Queued while Redis was down")  # as if the broker were down
    Notification.objects.update(
        created_at=Notification.objects.get().created_at - timedelta(minutes=5)
    )
    assert mailoutbox == []

    assert deliver_pending_notifications() == 1
    assert deliver_pending_notifications() == 0
    assert [m.subject for m in mailoutbox] == ["Queued while Redis was down"]


def unsent_to_business_team(demo, title: str) -> Notification:
    return Notification.objects.create(
        recipient=demo.user(BUSINESS),
        partnership=demo.riverside,
        kind="test",
        subject_type=ContentType.objects.get_for_model(Partnership),
        subject_id=demo.riverside.pk,
        stage="one",
        title=title,
    )


@contextmanager
def row_held_elsewhere(model, pk, *, before_commit=None):
    """Another connection locks the row in its own transaction and holds it until the block
    ends (10 s at most), then runs `before_commit` in that transaction and commits."""
    held, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            model.objects.select_for_update().get(pk=pk)
            held.set()
            release.wait(10)
            if before_commit:
                before_commit()
        connection.close()

    other = threading.Thread(target=hold)
    other.start()
    held.wait(10)
    try:
        yield
    finally:
        release.set()
        other.join()


@pytest.mark.django_db(transaction=True)
def test_a_notification_is_sent_while_its_recipients_own_record_is_being_saved(
    transactional_demo, mailoutbox
):
    notification = unsent_to_business_team(transactional_demo, "Sent while the person signs in")

    # Signing in saves the person's row (last_login) in its own transaction.
    with row_held_elsewhere(User, notification.recipient_id):
        sent = notification_deliver(notification_id=notification.pk)

    assert sent is True
    assert [m.subject for m in mailoutbox] == ["Sent while the person signs in"]


@pytest.mark.django_db(transaction=True)
def test_a_notification_another_worker_is_sending_is_skipped_at_once_and_sent_once(
    transactional_demo, needs_services, mailoutbox
):
    notification = unsent_to_business_team(transactional_demo, "Being sent by another worker")

    # Another worker part way through sending it: its transaction holds the row until the mail
    # server has taken the message, then marks it sent.
    with row_held_elsewhere(
        Notification,
        notification.pk,
        before_commit=lambda: Notification.objects.filter(pk=notification.pk).update(
            sent_at=timezone.now()
        ),
    ):
        started = time.monotonic()
        sent_while_held = notification_deliver(notification_id=notification.pk)
        waited = time.monotonic() - started

    assert sent_while_held is False
    assert waited < 5  # skipped, not waited for until the other worker gave up (10 s)
    assert notification_deliver(notification_id=notification.pk) is False
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
@A_DEMO_DAY
def test_two_sweeps_at_the_same_moment_record_and_send_once(
    transactional_demo, needs_services, mailoutbox
):
    make_review_due(transactional_demo.riverside, date.today())
    results = run_at_once(arrangement_review_reminders_send)

    assert results == [0, 0, 0, 1]
    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
@A_DEMO_DAY
def test_a_reminder_task_run_twice_concurrently_by_real_celery_workers_sends_once(
    transactional_demo, needs_services, mailoutbox
):
    from celery.contrib.testing.worker import start_worker

    from safeguarding.celery import app

    make_review_due(transactional_demo.riverside, date.today())
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False):
            first = send_arrangement_review_reminders.delay()
            second = send_arrangement_review_reminders.delay()
            created = sorted([first.get(timeout=30), second.get(timeout=30)])
            deadline = time.monotonic() + 30
            while Notification.objects.filter(sent_at__isnull=True).exists():
                assert time.monotonic() < deadline, "the reminder was never sent"
                time.sleep(0.1)
            time.sleep(1)  # long enough for a duplicate delivery to show itself
    finally:
        app.conf.task_always_eager = True

    assert created == [0, 1]
    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1


def test_people_see_only_their_own_notifications(client, demo):
    notification = notification_create(
        recipient=demo.user(BUSINESS),
        kind="test",
        subject=demo.riverside,
        partnership_id=demo.riverside.pk,
        stage="one",
        message=Message("Your arrangements are due for review", url="/partnerships/"),
    )

    responses = check_access(
        client, "/notifications/", {BUSINESS: 200, OTHER_PARTNERSHIP: 200, ANONYMOUS: 302}
    )

    assert "due for review" in responses[BUSINESS].content.decode()
    assert "due for review" not in responses[OTHER_PARTNERSHIP].content.decode()
    check_access(
        client,
        f"/notifications/{notification.pk}/read/",
        {OTHER_PARTNERSHIP: 404, ANONYMOUS: 302},
        method="post",
    )
    sign_in(client, BUSINESS)
    opened = client.post(f"/notifications/{notification.pk}/read/")
    assert opened.status_code == 302 and opened["Location"] == "/partnerships/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.django_db(transaction=True)
@A_DEMO_DAY
def test_with_the_broker_down_reminders_are_kept_and_sent_once_when_it_returns(
    transactional_demo, needs_services, mailoutbox, client
):
    from safeguarding.celery import app

    make_review_due(transactional_demo.riverside, date.today())
    real_broker = app.conf.broker_url

    def use_broker(url):
        # Celery and kombu cache connection and producer pools: drop them so the next publish
        # connects to `url`.
        kombu.pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.broker_url = url

    app.conf.task_always_eager = False
    use_broker("redis://127.0.0.1:6390/0")  # nothing listens here: Redis is "down"
    try:
        started = time.monotonic()
        assert arrangement_review_reminders_send() == 1
        assert time.monotonic() - started < 15, "a broker outage must not hang the caller"
        sign_in(client, BUSINESS)
        assert client.get("/notifications/").status_code == 200  # the web app keeps working
    finally:
        use_broker(real_broker)
        app.conf.task_always_eager = True
    assert Notification.objects.get().sent_at is None
    assert mailoutbox == []

    Notification.objects.update(
        created_at=Notification.objects.get().created_at - timedelta(hours=1)
    )
    deliver_pending_notifications()
    deliver_pending_notifications()

    assert Notification.objects.get().sent_at is not None
    assert len(mailoutbox) == 1


def test_a_title_with_a_line_break_is_sent_on_one_line(
    demo, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(
            recipient=demo.user(BUSINESS),
            kind="test",
            subject=demo.riverside,
            partnership_id=demo.riverside.pk,
            stage="one",
            message=Message("Midshire Police responded: Police attendance\r\nat strategy"),
        )

    assert [m.subject for m in mailoutbox] == [
        "Midshire Police responded: Police attendance at strategy"
    ]


def test_a_notification_that_cannot_be_sent_is_recorded_and_not_retried_for_ever(
    demo, mailoutbox, record_unsent, monkeypatch
):
    from django.core.mail import BadHeaderError

    from safeguarding import notifications
    from safeguarding.notifications import MAX_DELIVERY_ATTEMPTS

    broken = record_unsent("broken", "Cannot be sent")
    later = record_unsent("later", "Recorded later")
    Notification.objects.filter(pk=broken.pk).update(
        created_at=broken.created_at - timedelta(minutes=10)
    )
    Notification.objects.filter(pk=later.pk).update(
        created_at=later.created_at - timedelta(minutes=5)
    )
    send_mail = notifications.send_mail

    def refuse_one(*, subject, **kwargs):
        if subject == "Cannot be sent":
            raise BadHeaderError("Header values can't contain newlines")
        return send_mail(subject=subject, **kwargs)

    monkeypatch.setattr(notifications, "send_mail", refuse_one)

    assert deliver_pending_notifications() == 2
    broken.refresh_from_db()
    assert broken.sent_at is None
    assert broken.attempts == 1
    assert broken.last_error == "BadHeaderError: Header values can't contain newlines"
    assert [m.subject for m in mailoutbox] == ["Recorded later"]

    for _ in range(MAX_DELIVERY_ATTEMPTS + 3):
        deliver_pending_notifications()

    broken.refresh_from_db()
    assert broken.attempts == MAX_DELIVERY_ATTEMPTS
    assert deliver_pending_notifications() == 0
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "outage",
    [
        SMTPServerDisconnected("Connection unexpectedly closed"),
        socket.gaierror(-3, "Temporary failure in name resolution"),
        SMTPDataError(451, b"Try again later"),
        SMTPRecipientsRefused({"business.riverside@example.org": (452, b"Mailbox full")}),
    ],
    ids=["disconnected", "dns", "busy", "mailbox-full"],
)
def test_a_mail_server_down_for_longer_than_the_attempts_drops_no_reminder(
    demo, mailoutbox, record_unsent, monkeypatch, outage
):
    from safeguarding import notifications
    from safeguarding.notifications import MAX_DELIVERY_ATTEMPTS, MailServerUnavailable

    reminder = record_unsent("outage", "Sent once the mail server is back")
    send_mail = notifications.send_mail

    def mail_server_down(**kwargs):
        raise outage

    monkeypatch.setattr(notifications, "send_mail", mail_server_down)
    for _ in range(MAX_DELIVERY_ATTEMPTS + 3):
        with pytest.raises(MailServerUnavailable):
            notification_deliver(notification_id=reminder.pk)

    reminder.refresh_from_db()
    assert (reminder.sent_at, reminder.attempts) == (None, 0)
    assert reminder.last_error.startswith(type(outage).__name__)
    assert reminder.pk in pending_notification_ids(older_than_seconds=0)
    monkeypatch.setattr(notifications, "send_mail", send_mail)
    assert notification_deliver(notification_id=reminder.pk) is True
    assert notification_deliver(notification_id=reminder.pk) is False
    assert [m.subject for m in mailoutbox] == ["Sent once the mail server is back"]


@pytest.mark.parametrize(
    "refusal",
    [
        SMTPRecipientsRefused({"business.riverside@example.org": (550, b"No such user")}),
        SMTPDataError(554, b"Message rejected"),
    ],
    ids=["no-such-user", "rejected"],
)
def test_a_message_the_mail_server_refuses_is_given_up_after_its_attempts(
    demo, record_unsent, monkeypatch, refusal
):
    from safeguarding import notifications
    from safeguarding.notifications import MAX_DELIVERY_ATTEMPTS

    refused = record_unsent("refused", "Refused for itself")

    def refuse(**kwargs):
        raise refusal

    monkeypatch.setattr(notifications, "send_mail", refuse)
    for _ in range(MAX_DELIVERY_ATTEMPTS):
        assert notification_deliver(notification_id=refused.pk) is False

    refused.refresh_from_db()
    assert (refused.sent_at, refused.attempts) == (None, MAX_DELIVERY_ATTEMPTS)
    assert refused.pk not in pending_notification_ids(older_than_seconds=0)


@pytest.fixture
def delivery_tasks():
    """The notification ids of each delivery task run, in order (eager tasks run as queued)."""
    ran = []

    def record(sender, args, **kwargs):
        if sender.name == deliver_notifications.name:
            ran.append(list(args))

    task_prerun.connect(record)
    yield ran
    task_prerun.disconnect(record)


def test_a_stage_told_to_several_people_is_handed_to_the_workers_as_one_task(
    demo, mailoutbox, delivery_tasks, django_capture_on_commit_callbacks
):
    people = [demo.user(BUSINESS), demo.user(LEAD_LA), demo.user(LEAD_HEALTH)]

    with django_capture_on_commit_callbacks(execute=True):
        told = notify_all(
            people,
            kind="test",
            subject=demo.riverside,
            stage="three",
            message=Message("Told to three people"),
            partnership_id=demo.riverside.pk,
        )

    assert told == 3
    recorded = Notification.objects.filter(stage="three").order_by("pk")
    assert delivery_tasks == [list(recorded.values_list("pk", flat=True))]
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
    assert all(n.sent_at is not None for n in recorded)


def test_the_pending_sweep_shares_a_backlog_between_tasks_of_50(demo, mailoutbox, delivery_tasks):
    recipient = demo.user(BUSINESS)
    Notification.objects.bulk_create(
        Notification(
            recipient=recipient,
            partnership=demo.riverside,
            kind="test",
            subject_type=ContentType.objects.get_for_model(Partnership),
            subject_id=demo.riverside.pk,
            stage=f"backlog-{number}",
            title=f"Backlog {number}",
            created_at=timezone.now() - timedelta(hours=1),
        )
        for number in range(120)
    )

    assert deliver_pending_notifications() == 120

    assert [len(ids) for ids in delivery_tasks] == [50, 50, 20]
    assert len(mailoutbox) == 120
    assert deliver_pending_notifications() == 0


def test_a_mail_server_lost_part_way_through_a_task_sends_each_once_when_it_is_back(
    demo, mailoutbox, record_unsent, monkeypatch
):
    from safeguarding import notifications
    from safeguarding.notifications import MailServerUnavailable

    ids = [record_unsent(f"lost-{n}", f"Reminder {n}").pk for n in (1, 2, 3)]
    send_mail = notifications.send_mail
    tried, server = [], {"up": True}

    def lost_from_the_second(**kwargs):
        tried.append(kwargs["subject"])
        if len(tried) == 2:
            server["up"] = False
        if not server["up"]:
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return send_mail(**kwargs)

    monkeypatch.setattr(notifications, "send_mail", lost_from_the_second)
    with pytest.raises(MailServerUnavailable):
        deliver_notifications(*ids)
    assert [m.subject for m in mailoutbox] == ["Reminder 1"]
    # Tried again at once over a new connection, then stopped when that failed too.
    assert tried == ["Reminder 1", "Reminder 2", "Reminder 2"]

    server["up"] = True
    assert deliver_notifications(*ids) == 2  # the task tried again: the first is not resent
    assert [m.subject for m in mailoutbox] == ["Reminder 1", "Reminder 2", "Reminder 3"]


class MailServer:
    """A real SMTP server on this machine: it counts the connections made to it and takes each
    message, or answers a message whose subject holds a word of `answers` with that reply, or
    one past `messages_a_connection` on its connection as a relay at its cap does."""

    def __init__(self):
        self.connections, self.subjects, self.answers = 0, [], {}
        self.messages_a_connection = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        session.messages = 0
        return responses

    async def handle_DATA(self, server, session, envelope):
        session.messages += 1
        if self.messages_a_connection and session.messages > self.messages_a_connection:
            return "421 4.3.0 Too many messages on this connection"
        for word, reply in self.answers.items():
            if word.encode() in envelope.content:
                return reply
        subject = next(
            line for line in envelope.content.decode().splitlines() if line.startswith("Subject:")
        )
        self.subjects.append(subject.removeprefix("Subject: "))
        return "250 Message accepted"


@pytest.fixture
def mail_server(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = MailServer()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield server
    controller.stop()


def test_a_task_sends_its_emails_over_one_connection_to_the_mail_server(
    demo, record_unsent, mail_server
):
    ids = [record_unsent(f"together-{n}", f"Reminder {n}").pk for n in (1, 2, 3)]

    assert deliver_notifications(*ids) == 3

    assert mail_server.subjects == ["Reminder 1", "Reminder 2", "Reminder 3"]
    assert mail_server.connections == 1
    assert Notification.objects.filter(pk__in=ids, sent_at__isnull=False).count() == 3


def test_a_message_refused_part_way_through_a_task_leaves_the_others_on_its_connection(
    demo, record_unsent, mail_server
):
    mail_server.answers["Refused"] = "554 Message rejected"
    ids = [
        record_unsent(f"refused-{n}", title).pk
        for n, title in enumerate(["Reminder 1", "Refused 2", "Reminder 3"])
    ]

    assert deliver_notifications(*ids) == 2

    assert mail_server.subjects == ["Reminder 1", "Reminder 3"]
    assert mail_server.connections == 1
    refused = Notification.objects.get(pk=ids[1])
    assert (refused.sent_at, refused.attempts) == (None, 1)
    assert refused.last_error.startswith("SMTPDataError: (554")


def test_a_task_the_mail_server_turns_away_part_way_sends_the_rest_on_a_new_connection(
    demo, record_unsent, mail_server
):
    from safeguarding.notifications import MailServerUnavailable

    mail_server.answers["Reminder 2"] = "421 Too busy, try again later"
    ids = [record_unsent(f"busy-{n}", f"Reminder {n}").pk for n in (1, 2, 3)]
    with pytest.raises(MailServerUnavailable):
        deliver_notifications(*ids)
    assert mail_server.subjects == ["Reminder 1"]

    # Turned away again over a new connection, as the first message there: the run stopped.
    assert mail_server.connections == 2

    del mail_server.answers["Reminder 2"]
    assert deliver_notifications(*ids) == 2  # the task tried again: the first is not resent

    assert mail_server.subjects == ["Reminder 1", "Reminder 2", "Reminder 3"]
    assert mail_server.connections == 3


def test_a_relay_that_takes_so_many_messages_a_connection_gets_the_rest_over_new_ones(
    demo, record_unsent, mail_server
):
    mail_server.messages_a_connection = 2
    ids = [record_unsent(f"capped-{n}", f"Reminder {n}").pk for n in range(1, 6)]

    assert deliver_notifications(*ids) == 5

    assert mail_server.subjects == [f"Reminder {n}" for n in range(1, 6)]
    assert mail_server.connections == 3
    assert not Notification.objects.filter(pk__in=ids).exclude(last_error="").exists()

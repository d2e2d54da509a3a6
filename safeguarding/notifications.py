"""The notification outbox: every reminder and message is recorded once, then sent once.

`notification_create()` records a notification under its unique key (recipient, kind, subject,
stage) and, only if this call recorded it, queues it for sending after the transaction commits.
`notification_deliver()` sends a recorded notification while holding its row lock, so two
workers, a retried task or a restarted sweep cannot send it twice; a worker that dies mid-send
rolls back and the pending sweep sends it later, so nothing is dropped. A send that fails is
recorded (`last_error`). A mail server that cannot be reached is not the message's fault: the
sweep keeps trying until it is back. A message the mail server or Django refuses counts as an
attempt, and the sweep gives up on it after `MAX_DELIVERY_ATTEMPTS`, so one that can never be
sent is not retried for ever and does not crowd newer ones out of the sweep. Giving up is
recorded (`given_up_at`) and shown in the app to the partnership's business team and system
admins (on their home page, and once in their notifications), who can have it sent again once
the address is mended (`notification_resend()`); its recipient still sees it among their
notifications.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from smtplib import (
    SMTPAuthenticationError,
    SMTPException,
    SMTPRecipientsRefused,
    SMTPResponseException,
)

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db import connection as database
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from . import permissions
from .models import Notification
from .records import lock

# How many refused sends of one notification are tried before the sweep stops picking it up.
MAX_DELIVERY_ATTEMPTS = 10

# Who is told in the app when one of a partnership's emails is given up.
EMAIL_GIVEN_UP_KIND = "email_given_up"


class MailServerUnavailable(Exception):
    """The mail server could not take a message now (down, unreachable, busy, misconfigured).

    The task retries it and it never counts towards MAX_DELIVERY_ATTEMPTS, so an outage however
    long drops no reminder."""


def _mail_server_unavailable(error: Exception) -> bool:
    """A failure of the mail server rather than of the message: a 4xx answer ("try again
    later"), a lost connection or sign-in, or a network error. A 5xx answer about the message
    or its recipient is the message's own fault and counts as an attempt."""
    if isinstance(error, SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, SMTPResponseException) and not isinstance(error, SMTPAuthenticationError):
        return 400 <= error.smtp_code < 500
    return isinstance(error, SMTPException | OSError)


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    url: str = ""


def _unsaved(*, recipient, kind, subject, stage, message: Message, partnership_id) -> Notification:
    return Notification(
        recipient=recipient,
        partnership_id=partnership_id,
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        stage=stage,
        title=message.title[:200],
        body=message.body,
        url=message.url,
    )


def notification_create(
    *, recipient, kind: str, subject, stage: str, message: Message, partnership_id: int
):
    """Record a notification about `subject`, a record of the partnership `partnership_id`;
    returns it, or None if it had been recorded before."""
    notification = _unsaved(
        recipient=recipient,
        kind=kind,
        subject=subject,
        stage=stage,
        message=message,
        partnership_id=partnership_id,
    )
    return notification if _insert(notification) else None


# How many notifications one delivery task sends, so that a sweep's or an outage's backlog is
# shared between the workers. Handing a task to the broker costs about a millisecond, more than
# recording a notification: notifications recorded together are queued together.
DELIVERY_BATCH = 50


def deliver_soon(notification_ids: list[int]) -> None:
    """Queue the notifications' delivery, up to DELIVERY_BATCH to a task."""
    from .tasks import deliver_notifications

    for start in range(0, len(notification_ids), DELIVERY_BATCH):
        deliver_notifications.delay(*notification_ids[start : start + DELIVERY_BATCH])


def _deliver_after_commit(notification_ids: list[int]) -> None:
    # robust: if the broker is down the request still succeeds; the notification stays recorded
    # and unsent, and deliver_pending_notifications sends it once the broker is back.
    transaction.on_commit(lambda: deliver_soon(notification_ids), robust=True)


@dataclass(frozen=True)
class Reminder:
    """One notification about `subject` for each of `recipients` (`notify_each`)."""

    recipients: list
    subject: object
    stage: str
    message: Message
    partnership_id: int


# How many records' reminders a sweep records in one insert and one transaction.
REMINDERS_RECORDED_TOGETHER = 200


def notify_each(reminders: Iterable[Reminder], *, kind: str) -> int:
    """Record each reminder for its recipients not yet told; returns how many were new.

    A sweep's reminders are recorded REMINDERS_RECORDED_TOGETHER at a time: one read of who was
    told, one insert, one commit. All or none: a sweep stopped part way records none of a
    batch, so `already_notified()` never finds a stage recorded for some of a record's
    recipients and leaves out the rest. If another sweep records some of them at the same
    moment, the unique rule refuses the insert, and each reminder, then each recipient, is
    recorded on its own, all or none again."""
    batch, created = [], 0
    for reminder in reminders:
        batch.append(reminder)
        if len(batch) == REMINDERS_RECORDED_TOGETHER:
            created += _record_together(batch, kind)
            batch = []
    return created + (_record_together(batch, kind) if batch else 0)


def notify_all(
    recipients,
    *,
    kind: str,
    subject,
    stage: str,
    message: Message,
    partnership_id: int,
) -> int:
    """Record the same notification for each recipient not yet told (`notify_each` of one)."""
    return notify_each(
        [Reminder(list(recipients), subject, stage, message, partnership_id)], kind=kind
    )


def _record_together(reminders: list[Reminder], kind: str) -> int:
    untold = _untold(reminders, kind)
    if not untold:
        return 0
    try:
        with transaction.atomic():
            recorded = Notification.objects.bulk_create(untold)
    except IntegrityError:
        if len(reminders) > 1:
            return sum(_record_together([reminder], kind) for reminder in reminders)
        with transaction.atomic():
            created = [_insert(notification) for notification in untold]
        return sum(created)
    _deliver_after_commit([notification.pk for notification in recorded])
    return len(recorded)


def _untold(reminders: list[Reminder], kind: str) -> list[Notification]:
    """The reminders' notifications not yet recorded, unsaved, in the order of the unique rule's
    key, so that sweeps recording at the same moment wait for each other's rows in the same order
    rather than each for the other's."""
    by_type = defaultdict(lambda: (set(), set()))
    for reminder in reminders:
        ids, stages = by_type[ContentType.objects.get_for_model(reminder.subject).pk]
        ids.add(reminder.subject.pk)
        stages.add(reminder.stage)
    subjects = Q()
    for type_id, (ids, stages) in by_type.items():
        subjects |= Q(subject_type=type_id, subject_id__in=ids, stage__in=stages)
    # Keyed as the unique rule is: (recipient, kind, subject type, subject, stage).
    told = set(
        Notification.objects.filter(subjects, kind=kind).values_list(
            "recipient_id", "subject_type_id", "subject_id", "stage"
        )
    )
    untold = {}
    for reminder in reminders:
        type_id = ContentType.objects.get_for_model(reminder.subject).pk
        for recipient in reminder.recipients:
            key = (recipient.pk, type_id, reminder.subject.pk, reminder.stage)
            # Each once, should a person be among a record's recipients twice (in two roles).
            if key not in told and key not in untold:
                untold[key] = _unsaved(
                    recipient=recipient,
                    kind=kind,
                    subject=reminder.subject,
                    stage=reminder.stage,
                    message=reminder.message,
                    partnership_id=reminder.partnership_id,
                )
    return [untold[key] for key in sorted(untold)]


def _insert(notification: Notification) -> bool:
    """Record one notification and queue it, unless it was recorded before."""
    try:
        with transaction.atomic():
            notification.save(force_insert=True)
    except IntegrityError:
        return False
    _deliver_after_commit([notification.pk])
    return True


class _LookedUpForEachRecord(Exists):
    """EXISTS checked by one index lookup for each record read, whatever the statistics say.

    PostgreSQL would otherwise join the notifications to the records as its statistics plan
    it. Until autovacuum has counted a sweep's newest notifications (once a tenth of the table
    has changed: months, on a table of millions) it expects none, and compared each record with
    every one of them: 12.5 s for the day after 66,510 follow-up reminders, where looking each
    up took 0.16 s. OFFSET 0 is PostgreSQL's usual fence against that plan; to SQLite it
    changes nothing."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


def already_notified(model, *, kind: str, stage: str) -> Exists:
    """True of a `model` record whose `stage` notification of `kind` is recorded, for anyone.

    A sweep leaves out its records already told of their last stage (overdue), so that its
    daily cost follows the records reaching a stage, not the backlog that passed it long ago:
    the unique key alone would keep a reminder once, but only after reading every overdue
    record and trying its recipients again each day. Someone who takes on the role later is
    not told of that backlog; their own lists and dashboards show it to them.
    """
    return _LookedUpForEachRecord(
        Notification.objects.filter(
            kind=kind,
            stage=stage,
            subject_type=ContentType.objects.get_for_model(model),
            subject_id=OuterRef("pk"),
        )
    )


def notifications_deliver(notification_ids: Iterable[int]) -> int:
    """Send each notification in turn over one connection to the mail server; returns how many
    this call sent. Connecting, and signing in over TLS, costs a mail relay more than a message
    does: one connection for each of a sweep's thousands of emails was most of its sending.

    The connection is opened for the first message and kept for the rest. A relay that takes
    only so many messages a connection (Exchange, 20 unless set otherwise) turns the next away
    for now or drops the connection: that message is sent again at once over a new one. If the
    mail server turns away the first message over a connection, the run stops with
    `MailServerUnavailable`, as for one message, and the task's retry starts again later."""
    connection = get_connection()
    sent = sent_over_connection = 0
    try:
        for notification_id in notification_ids:
            try:
                delivered = notification_deliver(
                    notification_id=notification_id, connection=connection
                )
            except MailServerUnavailable:
                if not sent_over_connection:
                    raise
                connection.close()
                sent_over_connection = 0
                delivered = notification_deliver(
                    notification_id=notification_id, connection=connection
                )
            sent += delivered
            sent_over_connection += delivered
        return sent
    finally:
        connection.close()


def notification_deliver(*, notification_id: int, connection=None) -> bool:
    """Send one notification by email unless it has been sent or given up (a task queued
    before it was given up sends nothing: only `notification_resend()` starts it again); True
    if this call sent it. Over `connection`, opened here if it is not yet, when given; over a
    connection of its own otherwise.

    A failed send is recorded on the notification (last_error) and left unsent. A failure of
    the mail server is raised as `MailServerUnavailable` afterwards so the task retries it; any
    other counts as an attempt.
    """
    failure = None
    with transaction.atomic():
        claim = _claim(notification_id)
        if claim is None:
            return False
        if not claim.recipient_is_active:
            # Someone who has left is not emailed; the row stays marked handled so the pending
            # sweep does not pick it up again, and says why nothing was sent.
            Notification.objects.filter(pk=notification_id).update(
                attempts=claim.attempts_before,
                last_error="Not sent: the recipient is no longer active.",
            )
            return False
        try:
            if claim.email:
                link = f"\n\n{settings.SITE_URL}{claim.url}" if claim.url else ""
                if connection is not None:
                    # Inside the try: a mail server that cannot be reached is recorded and
                    # retried as any other outage. An open connection is kept as it is.
                    connection.open()
                send_mail(
                    # A subject cannot hold a line break, and a title is made of whatever
                    # people typed, through any form, the API or the admin: it goes on one line
                    # here, where the subject is made, whenever and however it was recorded.
                    subject=" ".join(claim.title.split()),
                    message=f"{claim.body}{link}",
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[claim.email],
                    connection=connection,
                )
        except Exception as error:  # recorded, so a send that always fails is not tried for ever
            failure = error
            last_error = _record_failure(notification_id, claim, error)
    if failure is not None and _mail_server_unavailable(failure):
        raise MailServerUnavailable(last_error) from failure
    return failure is None


@dataclass(frozen=True)
class _Claim:
    """A notification this call is sending: its message, and who it goes to."""

    title: str
    body: str
    url: str
    attempts_before: int
    email: str
    recipient_is_active: bool


def _claim(notification_id: int) -> _Claim | None:
    """Mark the notification sent and return what sending it needs; None if it has been sent
    or given up, or another worker is sending it now (its row is locked: skipped, not waited
    for).

    The mark is written ahead, in the one statement that finds and locks the row: it holds the
    lock until the transaction ends and is committed only once the send has gone through. A
    failed send is written over it first (`_record_failure`), and a worker that dies mid-send
    rolls it back, so the pending sweep sends the notification later. Locking and reading the
    row with its recipient, then saving it, took two statements and the ORM's work for each:
    3.4 ms a notification on the bench's data, against 1.5 for this (docs/performance.md)."""
    table = database.ops.quote_name(Notification._meta.db_table)
    people = database.ops.quote_name(
        Notification._meta.get_field("recipient").related_model._meta.db_table
    )
    unless_locked = (
        " FOR UPDATE SKIP LOCKED" if database.features.has_select_for_update_skip_locked else ""
    )
    # The row's state is tested again once it is locked, should a database wait for the lock
    # rather than skip it. The recipient is read in RETURNING, where SQLite allows no join.
    recipient = f"FROM {people} WHERE {people}.id = {table}.recipient_id"
    with database.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET sent_at = %s, attempts = attempts + 1, last_error = ''
            WHERE sent_at IS NULL AND given_up_at IS NULL AND id = (
                SELECT id FROM {table}
                WHERE id = %s AND sent_at IS NULL AND given_up_at IS NULL{unless_locked}
            )
            RETURNING title, body, url, attempts - 1,
                (SELECT email {recipient}), (SELECT is_active {recipient})
            """,
            [database.ops.adapt_datetimefield_value(timezone.now()), notification_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    title, body, url, attempts_before, email, is_active = row
    return _Claim(title, body, url, attempts_before, email, bool(is_active))


def _record_failure(notification_id: int, claim: _Claim, error: Exception) -> str:
    """Write a failed send over the claim's mark, under the lock the claim took: unsent, with
    the error, and one more attempt unless the mail server was at fault. Returns the error as
    recorded."""
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    notification.sent_at = None
    notification.attempts = claim.attempts_before
    notification.last_error = f"{type(error).__name__}: {error}"[:300]
    if not _mail_server_unavailable(error):
        notification.attempts += 1
        if notification.attempts >= MAX_DELIVERY_ATTEMPTS:
            notification.given_up_at = timezone.now()
            _tell_overseers_given_up(notification)
    notification.save(update_fields=["sent_at", "attempts", "last_error", "given_up_at"])
    return notification.last_error


def _tell_overseers_given_up(notification: Notification) -> None:
    """Tell the partnership's business team and system admins, once each time the notification
    is given up (the unique key, with the moment it was given up as its stage, decides): one
    sent again after its address was mended and refused again is news to whoever sent it. They
    see it in the app whatever becomes of their own emails; one of these given up in turn tells
    no one more, so a mail server refusing everyone cannot set off a chain."""
    from partnerships.choices import Role
    from partnerships.selectors import people_with_role

    if notification.partnership_id is None or notification.kind == EMAIL_GIVEN_UP_KIND:
        return
    overseers = people_with_role(
        notification.partnership_id, Role.BUSINESS_TEAM, Role.SYSTEM_ADMIN
    ).exclude(pk=notification.recipient_id)
    notify_all(
        overseers,
        kind=EMAIL_GIVEN_UP_KIND,
        subject=notification,
        stage=f"given_up_{notification.given_up_at.isoformat()}",
        partnership_id=notification.partnership_id,
        message=Message(
            title=f"An email to {notification.recipient} could not be delivered",
            body=f"{notification.title}. The mail server said: {notification.last_error}",
            url=reverse("notifications-undelivered"),
        ),
    )


def undelivered_notifications(user):
    """Given-up notifications of the partnerships where the person is on the business team or
    a system admin, most recently given up first."""
    return permissions.restrict(
        Notification.objects.filter(given_up_at__isnull=False), user, permissions.CHANGE
    ).order_by("-given_up_at", "-pk")


def notification_resend(*, notification: Notification) -> None:
    """Try a given-up notification's email again from the start, after its address has been
    mended, say. Checked under the row lock, so two people resending it queue it once."""
    with transaction.atomic():
        lock(notification, "given_up_at")
        if not notification.is_given_up:
            raise ValidationError("This email is being sent again already.")
        notification.attempts = 0
        notification.given_up_at = None
        notification.last_error = ""
        notification.save(update_fields=["attempts", "given_up_at", "last_error"])
        _deliver_after_commit([notification.pk])


def pending_notification_ids(*, older_than_seconds: int = 60, limit: int = 500) -> list[int]:
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        Notification.objects.filter(
            sent_at__isnull=True, created_at__lte=cutoff, attempts__lt=MAX_DELIVERY_ATTEMPTS
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])

"""The notification outbox: every reminder and message is recorded once, then sent once.

`notification_create()` records a notification under its unique key (recipient, kind, subject,
stage) and, only if this call recorded it, queues it for sending after the transaction commits.
`notification_deliver()` sends a recorded notification while holding its row lock, so two
workers, a retried task or a restarted sweep cannot send it twice; a worker that dies mid-send
rolls back and the pending sweep sends it later, so nothing is dropped. A send that fails is
recorded (`last_error`). A mail server that cannot be reached is not the message's fault: the
sweep keeps trying until it is back. A message the mail server or Django refuses counts as an
attempt, and the sweep gives up on it after `MAX_DELIVERY_ATTEMPTS`, so one that can never be
sent is not retried for ever and does not crowd newer ones out of the sweep.
"""

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
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification

# How many refused sends of one notification are tried before the sweep stops picking it up.
MAX_DELIVERY_ATTEMPTS = 10


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


def one_line(text: str) -> str:
    """The text on one line: a title becomes an email subject, which cannot hold a line break."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    url: str = ""


def notification_create(*, recipient, kind: str, subject, stage: str, message: Message):
    """Record a notification; returns it, or None if it had been recorded before."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                subject_type=ContentType.objects.get_for_model(subject),
                subject_id=subject.pk,
                stage=stage,
                title=one_line(message.title)[:200],
                body=message.body,
                url=message.url,
            )
    except IntegrityError:
        return None
    from .tasks import deliver_notification

    # robust: if the broker is down the request still succeeds; the notification stays recorded
    # and unsent, and deliver_pending_notifications sends it once the broker is back.
    def enqueue_delivery():
        deliver_notification.delay(notification.pk)

    transaction.on_commit(enqueue_delivery, robust=True)
    return notification


def notify_all(recipients, *, kind: str, subject, stage: str, message: Message) -> int:
    """Record the same notification for each recipient; returns how many were new."""
    created = 0
    for recipient in recipients:
        if notification_create(
            recipient=recipient, kind=kind, subject=subject, stage=stage, message=message
        ):
            created += 1
    return created


def notification_deliver(*, notification_id: int) -> bool:
    """Send one notification by email unless it has been sent; True if this call sent it.

    A failed send is recorded on the notification (last_error) and left unsent. A failure of
    the mail server is raised as `MailServerUnavailable` afterwards so the task retries it; any
    other counts as an attempt.
    """
    failure = None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=notification_id, sent_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        if not notification.recipient.is_active:
            # Someone who has left is not emailed; the row is marked handled so the pending
            # sweep does not pick it up again, and says why nothing was sent.
            notification.sent_at = timezone.now()
            notification.last_error = "Not sent: the recipient is no longer active."
            notification.save(update_fields=["sent_at", "last_error"])
            return False
        try:
            if notification.recipient.email:
                link = f"\n\n{settings.SITE_URL}{notification.url}" if notification.url else ""
                send_mail(
                    subject=one_line(notification.title),
                    message=f"{notification.body}{link}",
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[notification.recipient.email],
                )
        except Exception as error:  # recorded, so a send that always fails is not tried for ever
            failure = error
            notification.last_error = f"{type(error).__name__}: {error}"[:300]
            if not _mail_server_unavailable(error):
                notification.attempts += 1
            notification.save(update_fields=["attempts", "last_error"])
        else:
            notification.sent_at = timezone.now()
            notification.attempts += 1
            notification.last_error = ""
            notification.save(update_fields=["sent_at", "attempts", "last_error"])
    if failure is not None and _mail_server_unavailable(failure):
        raise MailServerUnavailable(notification.last_error) from failure
    return failure is None


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

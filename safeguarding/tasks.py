from celery import shared_task

from . import api_tokens, notifications


@shared_task(
    autoretry_for=(notifications.MailServerUnavailable,),
    retry_backoff=True,
    max_retries=8,
)
def deliver_notifications(*notification_ids: int) -> int:
    """Send each notification in turn, each under its own row lock; returns how many this call
    sent. Retried whole while the mail server is unavailable: those already sent are skipped."""
    return notifications.notifications_deliver(notification_ids)


@shared_task
def deliver_pending_notifications() -> int:
    """Send anything recorded but not sent: queued while the broker was down, or a lost task."""
    ids = notifications.pending_notification_ids()
    notifications.deliver_soon(ids)
    return len(ids)


@shared_task
def pseudonymise_expired_records() -> dict:
    from .retention import expired_records_pseudonymise

    return expired_records_pseudonymise()


@shared_task
def clear_expired_api_tokens() -> int:
    return api_tokens.expired_api_tokens_clear()

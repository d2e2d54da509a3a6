from celery import shared_task

from . import api_tokens, notifications


@shared_task(
    autoretry_for=(notifications.MailServerUnavailable,),
    retry_backoff=True,
    max_retries=8,
)
def deliver_notification(notification_id: int) -> bool:
    return notifications.notification_deliver(notification_id=notification_id)


@shared_task
def deliver_pending_notifications() -> int:
    """Send anything recorded but not sent: queued while the broker was down, or a lost task."""
    ids = notifications.pending_notification_ids()
    for notification_id in ids:
        deliver_notification.delay(notification_id)
    return len(ids)


@shared_task
def pseudonymise_expired_records() -> dict:
    from .retention import expired_records_pseudonymise

    return expired_records_pseudonymise()


@shared_task
def clear_expired_api_tokens() -> int:
    return api_tokens.expired_api_tokens_clear()

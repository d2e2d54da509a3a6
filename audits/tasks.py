from celery import shared_task

from .services import audit_return_reminders_send


@shared_task
def send_audit_return_reminders() -> int:
    return audit_return_reminders_send()

from celery import shared_task

from .services import arrangement_review_reminders_send


@shared_task
def send_arrangement_review_reminders() -> int:
    return arrangement_review_reminders_send()

from celery import shared_task

from .services import (
    agency_return_reminders_send,
    milestone_reminders_send,
    rapid_review_reminders_send,
)


@shared_task
def send_agency_return_reminders() -> int:
    return agency_return_reminders_send()


@shared_task
def send_rapid_review_reminders() -> int:
    return rapid_review_reminders_send()


@shared_task
def send_practice_review_milestone_reminders() -> int:
    return milestone_reminders_send()

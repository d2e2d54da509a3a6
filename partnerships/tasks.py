from celery import shared_task

from .services import (
    action_overdue_reminders_send,
    arrangement_review_reminders_send,
    roles_starting_and_ending_sync,
    scrutiny_reminders_send,
    yearly_report_reminders_send,
)


@shared_task
def send_arrangement_review_reminders() -> int:
    return arrangement_review_reminders_send()


@shared_task
def send_action_overdue_reminders() -> int:
    return action_overdue_reminders_send()


@shared_task
def send_scrutiny_reminders() -> int:
    return scrutiny_reminders_send()


@shared_task
def send_yearly_report_reminders() -> int:
    return yearly_report_reminders_send()


@shared_task
def start_and_end_roles() -> int:
    return roles_starting_and_ending_sync()

from celery import shared_task

from .services import (
    escalation_stage_sweep,
    referral_deadline_reminders_send,
    referral_follow_up_reminders_send,
)


@shared_task
def send_referral_deadline_reminders() -> int:
    """Front doors and their managers: referrals due today or past their deadline."""
    return referral_deadline_reminders_send()


@shared_task
def send_referral_follow_up_reminders() -> int:
    """Front doors and their managers: assessments and conferences due soon or overdue."""
    return referral_follow_up_reminders_send()


@shared_task
def move_overdue_escalations() -> int:
    """Escalations whose stage timescale has passed move up a stage; contacts are told once."""
    return escalation_stage_sweep()

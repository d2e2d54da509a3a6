import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from referrals.models import Escalation
from referrals.tasks import move_overdue_escalations, send_referral_deadline_reminders
from safeguarding.models import Notification
from tests.personas import FRONT_DOOR_HILLFORD
from tests.referrals.factories import OpenEscalationFactory, SubmittedReferralFactory


def test_the_beat_schedule_runs_both_sweeps():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {
        "referrals.tasks.send_referral_deadline_reminders",
        "referrals.tasks.send_referral_follow_up_reminders",
        "referrals.tasks.move_overdue_escalations",
    } <= tasks


def test_the_deadline_task_reminds_the_front_door_once(demo, django_capture_on_commit_callbacks):
    yesterday = timezone.now() - timedelta(days=4)
    SubmittedReferralFactory(received_at=yesterday)

    with django_capture_on_commit_callbacks(execute=True):
        first = send_referral_deadline_reminders.delay().get()
    second = send_referral_deadline_reminders.delay().get()

    assert (first, second) == (1, 0)
    assert Notification.objects.get(kind="referral_deadline").recipient.username == (
        FRONT_DOOR_HILLFORD
    )


def test_the_escalation_task_moves_an_overdue_escalation_once(demo):
    escalation = OpenEscalationFactory(today=date.today() - timedelta(days=30))

    assert move_overdue_escalations.delay().get() == 1
    assert move_overdue_escalations.delay().get() == 0
    assert Escalation.objects.get(pk=escalation.pk).stage == 2


@pytest.mark.django_db(transaction=True)
def test_the_escalation_task_run_twice_by_real_celery_workers_notifies_once(
    transactional_demo, needs_services, mailoutbox
):
    from celery.contrib.testing.worker import start_worker

    from safeguarding.celery import app

    OpenEscalationFactory(today=date(2026, 11, 2))
    Notification.objects.update(sent_at=datetime(2026, 11, 2, tzinfo=ZoneInfo("Europe/London")))
    mailoutbox.clear()
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False):
            first, second = move_overdue_escalations.delay(), move_overdue_escalations.delay()
            moved = sorted([first.get(timeout=30), second.get(timeout=30)])
            deadline = time.monotonic() + 30
            while Notification.objects.filter(sent_at__isnull=True).exists():
                assert time.monotonic() < deadline, "the notifications were never sent"
                time.sleep(0.1)
            time.sleep(1)  # long enough for a duplicate delivery to show itself
    finally:
        app.conf.task_always_eager = True

    assert moved == [0, 1]
    assert Notification.objects.filter(stage="stage_2").count() == len(mailoutbox) == 2

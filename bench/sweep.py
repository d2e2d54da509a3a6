"""The referral deadline sweep: its cost should follow the referrals due, not those open, nor
those already told they are overdue.

Decided referrals are turned back into waiting ones to make the open and due counts each
scenario needs; the bench database is thrown away afterwards. The sweep runs as beat runs it
(the Celery task), with deliveries sent in-process so each scenario's time includes them. A
week of sweeps then runs the same service for five days in turn, each with as many referrals
falling due, none decided: each day's overdue ones are told once and left as a backlog.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from referrals.services import referral_deadline_reminders_send
from referrals.tasks import send_referral_deadline_reminders
from safeguarding.celery import app
from safeguarding.models import Notification

SCENARIOS = [
    # (open deadlines, of which due today)
    (100_000, 1_000),
    (400_000, 1_000),
    (100_000, 2_000),
]


# A week of sweeps: (open deadlines, falling due each day, days)
WEEK = (100_000, 1_000, 5)


def set_open(open_count: int, due_count: int, days: int = 1) -> None:
    """Exactly `open_count` referrals waiting, `due_count` of them due on each of `days` days
    from today, the rest later."""
    today = timezone.localdate()
    with connection.cursor() as cursor:
        # Close every open referral, as a decision would: one still waiting since generation
        # has no decision yet and is given one, so the data stays as the service leaves it.
        cursor.execute(
            """
            UPDATE referrals_referral
            SET status = 'decided',
                decision = CASE WHEN decision = '' THEN 'no_further_action' ELSE decision END,
                decided_at = COALESCE(decided_at, now())
            WHERE status = 'submitted'
            """
        )
        cursor.execute(
            """
            WITH chosen AS (
                SELECT id, row_number() OVER (ORDER BY id) AS n
                FROM referrals_referral ORDER BY id LIMIT %s
            )
            UPDATE referrals_referral r
            SET status = 'submitted',
                decision_due_on = CASE WHEN chosen.n <= %s
                                       THEN %s::date + ((chosen.n - 1) / %s)::int
                                       ELSE %s::date + (chosen.n %% 20)::int END
            FROM chosen WHERE r.id = chosen.id
            """,
            [open_count, due_count * days, today, due_count, today + timedelta(days=days)],
        )
        cursor.execute("ANALYZE referrals_referral")
    Notification.objects.filter(kind="referral_deadline").delete()


@contextmanager
def deliveries_in_process():
    was_eager, app.conf.task_always_eager = app.conf.task_always_eager, True
    try:
        yield
    finally:
        app.conf.task_always_eager = was_eager


def run() -> list[dict]:
    results = []
    with deliveries_in_process():
        for open_count, due_count in SCENARIOS:
            set_open(open_count, due_count)
            started = time.perf_counter()
            sent = send_referral_deadline_reminders.delay().get()
            first = time.perf_counter() - started
            started = time.perf_counter()
            resent = send_referral_deadline_reminders.delay().get()
            again = time.perf_counter() - started
            results.append(
                {
                    "open": open_count,
                    "due": due_count,
                    "reminders_sent": sent,
                    "seconds": round(first, 2),
                    "ms_per_due_referral": round(first * 1000 / due_count, 2),
                    "rerun_reminders_sent": resent,
                    "rerun_seconds": round(again, 2),
                }
            )
    return results


def week_of_sweeps() -> dict:
    """Five daily sweeps over one set of open referrals: a day's time should stay flat while
    the backlog told of being overdue grows by a day's due each day."""
    open_count, due_count, days = WEEK
    set_open(open_count, due_count, days)
    first_day = timezone.localdate()
    sweeps = []
    for day in range(days):
        started = time.perf_counter()
        with deliveries_in_process():
            sent = referral_deadline_reminders_send(today=first_day + timedelta(days=day))
        sweeps.append(
            {
                "day": day + 1,
                "already_told_overdue": due_count * max(day - 1, 0),
                "reminders_sent": sent,
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    return {"open": open_count, "due": due_count, "week": sweeps}

from datetime import date, timedelta

import pytest

from audits.models import Audit
from audits.services import audit_return_reminders_send, return_reminder_stage
from audits.tasks import send_audit_return_reminders
from safeguarding.models import Notification
from tests.audits.factories import AuditFactory, complete_return
from tests.personas import BUSINESS, DSL_SCHOOL
from tests.support.concurrency import run_at_once
from tests.support.sweeps import sweep_cost

# Friday 4 December 2026: 3 working days before Wednesday 9 December.
DUE = date(2026, 12, 9)


def make_due(audit, on=DUE):
    """Only this audit is near its deadline (the demo audit is moved well away)."""
    Audit.objects.exclude(pk=audit.pk).update(return_due_on=date(2030, 1, 1))
    Audit.objects.filter(pk=audit.pk).update(return_due_on=on)


@pytest.mark.parametrize(
    ("left", "stage"),
    [(5, None), (3, "due_in_3"), (2, "due_in_3"), (1, "due_in_1"), (0, "due"), (-2, "overdue")],
)
def test_each_deadline_reaches_one_stage(left, stage):
    reached = return_reminder_stage(working_days_left=left)

    assert (reached[0] if reached else None) == stage


def test_agency_leads_are_reminded_once_per_stage_of_returns_still_due(
    demo, mailoutbox, django_capture_on_commit_callbacks
):
    school_agency = demo.agency("St Anne's Primary School")
    audit = AuditFactory(agencies=[school_agency, demo.agency("Midshire Police")])
    make_due(audit)
    days = [
        date(2026, 12, 4),  # 3 working days before
        date(2026, 12, 4),  # the same day again
        date(2026, 12, 8),  # 1 working day before
        DUE,
        date(2026, 12, 10),
    ]

    created = []
    for today in days:
        with django_capture_on_commit_callbacks(execute=True):
            created.append(audit_return_reminders_send(today=today))

    school = Notification.objects.filter(recipient__username=DSL_SCHOOL, kind="audit_return_due")
    assert list(school.order_by("pk").values_list("stage", flat=True)) == [
        f"agency-{school_agency.pk}:{s}" for s in ("due_in_3", "due_in_1", "due", "overdue")
    ]
    # Midshire Police has no agency safeguarding lead in Riverside: the business team is told.
    assert Notification.objects.filter(recipient__username=BUSINESS).count() == 4
    assert created == [2, 0, 2, 2, 2]
    assert len(mailoutbox) == 8


def test_an_agency_that_has_submitted_everything_is_not_chased(demo):
    audit = AuditFactory(agencies=[demo.agency("St Anne's Primary School")])
    for audit_return in audit.returns.all():
        complete_return(audit_return, by=demo.user(DSL_SCHOOL))
    make_due(audit)

    assert audit_return_reminders_send(today=DUE) == 0


def test_audits_far_from_their_deadline_are_not_read(demo, django_assert_max_num_queries):
    audit = AuditFactory()
    make_due(audit, DUE + timedelta(days=60))

    with django_assert_max_num_queries(3):
        assert audit_return_reminders_send(today=DUE) == 0


@pytest.mark.parametrize("today", [date(2026, 12, 4), DUE, date(2026, 12, 10)])
def test_the_sweep_runs_the_same_queries_for_six_audits_as_for_one(demo, today):
    """Each agency's recipients are read once and the reminders recorded together."""
    agencies = [demo.agency("St Anne's Primary School"), demo.agency("Midshire Police")]

    def audits(count):
        AuditFactory.create_batch(count, agencies=agencies)
        Audit.objects.update(return_due_on=DUE)

    Audit.objects.all().delete()
    one = sweep_cost(audit_return_reminders_send, today, lambda: audits(1))
    six = sweep_cost(audit_return_reminders_send, today, lambda: audits(6))

    assert six[0] == 6 * one[0] > 0
    assert six[1:] == one[1:]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_remind_once(transactional_demo, needs_services, mailoutbox):
    audit = AuditFactory(agencies=[transactional_demo.agency("St Anne's Primary School")])
    make_due(audit)
    results = run_at_once(lambda: audit_return_reminders_send(today=DUE))

    assert results == [0, 0, 0, 1]
    assert Notification.objects.filter(kind="audit_return_due").count() == 1
    assert len(mailoutbox) == 1


def test_the_task_runs_the_sweep(demo):
    assert send_audit_return_reminders.delay().get() == 0

"""What follows a front door decision: the assessment's and the conference's clocks, recorded."""

import re
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from partnerships.models import ClosureDay
from referrals import selectors, services
from referrals.models import Referral
from safeguarding.models import Notification
from tests.personas import (
    FRONT_DOOR_HILLFORD,
    FRONT_DOOR_RIVERSIDE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
)
from tests.referrals.factories import DecidedReferralFactory, bulk_referrals
from tests.support.clock import LONDON
from tests.support.concurrency import run_at_once

# Thursday 19 November 2026: 45 working days on, past Christmas, is in late January 2027.
RECEIVED = datetime(2026, 11, 19, 10, tzinfo=LONDON)
# Monday 14 December 2026: the conference's 15 working days run over Christmas and New Year.
STRATEGY_DISCUSSION = date(2026, 12, 14)
AFTER_CHRISTMAS = date(2027, 1, 20)


def decided(decision="strategy_discussion", **kwargs) -> Referral:
    return DecidedReferralFactory(received_at=RECEIVED, decision=decision, **kwargs)


def front_door(demo):
    return demo.user(FRONT_DOOR_HILLFORD)


def record_strategy_discussion(demo, referral, held_on=STRATEGY_DISCUSSION):
    return services.referral_strategy_discussion_record(
        referral=referral, by=front_door(demo), held_on=held_on, today=AFTER_CHRISTMAS
    )


def with_open_clocks(count: int, **due_dates) -> None:
    """`count` referrals whose assessment and conference are open, due on `due_dates`."""
    Referral.objects.bulk_create(
        bulk_referrals(count, status="decided", decision="child_in_need_assessment", **due_dates)
    )


def test_the_clocks_skip_bank_holidays_and_the_partnerships_closure_days(demo):
    ClosureDay.objects.create(partnership=demo.riverside, date=date(2026, 12, 24), reason="Eve")

    referral = decided()
    record_strategy_discussion(demo, referral)

    referral.refresh_from_db()
    # 45 working days after Thursday 19 November, not counting 24 December (closure), Christmas
    # Day, Boxing Day (observed on Monday 28 December) and New Year's Day: Wednesday 27 January.
    assert referral.assessment_due_on == date(2027, 1, 27)
    # 15 working days counted from the day after Monday 14 December, the same days skipped.
    assert referral.conference_due_on == date(2027, 1, 8)


def test_without_the_closure_day_each_clock_ends_a_working_day_sooner(demo):
    referral = record_strategy_discussion(demo, decided())

    assert (referral.assessment_due_on, referral.conference_due_on) == (
        date(2027, 1, 26),
        date(2027, 1, 7),
    )


@pytest.mark.parametrize(
    ("decision", "assessment_due_on"),
    [
        ("child_in_need_assessment", date(2027, 1, 26)),
        ("strategy_discussion", date(2027, 1, 26)),
        ("early_help", None),
        ("no_further_action", None),
    ],
)
def test_only_decisions_that_lead_to_an_assessment_start_its_clock(
    demo, decision, assessment_due_on
):
    referral = decided(decision)

    assert referral.assessment_due_on == assessment_due_on
    assert referral.conference_due_on is None


def test_the_assessment_completion_is_recorded_once_with_its_history(demo):
    referral = decided("child_in_need_assessment")

    services.referral_assessment_record(
        referral=referral,
        by=front_door(demo),
        completed_on=date(2027, 1, 15),
        today=AFTER_CHRISTMAS,
    )

    referral.refresh_from_db()
    assert referral.assessment_completed_on == date(2027, 1, 15)
    latest = referral.history.first()
    assert latest.history_change_reason == "Assessment completion recorded"
    with pytest.raises(ValidationError, match="already recorded: 15 January 2027"):
        services.referral_assessment_record(
            referral=Referral.objects.get(pk=referral.pk),
            by=front_door(demo),
            completed_on=date(2027, 1, 18),
            today=AFTER_CHRISTMAS,
        )


@pytest.mark.parametrize(
    ("completed_on", "message"),
    [
        (None, "Enter the date."),
        (date(2026, 11, 18), "cannot be before the referral was received (19 November 2026)"),
        (date(2027, 1, 21), "cannot be in the future"),
    ],
)
def test_an_assessment_date_before_the_referral_or_in_the_future_is_refused(
    demo, completed_on, message
):
    referral = decided("child_in_need_assessment")

    with pytest.raises(ValidationError) as refused:
        services.referral_assessment_record(
            referral=referral, by=front_door(demo), completed_on=completed_on, today=AFTER_CHRISTMAS
        )

    assert message in refused.value.message_dict["completed_on"][0]
    assert Referral.objects.get(pk=referral.pk).assessment_completed_on is None


def test_a_decision_without_an_assessment_has_none_to_record(demo):
    referral = decided("early_help")

    with pytest.raises(ValidationError, match="did not lead to an assessment"):
        services.referral_assessment_record(
            referral=referral, by=front_door(demo), completed_on=date(2026, 12, 1)
        )
    with pytest.raises(ValidationError, match="was not a strategy discussion"):
        record_strategy_discussion(demo, referral)


@pytest.mark.parametrize(
    ("held_on", "message"),
    [
        (None, "Enter the date."),
        (date(2026, 11, 18), "cannot be before the referral was received (19 November 2026)"),
        (date(2027, 1, 21), "cannot be in the future"),
    ],
)
def test_a_strategy_discussion_date_before_the_referral_or_in_the_future_is_refused(
    demo, held_on, message
):
    referral = decided()

    with pytest.raises(ValidationError) as refused:
        record_strategy_discussion(demo, referral, held_on=held_on)

    assert message in refused.value.message_dict["held_on"][0]
    referral.refresh_from_db()
    assert (referral.strategy_discussion_on, referral.conference_due_on) == (None, None)


def test_the_conference_is_counted_from_the_strategy_discussion_so_that_comes_first(demo):
    referral = decided()

    with pytest.raises(ValidationError, match="Record the strategy discussion first"):
        services.referral_conference_record(
            referral=referral, by=front_door(demo), held_on=date(2027, 1, 5)
        )


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({}, "held_on", "Enter the date."),
        ({"held_on": date(2026, 12, 11)}, "held_on", "before the strategy discussion"),
        ({"held_on": date(2027, 1, 21)}, "held_on", "cannot be in the future"),
        ({"not_needed_on": date(2027, 1, 5)}, "not_needed_reason", "Say why"),
        ({"not_needed_reason": "Threshold not met."}, "not_needed_on", "Enter the date."),
        (
            {"held_on": date(2027, 1, 5), "not_needed_on": date(2027, 1, 5)},
            "not_needed_on",
            "not both",
        ),
    ],
)
def test_the_conference_answers_are_checked(demo, answers, field, message):
    referral = record_strategy_discussion(demo, decided())

    with pytest.raises(ValidationError) as refused:
        services.referral_conference_record(
            referral=referral, by=front_door(demo), today=AFTER_CHRISTMAS, **answers
        )

    assert message in refused.value.message_dict[field][0]


def test_a_conference_not_needed_is_recorded_with_its_reason_once(demo):
    referral = record_strategy_discussion(demo, decided())

    services.referral_conference_record(
        referral=referral,
        by=front_door(demo),
        not_needed_on=date(2027, 1, 4),
        not_needed_reason="  The enquiry found the threshold for a conference was not met.  ",
        today=AFTER_CHRISTMAS,
    )

    referral.refresh_from_db()
    assert referral.conference_held_on is None
    assert referral.conference_not_needed_on == date(2027, 1, 4)
    assert referral.conference_not_needed_reason == (
        "The enquiry found the threshold for a conference was not met."
    )
    assert referral.history.first().history_change_reason == "No conference needed recorded"
    with pytest.raises(ValidationError, match="already recorded"):
        services.referral_conference_record(
            referral=referral, by=front_door(demo), held_on=date(2027, 1, 5), today=AFTER_CHRISTMAS
        )


@pytest.mark.parametrize("persona", [PRACTITIONER_HEALTH, FRONT_DOOR_RIVERSIDE, OTHER_PARTNERSHIP])
def test_only_the_referrals_front_door_records_what_followed(demo, persona):
    referral = decided()

    for record in (
        lambda by: services.referral_strategy_discussion_record(
            referral=referral, by=by, held_on=date(2026, 12, 1)
        ),
        lambda by: services.referral_assessment_record(
            referral=referral, by=by, completed_on=date(2026, 12, 1)
        ),
        lambda by: services.referral_conference_record(
            referral=referral, by=by, held_on=date(2026, 12, 1)
        ),
    ):
        with pytest.raises(PermissionDenied):
            record(demo.user(persona))

    referral.refresh_from_db()
    assert referral.strategy_discussion_on is None
    assert referral.assessment_completed_on is None


@pytest.mark.django_db(transaction=True)
def test_a_strategy_discussion_recorded_from_two_pages_at_once_is_recorded_once(
    transactional_demo, needs_services
):
    demo = transactional_demo
    referral = decided()

    def record():
        try:
            services.referral_strategy_discussion_record(
                referral=Referral.objects.get(pk=referral.pk),
                by=front_door(demo),
                held_on=STRATEGY_DISCUSSION,
                today=AFTER_CHRISTMAS,
            )
        except ValidationError:
            return "refused"
        return "recorded"

    assert run_at_once(record) == ["recorded", "refused", "refused", "refused"]
    assert (
        referral.history.filter(history_change_reason="Strategy discussion recorded").count() == 1
    )


def test_the_front_door_is_reminded_once_before_each_clock_is_due_and_once_when_overdue(
    demo, django_capture_on_commit_callbacks, mailoutbox
):
    # Conference due Thursday 7 January 2027, assessment due Tuesday 26 January 2027.
    referral = record_strategy_discussion(demo, decided())
    decided("early_help")

    counts = {}
    for today in (
        date(2026, 12, 29),  # 6 working days before the conference: not yet
        date(2026, 12, 30),  # 5 before it
        date(2026, 12, 31),
        date(2027, 1, 8),  # the conference is overdue
        date(2027, 1, 11),
        date(2027, 1, 19),  # 5 working days before the assessment
    ):
        with django_capture_on_commit_callbacks(execute=True):
            counts[today] = services.referral_follow_up_reminders_send(today=today)

    assert list(counts.values()) == [0, 1, 0, 1, 0, 1]
    reminders = Notification.objects.filter(kind="referral_follow_up", subject_id=referral.pk)
    assert sorted(reminders.values_list("recipient__username", "stage")) == [
        (FRONT_DOOR_HILLFORD, "assessments_due_soon"),
        (FRONT_DOOR_HILLFORD, "conferences_due_soon"),
        (FRONT_DOOR_HILLFORD, "conferences_overdue"),
    ]
    subjects = sorted(message.subject for message in mailoutbox)
    assert subjects == [
        f"Referral {referral.reference}: the child and family assessment is due in 5 working days",
        f"Referral {referral.reference}: the initial child protection conference is due in 5 "
        "working days",
        f"Referral {referral.reference}: the initial child protection conference is overdue",
    ]


def test_the_sweep_reads_no_clock_again_once_told_it_is_overdue(
    demo, django_assert_max_num_queries
):
    with_open_clocks(10, assessment_due_on=date(2027, 1, 4), conference_due_on=date(2027, 1, 5))
    assert services.referral_follow_up_reminders_send(today=AFTER_CHRISTMAS) == 20

    for today in (AFTER_CHRISTMAS, date(2027, 1, 21), date(2027, 2, 1)):
        # Two queries for each clock (its partnerships' calendars, its referrals), however
        # many were told before.
        with django_assert_max_num_queries(4):
            assert services.referral_follow_up_reminders_send(today=today) == 0

    stages = Notification.objects.filter(kind="referral_follow_up").values_list("stage", flat=True)
    assert sorted(set(stages)) == ["assessments_overdue", "conferences_overdue"]


def test_the_sweep_reads_no_clock_again_once_told_it_is_due_soon_until_it_is_overdue(
    demo, django_assert_max_num_queries
):
    # Due Friday 22 January 2027, 2 working days after Wednesday 20 January.
    with_open_clocks(10, assessment_due_on=date(2027, 1, 22), conference_due_on=date(2027, 1, 22))
    assert services.referral_follow_up_reminders_send(today=AFTER_CHRISTMAS) == 20

    for today in (date(2027, 1, 21), date(2027, 1, 22)):
        # The partnerships' calendars, then the referrals of each clock: none read again.
        with django_assert_max_num_queries(4):
            assert services.referral_follow_up_reminders_send(today=today) == 0

    assert services.referral_follow_up_reminders_send(today=date(2027, 1, 23)) == 20
    stages = Notification.objects.filter(kind="referral_follow_up").values_list("stage", flat=True)
    assert sorted(stages) == sorted(
        [
            "assessments_due_soon",
            "conferences_due_soon",
            "assessments_overdue",
            "conferences_overdue",
        ]
        * 10
    )


def test_the_notice_reaches_past_a_long_closure_of_the_partnership(demo):
    # Closed for the two weeks from Monday 1 February 2027: 5 working days from Friday 29
    # January is then Friday 19 February, three weeks on.
    ClosureDay.objects.bulk_create(
        ClosureDay(partnership=demo.riverside, date=date(2027, 2, day), reason="Office move")
        for day in (1, 2, 3, 4, 5, 8, 9, 10, 11, 12)
    )
    with_open_clocks(1, assessment_due_on=date(2027, 2, 19), conference_due_on=date(2027, 2, 22))

    assert services.referral_follow_up_reminders_send(today=date(2027, 1, 29)) == 1
    reminder = Notification.objects.get(kind="referral_follow_up")
    assert reminder.stage == "assessments_due_soon"
    assert "is due in 5 working days" in reminder.title


def test_a_clock_done_or_not_needed_is_not_reminded(demo):
    held = record_strategy_discussion(demo, decided())
    services.referral_conference_record(
        referral=held, by=front_door(demo), held_on=date(2027, 1, 5), today=AFTER_CHRISTMAS
    )
    services.referral_assessment_record(
        referral=held, by=front_door(demo), completed_on=date(2027, 1, 6), today=AFTER_CHRISTMAS
    )
    not_needed = record_strategy_discussion(demo, decided("strategy_discussion"))
    services.referral_conference_record(
        referral=not_needed,
        by=front_door(demo),
        not_needed_on=date(2027, 1, 5),
        not_needed_reason="Threshold not met.",
        today=AFTER_CHRISTMAS,
    )

    sent = services.referral_follow_up_reminders_send(today=date(2027, 1, 20))

    # Only the second referral's assessment, due in 4 working days, is reminded.
    assert sent == 1
    assert Notification.objects.get(kind="referral_follow_up").stage == "assessments_due_soon"


def test_the_reminder_sweep_reads_only_the_open_clocks_due_soon(demo, needs_services):
    with_open_clocks(3000, assessment_due_on=date(2030, 1, 1), conference_due_on=date(2030, 1, 1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referral")

    for clock in selectors.CLOCKS.values():
        due = Referral.objects.filter(clock.open(), **{f"{clock.due}__lte": date(2027, 1, 20)})
        plan = due.order_by(clock.due, "pk").explain()
        assert re.search(r"Seq Scan on referrals_referral\w*", plan) is None, plan
        assert "_due" in plan, plan


def test_the_referrer_is_told_each_step_that_followed_the_decision_once(demo):
    referral = record_strategy_discussion(demo, decided())
    services.referral_assessment_record(
        referral=referral,
        by=front_door(demo),
        completed_on=date(2027, 1, 15),
        today=AFTER_CHRISTMAS,
    )
    services.referral_conference_record(
        referral=referral, by=front_door(demo), held_on=date(2027, 1, 5), today=AFTER_CHRISTMAS
    )
    with pytest.raises(ValidationError, match="already recorded"):
        services.referral_conference_record(
            referral=referral, by=front_door(demo), held_on=date(2027, 1, 6), today=AFTER_CHRISTMAS
        )

    told = Notification.objects.filter(kind="referral_followed_up").order_by("pk")
    assert {n.recipient for n in told} == {referral.referrer}
    assert [n.title.removeprefix(f"Referral {referral.reference}: ") for n in told] == [
        "a strategy discussion was held on 14 December 2026",
        "the child and family assessment was completed on 15 January 2027",
        "an initial child protection conference was held on 5 January 2027",
    ]
    assert all(n.url == referral.get_absolute_url() for n in told)
    names = [child.first_name for child in referral.children.all()]
    assert names and not any(name in n.title + n.body for n in told for name in names)


def test_the_referrer_is_told_when_no_conference_was_needed_but_not_why(demo):
    referral = record_strategy_discussion(demo, decided())

    services.referral_conference_record(
        referral=referral,
        by=front_door(demo),
        not_needed_on=date(2027, 1, 4),
        not_needed_reason="The family's circumstances are set out in the enquiry.",
        today=AFTER_CHRISTMAS,
    )

    told = Notification.objects.get(kind="referral_followed_up", stage="conference")
    assert told.recipient == referral.referrer
    assert "concluded on 4 January 2027 that no conference was needed" in told.title
    assert "circumstances" not in told.title + told.body

from datetime import date, timedelta

import pytest
from django.utils import timezone

from partnerships.choices import Role
from partnerships.models import ClosureDay
from reviews import services, tasks
from reviews.models import AgencyReturn
from safeguarding.models import Notification
from tests.partnerships.factories import RoleAssignmentFactory, UserFactory
from tests.personas import BUSINESS, LEAD_HEALTH, LEAD_LA, LEAD_POLICE
from tests.reviews.factories import (
    RapidReviewFactory,
    SubmittedRapidReviewFactory,
    remove_demo_reviews,
)
from tests.support.concurrency import run_at_once
from tests.support.sweeps import sweep_cost

# The demo review: aware Friday 20 November 2026, returns due Friday 4 December, review due
# Friday 11 December.


def stages(kind):
    return list(
        Notification.objects.filter(kind=kind)
        .order_by("pk")
        .values_list("recipient__username", "stage")
    )


@pytest.mark.parametrize(
    ("days_left", "stage"),
    [
        (6, None),
        (5, "review_due_in_5"),
        (3, "review_due_in_5"),
        (2, "review_due_in_2"),
        (0, "review_due"),
    ],
)
def test_each_review_deadline_reaches_one_stage(days_left, stage):
    reached = services.reminder_stage(services.REVIEW_STAGES, days_left)

    assert (reached[0] if reached else None) == stage


def test_the_business_team_is_reminded_as_the_review_deadline_nears_and_passes(
    demo, django_capture_on_commit_callbacks, mailoutbox
):
    RapidReviewFactory()
    days = [
        date(2026, 12, 3),  # 6 working days left: nothing yet
        date(2026, 12, 4),
        date(2026, 12, 4),  # the same day again: nothing new
        date(2026, 12, 9),
        date(2026, 12, 11),
        date(2026, 12, 12),  # Saturday: no overdue reminder
        date(2026, 12, 14),
        date(2026, 12, 14),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for today in days:
            services.rapid_review_reminders_send(today=today)

    assert stages("rapid_review_deadline") == [
        (BUSINESS, "review_due_in_5"),
        (BUSINESS, "review_due_in_2"),
        (BUSINESS, "review_due"),
        (BUSINESS, "review_overdue:2026-12-14"),
    ]
    assert stages("rapid_review_escalation") == []
    assert len(mailoutbox) == 4
    assert mailoutbox[-1].subject.endswith("is 1 working day overdue")


def test_it_escalates_to_the_three_delegated_partners_at_two_working_days_overdue(
    demo, django_capture_on_commit_callbacks, mailoutbox
):
    RapidReviewFactory()

    with django_capture_on_commit_callbacks(execute=True):
        for today in (date(2026, 12, 14), date(2026, 12, 15), date(2026, 12, 16)):
            services.rapid_review_reminders_send(today=today)

    assert [s for _, s in stages("rapid_review_deadline")] == [
        "review_overdue:2026-12-14",
        "review_overdue:2026-12-15",
        "review_overdue:2026-12-16",
    ]
    assert sorted(stages("rapid_review_escalation")) == [
        (LEAD_HEALTH, "escalated"),
        (LEAD_LA, "escalated"),
        (LEAD_POLICE, "escalated"),
    ]
    escalations = [m for m in mailoutbox if m.subject.startswith("Escalation")]
    assert len(escalations) == 3
    assert "2 working days overdue" in escalations[0].subject


def test_an_extension_or_submission_stops_the_reminders(demo):
    extended = RapidReviewFactory()
    services.rapid_review_extend(
        review=extended,
        new_due_on=date(2027, 1, 29),
        reason="Police returns delayed",
        by=demo.user(BUSINESS),
    )
    SubmittedRapidReviewFactory(incident__became_aware_on=date(2026, 10, 1))

    assert services.rapid_review_reminders_send(today=date(2026, 12, 15)) == 0


def test_agencies_are_reminded_of_their_returns_once_per_stage(
    demo, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    review = RapidReviewFactory()
    submitted = AgencyReturn.objects.get(rapid_review=review, agency__name="Riverside Council")
    services.agency_return_save(
        agency_return=submitted, chronology="x", summary="y", submit=True, by=demo.user(BUSINESS)
    )

    for today in (
        date(2026, 12, 1),
        date(2026, 12, 1),
        date(2026, 12, 3),
        date(2026, 12, 4),
        date(2026, 12, 7),
    ):
        services.agency_return_reminders_send(today=today)

    police = [s for user, s in stages("review_return") if user == "practitioner.police"]
    assert police == ["return_due_in_3", "return_due_in_1", "return_due", "return_overdue"]
    assert {user for user, _ in stages("review_return")} == {
        "lead.health",
        "lead.police",
        "practitioner.police",
        "practitioner.health",
    }

    # Once told they are overdue, the returns are not read again: the partnerships' calendars
    # (two queries), then the returns.
    for today in (date(2026, 12, 7), date(2026, 12, 8), date(2027, 1, 4)):
        with django_assert_max_num_queries(3):
            assert services.agency_return_reminders_send(today=today) == 0


@pytest.mark.parametrize(
    ("sweep", "today"),
    [
        (services.agency_return_reminders_send, date(2026, 12, 1)),  # 3 working days before
        (services.agency_return_reminders_send, date(2026, 12, 7)),  # overdue
        (services.rapid_review_reminders_send, date(2026, 12, 4)),  # 5 working days before
        (services.rapid_review_reminders_send, date(2026, 12, 15)),  # escalated
    ],
)
def test_a_review_sweep_runs_the_same_queries_for_six_reviews_as_for_one(demo, sweep, today):
    """The reminders are recorded together and each agency's or partnership's recipients read
    once, so more reviews reaching a stage cost no more queries; nor does trying again the
    stage each has reached."""
    remove_demo_reviews()

    one = sweep_cost(sweep, today, lambda: RapidReviewFactory())
    six = sweep_cost(sweep, today, lambda: RapidReviewFactory.create_batch(6))

    assert six[0] == 6 * one[0] > 0
    assert six[1:] == one[1:]


def test_a_milestone_sweep_runs_the_same_queries_for_six_milestones_as_for_one(demo):
    practice_review = SubmittedRapidReviewFactory().practice_review

    def milestones(count):
        for step in range(count):
            services.milestone_add(
                practice_review=practice_review,
                title=f"Step {step}",
                due_on=date(2026, 12, 11),
                by=demo.user(BUSINESS),
            )

    one = sweep_cost(services.milestone_reminders_send, date(2026, 12, 4), lambda: milestones(1))
    six = sweep_cost(services.milestone_reminders_send, date(2026, 12, 4), lambda: milestones(6))

    assert six[0] == 6 * one[0] > 0
    assert six[1:] == one[1:]


def test_practice_review_milestones_are_reminded(demo, django_assert_max_num_queries):
    practice_review = SubmittedRapidReviewFactory().practice_review
    services.milestone_add(
        practice_review=practice_review,
        title="Draft report",
        due_on=date(2026, 12, 11),
        by=demo.user(BUSINESS),
    )

    for today in (date(2026, 12, 4), date(2026, 12, 4), date(2026, 12, 11), date(2026, 12, 14)):
        services.milestone_reminders_send(today=today)

    assert stages("practice_review_milestone") == [
        (BUSINESS, "milestone_due_in_5"),
        (BUSINESS, "milestone_due"),
        (BUSINESS, "milestone_overdue"),
    ]

    for today in (date(2026, 12, 15), date(2027, 2, 1)):
        with django_assert_max_num_queries(3):
            assert services.milestone_reminders_send(today=today) == 0


def test_a_milestone_is_reminded_5_working_days_ahead_past_a_long_closure(demo):
    practice_review = SubmittedRapidReviewFactory().practice_review
    # Closed from Tuesday 2 to Friday 19 February 2027: 5 working days after Monday 1
    # February is then Friday 26 February, almost four weeks on.
    ClosureDay.objects.bulk_create(
        ClosureDay(partnership=practice_review.partnership, date=day, reason="Office move")
        for day in (date(2027, 2, 2) + timedelta(days=n) for n in range(18))
        if day.weekday() < 5
    )
    services.milestone_add(
        practice_review=practice_review,
        title="Draft report",
        due_on=date(2027, 2, 26),
        by=demo.user(BUSINESS),
    )

    assert services.milestone_reminders_send(today=date(2027, 2, 1)) == 1
    assert stages("practice_review_milestone") == [(BUSINESS, "milestone_due_in_5")]


def test_starting_a_review_sends_each_agency_its_information_request(demo, mailoutbox):
    review = RapidReviewFactory()

    requests = Notification.objects.filter(kind="review_information_request")
    assert {n.recipient.username for n in requests} == {
        "business.riverside",
        "frontdoor.riverside",
        "lead.la",
        "lead.health",
        "lead.police",
        "practitioner.police",
        "practitioner.health",
    }
    police = requests.get(recipient__username="practitioner.police")
    assert police.url == review.returns.get(agency__name="Midshire Police").get_absolute_url()
    assert "by 4 December 2026" in police.body


def test_the_tasks_run_the_sweeps_once(demo):
    RapidReviewFactory(incident__became_aware_on=date(2026, 10, 1))  # long overdue today

    review_reminders = tasks.send_rapid_review_reminders()  # none at weekends
    return_reminders = tasks.send_agency_return_reminders()

    assert return_reminders == 7  # everyone at the four involved agencies
    assert tasks.send_agency_return_reminders() == 0
    assert tasks.send_rapid_review_reminders() == 0
    reminders = Notification.objects.exclude(kind="review_information_request")
    assert reminders.count() == review_reminders + return_reminders
    assert tasks.send_practice_review_milestone_reminders() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_record_each_reminder_once(
    transactional_demo, needs_services, mailoutbox
):
    remove_demo_reviews()
    RapidReviewFactory()
    results = run_at_once(
        lambda: (
            services.rapid_review_reminders_send(today=date(2026, 12, 15))
            + services.agency_return_reminders_send(today=date(2026, 12, 15))
        )
    )

    # One overdue reminder, three escalations and one overdue reminder per person at the four
    # involved agencies (seven people), whichever sweep recorded them.
    reminders = Notification.objects.exclude(kind="review_information_request")
    assert sum(results) == reminders.count() == 1 + 3 + 7
    assert reminders.filter(stage="escalated").count() == 3
    assert len([m for m in mailoutbox if "information request" not in m.subject]) == 11


def test_the_childs_home_council_outside_the_partnership_is_asked_for_its_return(demo):
    northgate_council = demo.agency("Northgate Council")
    unled = RapidReviewFactory(incident__home_local_authority=northgate_council)
    lead = UserFactory(agency=northgate_council, username="lead.northgate.council")
    RoleAssignmentFactory(user=lead, partnership=demo.northgate, role=Role.AGENCY_SAFEGUARDING_LEAD)
    led = RapidReviewFactory(incident__home_local_authority=northgate_council)

    def asked(review):
        home_return = AgencyReturn.objects.get(rapid_review=review, agency=northgate_council)
        return sorted(
            Notification.objects.filter(
                kind="review_information_request", subject_id=home_return.pk
            ).values_list("recipient__username", flat=True)
        )

    assert asked(unled) == [BUSINESS]
    assert asked(led) == ["lead.northgate.council"]
    services.agency_return_reminders_send(today=date(2026, 12, 4))
    assert ("lead.northgate.council", "return_due") in stages("review_return")


def test_a_home_council_lead_whose_role_has_not_begun_is_not_asked_yet(demo):
    northgate_council = demo.agency("Northgate Council")
    lead = UserFactory(agency=northgate_council, username="lead.northgate.council")
    RoleAssignmentFactory(
        user=lead,
        partnership=demo.northgate,
        role=Role.AGENCY_SAFEGUARDING_LEAD,
        started_on=timezone.localdate() + timedelta(days=30),
    )

    review = RapidReviewFactory(incident__home_local_authority=northgate_council)

    home_return = AgencyReturn.objects.get(rapid_review=review, agency=northgate_council)
    asked = Notification.objects.filter(
        kind="review_information_request", subject_id=home_return.pk
    ).values_list("recipient__username", flat=True)
    assert list(asked) == [BUSINESS]


def test_an_extended_deadline_gets_its_own_reminders_and_escalation(demo):
    review = RapidReviewFactory()  # due Friday 11 December 2026
    business = demo.user(BUSINESS)
    services.rapid_review_reminders_send(today=date(2026, 12, 4))
    services.rapid_review_extend(
        review=review, new_due_on=date(2026, 12, 18), reason="Police return late", by=business
    )
    for today in (date(2026, 12, 11), date(2026, 12, 11), date(2026, 12, 16), date(2026, 12, 18)):
        services.rapid_review_reminders_send(today=today)

    assert stages("rapid_review_deadline") == [
        (BUSINESS, "review_due_in_5"),
        (BUSINESS, "review_due_in_5:2026-12-18"),
        (BUSINESS, "review_due_in_2:2026-12-18"),
        (BUSINESS, "review_due:2026-12-18"),
    ]

    services.rapid_review_reminders_send(today=date(2026, 12, 22))  # 2 working days overdue
    services.rapid_review_extend(
        review=review, new_due_on=date(2027, 1, 8), reason="Meeting moved", by=business
    )
    for today in (date(2027, 1, 12), date(2027, 1, 13)):
        services.rapid_review_reminders_send(today=today)

    assert sorted(s for _, s in stages("rapid_review_escalation")) == [
        "escalated:2026-12-18",
        "escalated:2026-12-18",
        "escalated:2026-12-18",
        "escalated:2027-01-08",
        "escalated:2027-01-08",
        "escalated:2027-01-08",
    ]

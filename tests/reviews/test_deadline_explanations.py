"""A deadline, once set, stands: its explanation ends at the stored date, whatever changed since.

The review factories' incidents come to light on Friday 20 November 2026: the notification is
due Friday 27 November and the rapid review Friday 11 December. A closure day the partnership adds
on Wednesday 25 November afterwards would move both a working day later if they were counted
again today.
"""

from datetime import date

from partnerships.models import ClosureDay
from tests.personas import BUSINESS, sign_in
from tests.reviews.factories import RapidReviewFactory, SeriousIncidentFactory
from tests.support.clock import DURING_THE_REVIEW

ADDED_CLOSURE = (
    "The partnership added a closure day on Wednesday 25 November 2026 after this deadline was "
    "set; the deadline set then stands."
)

pytestmark = DURING_THE_REVIEW


def add_closure_day(demo, day=date(2026, 11, 25)):
    ClosureDay.objects.create(partnership=demo.riverside, date=day, reason="Staff day")


def test_an_unchanged_calendar_shows_the_usual_explanation(demo, client):
    incident = SeriousIncidentFactory()
    sign_in(client, BUSINESS)

    response = client.get(incident.get_absolute_url())

    page = response.content.decode()
    assert response.context["notification_deadline"].due == date(2026, 11, 27)
    assert "5 working days after Friday 20 November 2026 is Friday 27 November 2026." in page
    assert "after this deadline was set" not in page


def test_a_closure_day_added_later_does_not_move_the_notification_deadline(demo, client):
    incident = SeriousIncidentFactory()
    add_closure_day(demo)
    sign_in(client, BUSINESS)

    response = client.get(incident.get_absolute_url())

    page = response.content.decode()
    deadline = response.context["notification_deadline"]
    assert deadline.due == incident.notification_due_on == date(2026, 11, 27)
    assert "How 27 November 2026 was worked out" in page
    assert "5 working days after Friday 20 November 2026 is Friday 27 November 2026." in page
    assert ADDED_CLOSURE in page
    assert "30 November 2026" not in page
    # The closure day was counted when the deadline was set, so it is not listed as skipped.
    assert date(2026, 11, 25) not in [day.date for day in deadline.skipped]


def test_a_closure_day_added_later_does_not_move_the_rapid_review_deadline_or_plan(demo, client):
    review = RapidReviewFactory()
    add_closure_day(demo)
    sign_in(client, BUSINESS)

    response = client.get(review.get_absolute_url())

    page = response.content.decode()
    assert response.context["deadline"].due == review.original_due_on == date(2026, 12, 11)
    assert "15 working days after Friday 20 November 2026 is Friday 11 December 2026." in page
    assert ADDED_CLOSURE in page
    plan = response.context["plan"]
    assert [day["day"] for day in plan] == list(range(1, 16))
    assert plan[-1]["date"] == review.original_due_on
    assert plan[9] == {"day": 10, "date": review.returns_due_on, "event": "Agency returns due"}
    assert "14 December 2026" not in page
    assert "Mon 14 Dec" not in page


def test_an_extended_review_still_explains_its_original_deadline(demo, client):
    review = RapidReviewFactory()
    review.due_on = date(2026, 12, 18)
    review.save(update_fields=["due_on"])
    sign_in(client, BUSINESS)

    response = client.get(review.get_absolute_url())

    assert response.context["deadline"].due == date(2026, 12, 11)
    assert response.context["deadline"].notes == ()

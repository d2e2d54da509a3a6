from datetime import date, timedelta

import pytest

from safeguarding import working_days
from safeguarding.working_days import WorkingDayCalendar, add_working_days
from tests.partnerships.factories import PartnershipFactory
from tests.personas import ANONYMOUS, BUSINESS, OTHER_PARTNERSHIP, check_access, sign_in
from tests.support.dates import date_input

URL = "/api/v1/working-days/"


def naive_between(calendar, start, end):
    """Count working days after start up to end, one day at a time."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += calendar.is_working_day(day)
    return count


def test_it_counts_fifteen_working_days_from_friday_20_november_2026():
    count = add_working_days(date(2026, 11, 20), 15)

    assert count.due == date(2026, 12, 11)
    assert [d.reason for d in count.skipped] == ["Saturday", "Sunday"] * 3


def test_it_skips_christmas_and_new_year_bank_holidays_and_says_so():
    count = add_working_days(date(2026, 12, 10), 15)

    assert count.due == date(2027, 1, 5)
    holidays = [(d.date, d.reason) for d in count.skipped_holidays]
    assert holidays == [
        (date(2026, 12, 25), "Bank holiday: Christmas Day"),
        (date(2026, 12, 28), "Bank holiday: Boxing Day (observed)"),
        (date(2027, 1, 1), "Bank holiday: New Year's Day"),
    ]
    assert "25 December 2026 (Bank holiday: Christmas Day)" in count.explanation()


def test_it_counts_from_the_day_after_the_start():
    # Five working days after a Friday is the next Friday, not Thursday.
    assert add_working_days(date(2026, 11, 20), 5).due == date(2026, 11, 27)
    assert add_working_days(date(2026, 11, 20), 0).due == date(2026, 11, 20)


def test_it_skips_a_partnerships_closure_days(db):
    partnership = PartnershipFactory()
    partnership.closure_days.create(date=date(2026, 11, 23), reason="Staff training day")

    count = add_working_days(date(2026, 11, 20), 1, partnership=partnership)

    assert count.due == date(2026, 11, 24)
    assert (date(2026, 11, 23), "Partnership closure: Staff training day") in [
        (d.date, d.reason) for d in count.skipped
    ]


@pytest.mark.parametrize("start", [date(2026, 12, 1) + timedelta(days=i) for i in range(0, 40, 3)])
def test_between_agrees_with_counting_day_by_day(start):
    calendar = WorkingDayCalendar(closure_days={date(2027, 1, 4): "Closure"})
    for length in (0, 1, 6, 17, 45, 400):
        end = start + timedelta(days=length)
        assert calendar.between(start, end) == naive_between(calendar, start, end)
        assert calendar.between(end, start) == -naive_between(calendar, start, end)


@pytest.mark.parametrize(
    "start, end",
    [
        (date(2026, 12, 24), date(2027, 1, 4)),  # Christmas, a closure on a bank holiday
        (date(2019, 3, 2), date(2031, 8, 30)),  # years whole and in part, and closures
        (date(1865, 6, 1), date(1875, 6, 1)),  # into the first year with bank holidays
        (date(2095, 1, 1), date(2110, 1, 1)),  # past the last year with bank holidays
        (date(2026, 1, 1), date(3026, 1, 1)),  # a thousand years
    ],
)
def test_between_over_long_spans_agrees_with_counting_day_by_day(start, end):
    calendar = WorkingDayCalendar(
        closure_days={
            date(2026, 12, 25): "On Christmas Day",
            date(2027, 1, 4): "A Monday",
            date(2027, 1, 2): "A Saturday",
            date(2024, 5, 6): "On the early May bank holiday",
            date(2024, 5, 7): "The day after",
            date(1872, 12, 26): "On Boxing Day",
            date(2105, 3, 1): "After the holidays end",
        }
    )

    assert calendar.between(start, end) == naive_between(calendar, start, end)
    assert calendar.between(end, start) == -naive_between(calendar, start, end)


def test_between_to_the_end_of_the_calendar_looks_up_only_years_with_bank_holidays():
    working_days._weekday_bank_holidays.cache_clear()

    WorkingDayCalendar().between(date(2026, 1, 1), date.max)

    # 2026 to 2100: the years the holidays package knows, not every year to 9999.
    assert working_days._weekday_bank_holidays.cache_info().currsize == 75


def test_between_inverts_add():
    calendar = WorkingDayCalendar()
    for days in (1, 5, 15, 45):
        count = calendar.add(date(2026, 12, 18), days)
        assert calendar.between(count.start, count.due) == days


def test_the_api_returns_the_due_date_and_the_skipped_days(client, demo):
    sign_in(client, BUSINESS)

    response = client.get(URL, {"start": "2026-11-20", "days": 15})

    assert response.status_code == 200
    body = response.json()
    assert body["start"] == "2026-11-20"
    assert body["days"] == 15
    assert body["due"] == "2026-12-11"
    assert body["skipped"][0] == {"date": "2026-11-21", "reason": "Saturday"}


def test_the_api_explains_bad_input_with_field_messages(client, demo):
    sign_in(client, BUSINESS)

    response = client.get(URL, {"start": "20/13/2026", "days": -1})

    assert response.status_code == 400
    assert set(response.json()) == {"start", "days"}


def test_the_api_applies_closure_days_of_a_partnership_you_can_see(client, demo):
    demo.riverside.closure_days.create(date=date(2026, 11, 23), reason="Training")
    query = f"{URL}?start=2026-11-20&days=1&partnership={demo.riverside.pk}"

    responses = check_access(client, query, {BUSINESS: 200, OTHER_PARTNERSHIP: 404, ANONYMOUS: 401})

    assert responses[BUSINESS].json()["due"] == "2026-11-24"


def test_the_calculator_page_shows_how_the_date_was_worked_out(client, demo):
    sign_in(client, BUSINESS)

    response = client.get("/working-days/", {**date_input("start", "2026-12-10"), "days": 15})

    assert response.status_code == 200
    assert "Due Tuesday 5 January 2027" in response.content.decode()
    assert "Boxing Day (observed)" in response.content.decode()


def test_the_calculator_page_shows_errors(client, demo):
    sign_in(client, BUSINESS)

    response = client.get("/working-days/", {**date_input("start", "2026-13-40"), "days": 15})

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


@pytest.mark.parametrize(
    "start, days",
    [("9999-12-31", 1), ("9999-12-30", 5), ("1999-12-31", 1), ("2101-01-01", 0), ("0001-01-01", 1)],
)
def test_a_start_outside_the_calendar_is_explained_not_a_server_error(client, demo, start, days):
    sign_in(client, BUSINESS)

    api = client.get(URL, {"start": start, "days": days})
    page = client.get("/working-days/", {**date_input("start", start), "days": days})

    assert api.status_code == 400
    assert "2000" in api.json()["start"][0] and "2100" in api.json()["start"][0]
    assert page.status_code == 200
    assert "There is a problem" in page.content.decode()
    assert "between 2000 and 2100" in page.content.decode()


def test_the_calendar_says_clearly_when_asked_to_count_past_its_last_day():
    with pytest.raises(ValueError, match="calendar"):
        WorkingDayCalendar().add(date.max - timedelta(days=3), 5)


# A deadline set on Friday 20 November 2026 as 5 working days: Friday 27 November.
SET_ON, DUE = date(2026, 11, 20), date(2026, 11, 27)


def test_explaining_a_deadline_on_an_unchanged_calendar_is_counting_it():
    calendar = WorkingDayCalendar()

    assert calendar.explain(SET_ON, 5, DUE) == calendar.add(SET_ON, 5)


def test_a_closure_day_added_since_is_named_and_the_stored_date_stands():
    calendar = WorkingDayCalendar(closure_days={date(2026, 11, 25): "Partnership closure: x"})

    count = calendar.explain(SET_ON, 5, DUE)

    assert (count.due, count.days) == (DUE, 5)
    assert [d.reason for d in count.skipped] == ["Saturday", "Sunday"]
    assert count.notes == (
        "The partnership added a closure day on Wednesday 25 November 2026 after this deadline "
        "was set; the deadline set then stands.",
    )
    assert calendar.as_set(SET_ON, 5, DUE).add(SET_ON, 5).due == DUE


def test_a_changed_rule_is_explained_by_the_working_days_the_deadline_was_set_with():
    count = WorkingDayCalendar().explain(
        SET_ON, 10, DUE, rule_changed=lambda then: f"It allowed {then} then."
    )

    assert (count.due, count.days, count.notes) == (DUE, 5, ("It allowed 5 then.",))


def test_a_closure_day_taken_away_since_is_explained_plainly():
    # Set when Wednesday 25 November was a closure day: 6 weekdays on, Monday 30 November.
    count = WorkingDayCalendar().explain(SET_ON, 5, date(2026, 11, 30))

    assert count.due == date(2026, 11, 30)
    assert count.notes == (
        "Counted on today's calendar it would be Friday 27 November 2026: the partnership's "
        "closure days or the bank holidays have changed since this deadline was set. The "
        "deadline set then stands.",
    )


def test_a_deadline_both_a_new_closure_day_and_a_changed_rule_would_explain_says_neither():
    # Set on Monday 2 November 2026 as 5 working days past a closure day on Wednesday 4
    # November: Tuesday 10 November. The stage now allows 6, which the closure day alone would
    # explain too, so the page does not guess which changed.
    calendar = WorkingDayCalendar(closure_days={date(2026, 11, 4): "Partnership closure: x"})

    count = calendar.explain(
        date(2026, 11, 2), 6, date(2026, 11, 10), rule_changed=lambda then: f"It allowed {then}."
    )

    assert count.due == date(2026, 11, 10)
    assert count.notes == (
        "Counted on today's calendar it would be Wednesday 11 November 2026: the partnership's "
        "closure days, the bank holidays or this timescale have changed since this deadline was "
        "set. The deadline set then stands.",
    )

"""Dates are typed in GOV.UK's Date input: day, month and year boxes (safeguarding.forms)."""

import re
from datetime import date

import pytest
from django import forms
from django.template import Context, Template

from safeguarding.forms import GovukDateField
from tests.personas import BUSINESS, sign_in
from tests.support.dates import box_values, date_input
from tests.support.pages import assert_error_summary_links_land, error_summary_links


class MeetingForm(forms.Form):
    held_on = GovukDateField(label="Date of the meeting")
    minuted_on = GovukDateField(label="Date the minutes were sent", required=False)


def boxes(day="", month="", year="", name="held_on"):
    return {f"{name}_0": day, f"{name}_1": month, f"{name}_2": year}


def cleaned(data):
    form = MeetingForm(data)
    return form, form.is_valid()


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("27", "3", "2026", date(2026, 3, 27)),
        ("07", "03", "2026", date(2026, 3, 7)),
        (" 7 ", "3", "2026 ", date(2026, 3, 7)),
        ("29", "2", "2028", date(2028, 2, 29)),  # a leap day
    ],
)
def test_a_date_typed_in_three_boxes_is_a_date(day, month, year, expected):
    form, valid = cleaned(boxes(day, month, year))

    assert valid, form.errors
    assert form.cleaned_data == {"held_on": expected, "minuted_on": None}


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "at_fault"),
    [
        ("", "", "", "Enter date of the meeting", []),
        ("", "3", "2026", "Date of the meeting must include a day", [0]),
        ("27", "", "2026", "Date of the meeting must include a month", [1]),
        ("27", "3", "", "Date of the meeting must include a year", [2]),
        ("27", "", "", "Date of the meeting must include a month and year", [1, 2]),
        ("31", "2", "2026", "Date of the meeting must be a real date", [0]),
        ("29", "2", "2027", "Date of the meeting must be a real date", [0]),  # not a leap year
        ("27", "13", "2026", "Date of the meeting must be a real date", [1]),
        ("27", "March", "2026", "Date of the meeting must be a real date", [1]),
        ("-1", "3", "2026", "Date of the meeting must be a real date", [0]),
        ("27", "3", "0000", "Date of the meeting must be a real date", [2]),
        ("27", "3", "26", "Date of the meeting must include a year with 4 numbers", [2]),
        ("27", "3", "20266", "Date of the meeting must include a year with 4 numbers", [2]),
    ],
)
def test_a_date_that_is_missing_or_cannot_be_says_so_in_govuk_words(
    day, month, year, message, at_fault
):
    form, valid = cleaned(boxes(day, month, year))

    assert not valid
    assert form.errors == {"held_on": [message]}
    flagged = [i for i, box in enumerate(form.fields["held_on"].fields) if box.widget.errors]
    assert flagged == at_fault


def test_an_optional_date_may_be_left_blank_but_not_half_typed():
    blank, blank_valid = cleaned({**boxes("1", "2", "2026"), **boxes(name="minuted_on")})
    half, half_valid = cleaned({**boxes("1", "2", "2026"), **boxes("3", name="minuted_on")})

    assert blank_valid and blank.cleaned_data["minuted_on"] is None
    assert not half_valid
    assert half.errors == {
        "minuted_on": ["Date the minutes were sent must include a month and year"]
    }


def test_the_hint_is_govuks_unless_the_field_gives_its_own():
    own = GovukDateField(label="Date of birth", help_text="For example, 4 5 2019.")

    assert MeetingForm().fields["held_on"].help_text == "For example, 27 3 2026"
    assert own.help_text == "For example, 4 5 2019."


def test_a_page_drawn_again_keeps_what_was_typed_and_its_summary_leads_to_the_box(client, demo):
    sign_in(client, BUSINESS)

    wrong = client.get("/working-days/", {**date_input("start", "2026-02-31"), "days": 15})
    incomplete = client.get("/working-days/", {**boxes("10", "", "2026", name="start"), "days": 5})
    right = client.get("/working-days/", {**date_input("start", date(2026, 12, 10)), "days": 15})

    page = wrong.content.decode()
    assert "Start date must be a real date" in page
    assert box_values(page, "start") == ["31", "02", "2026"]
    assert error_summary_links(page) == ["#id_start_0"]
    assert_error_summary_links_land(page)
    page = incomplete.content.decode()
    assert error_summary_links(page) == ["#id_start_1"]
    assert box_values(page, "start") == ["10", "", "2026"]
    assert "Due Tuesday 5 January 2027" in right.content.decode()


def test_a_date_wrong_as_a_whole_leads_to_the_day(client, demo):
    """The form's own check (the calendar's years) finds the date wrong, not one box."""
    sign_in(client, BUSINESS)

    page = client.get(
        "/working-days/", {**date_input("start", date(2101, 1, 1)), "days": 1}
    ).content.decode()

    assert "between 2000 and 2100" in page
    assert error_summary_links(page) == ["#id_start_0"]
    assert page.count("govuk-input--error") == 3


def marked_invalid(html: str, name: str) -> list[int]:
    """Which of the boxes of the date `name` a page marks aria-invalid."""
    boxes = [re.search(rf'<input[^>]*\bname="{name}_{i}"[^>]*>', html).group(0) for i in range(3)]
    return [i for i, box in enumerate(boxes) if 'aria-invalid="true"' in box]


def drawn_in_red(html: str, name: str) -> list[int]:
    boxes = [re.search(rf'<input[^>]*\bname="{name}_{i}"[^>]*>', html).group(0) for i in range(3)]
    return [i for i, box in enumerate(boxes) if "govuk-input--error" in box]


def test_only_the_boxes_at_fault_are_marked_invalid_for_a_screen_reader():
    form = MeetingForm({**boxes("27", "13", "2026"), **boxes("", "3", "", name="minuted_on")})
    form.is_valid()

    html = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(Context({"form": form}))

    assert marked_invalid(html, "held_on") == drawn_in_red(html, "held_on") == [1]
    assert marked_invalid(html, "minuted_on") == drawn_in_red(html, "minuted_on") == [0, 2]


def test_a_wrong_month_in_a_filter_marks_only_the_month_and_a_date_wrong_as_a_whole_all(
    client, demo
):
    sign_in(client, BUSINESS)

    month = client.get("/working-days/", {**boxes("10", "13", "2026", name="start"), "days": 5})
    whole = client.get("/working-days/", {**date_input("start", date(2101, 1, 1)), "days": 1})

    assert marked_invalid(month.content.decode(), "start") == [1]
    assert marked_invalid(whole.content.decode(), "start") == [0, 1, 2]

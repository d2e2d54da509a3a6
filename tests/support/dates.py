"""Dates as a person types them in GOV.UK's three boxes (safeguarding.forms.GovukDateField)."""

import re
from datetime import date


def date_input(name: str, value: date | str | None) -> dict[str, str]:
    """The day, month and year boxes of the field `name` as a form posts them. `value` is a
    date; or "year-month-day" text, for a date that cannot be (2027-02-31); or None, for three
    blank boxes."""
    if value is None:
        boxes = ("", "", "")
    elif isinstance(value, str):
        year, month, day = value.split("-")
        boxes = (day, month, year)
    else:
        boxes = (value.day, value.month, value.year)
    return {f"{name}_{i}": str(box) for i, box in enumerate(boxes)}


def box_values(html: str, name: str) -> list[str]:
    """What the three boxes of the field `name` show on a page (Django writes the value after
    the name)."""
    found = [re.search(rf'name="{name}_{i}"(?: value="([^"]*)")?', html) for i in range(3)]
    return [match.group(1) or "" for match in found]


def fill_date(page, legend: str, value: date) -> None:
    """Type `value` in the three boxes of the date whose question (legend) is `legend`, on a
    Playwright page or in a part of one (a locator)."""
    group = page.get_by_role("group", name=legend, exact=True)
    for box, part in (("Day", value.day), ("Month", value.month), ("Year", value.year)):
        group.get_by_label(box, exact=True).fill(str(part))

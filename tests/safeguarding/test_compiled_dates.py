"""The `date` filter every template uses gives Django's own text, formatted from compiled parts."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.template.defaultfilters import date as django_date
from django.utils import timezone, translation

from safeguarding.templatetags.compiled_dates import compiled_date

TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates"
FORMATS_IN_TEMPLATES = sorted(
    {
        match.group(2)
        for path in TEMPLATE_DIR.rglob("*.html")
        for match in re.finditer(r"""\|date:(["'])(.*?)\1""", path.read_text())
    }
)
# Either side of the clocks changing in 2026 (29 March, 25 October, at 01:00 UTC), a leap day,
# a single-digit day and the first year there is.
MOMENTS = [
    dt.datetime(2026, 3, 29, 0, 59, 5, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC),
    dt.datetime(2028, 2, 29, 23, 30, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 3, 9, 5, tzinfo=dt.UTC),
]
DAYS = [dt.date(2026, 3, 29), dt.date(2028, 2, 29), dt.date(2026, 12, 3), dt.date(1, 1, 1)]


def rendered(format_string: str, value) -> str:
    template = engines["django"].from_string(f'{{{{ value|date:"{format_string}" }}}}')
    return template.render({"value": value})


def djangos(format_string: str, value) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)  # as the template engine hands it to the filter
    return django_date(value, format_string)


def test_the_templates_use_formats_this_filter_compiles():
    assert len(FORMATS_IN_TEMPLATES) >= 8
    assert "j M Y H:i" in FORMATS_IN_TEMPLATES


@pytest.mark.parametrize("format_string", FORMATS_IN_TEMPLATES)
def test_every_format_in_the_templates_reads_as_djangos_own(format_string):
    shows_time = any(character in format_string for character in "His")
    for value in MOMENTS + ([] if shows_time else DAYS):
        assert rendered(format_string, value) == djangos(format_string, value), value


def test_a_time_is_shown_in_uk_time():
    summer, winter = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC), MOMENTS[-1]

    assert rendered("j M Y H:i", summer) == "1 Jul 2026 09:00"
    assert rendered("l j F Y H:i", winter) == "Thursday 3 December 2026 09:05"


@pytest.mark.parametrize("format_string", [r"jS F Y", r"j \o\f F Y", "N j, Y", "DATE_FORMAT"])
def test_formats_it_does_not_compile_are_left_to_django(format_string):
    for value in MOMENTS[:2] + DAYS[:1]:
        assert rendered(format_string, value) == djangos(format_string, value)


def test_day_and_month_names_follow_the_active_language():
    with translation.override("fr"):
        french = rendered("l j F Y", DAYS[2])
        assert french == djangos("l j F Y", DAYS[2]) == "jeudi 3 décembre 2026"
    assert rendered("l j F Y", DAYS[2]) == "Thursday 3 December 2026"


def test_nothing_to_show_is_blank_so_a_default_can_follow():
    template = engines["django"].from_string('{{ value|date:"j M Y"|default:"Not sent" }}')

    assert template.render({"value": None}) == "Not sent"
    assert template.render({"value": ""}) == "Not sent"
    assert rendered("j M Y", "not a date") == djangos("j M Y", "not a date") == ""


def test_a_day_cannot_show_a_time_any_more_than_with_djangos_filter():
    with pytest.raises(TypeError, match="time-related format specifiers"):
        compiled_date(DAYS[0], "j M Y H:i")


def test_templates_use_this_filter_for_date():
    template = engines["django"].from_string('{{ value|date:"j M Y" }}')

    (node,) = template.template.nodelist
    assert node.filter_expression.filters[0][0] is compiled_date

"""Django's `date` filter, with each format turned into its parts once.

Django's own filter parses the format and resolves the translation machinery on every call:
about 60 µs, and the front door queue formats 100 dates a page (docs/performance.md). This
one gives the same text for the format characters below in a few µs, and hands any other
format (an escaped character, `S`, a named format, no format) to Django's filter. It is a
template builtin (settings.TEMPLATES), so `|date:"j M Y"` in any template uses it.
"""

import datetime as dt
from functools import lru_cache

from django import template
from django.template.defaultfilters import date as django_date
from django.utils import translation
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR

register = template.Library()

DATE_PARTS = {
    "d": lambda value, names: f"{value.day:02d}",
    "j": lambda value, names: str(value.day),
    "D": lambda value, names: names["D"][value.weekday()],
    "l": lambda value, names: names["l"][value.weekday()],
    "m": lambda value, names: f"{value.month:02d}",
    "M": lambda value, names: names["M"][value.month],
    "F": lambda value, names: names["F"][value.month],
    "Y": lambda value, names: f"{value.year:04d}",
}
TIME_PARTS = {
    "H": lambda value, names: f"{value.hour:02d}",
    "i": lambda value, names: f"{value.minute:02d}",
    "s": lambda value, names: f"{value.second:02d}",
}
# Every character Django's formats give a meaning to (django.utils.dateformat.re_formatchars).
FORMAT_CHARACTERS = frozenset("aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ")
LEFT_TO_DJANGO = FORMAT_CHARACTERS - DATE_PARTS.keys() - TIME_PARTS.keys()


@lru_cache(maxsize=16)
def names_in(language: str | None) -> dict[str, dict[int, str]]:
    """Day and month names as Django's formats give them, translated once per language."""
    with translation.override(language):
        return {
            "D": {day: str(name) for day, name in WEEKDAYS_ABBR.items()},
            "l": {day: str(name) for day, name in WEEKDAYS.items()},
            "M": {month: name.title() for month, name in MONTHS_3.items()},
            "F": {month: str(name) for month, name in MONTHS.items()},
        }


@lru_cache(maxsize=128)
def compile_format(format_string: str) -> tuple[tuple, bool] | None:
    """The format's parts (text, or a function of the value) and whether it shows a time;
    None when Django's filter should format it."""
    if "\\" in format_string or LEFT_TO_DJANGO.intersection(format_string):
        return None
    parts = tuple(DATE_PARTS.get(c) or TIME_PARTS.get(c) or c for c in format_string)
    return parts, any(c in TIME_PARTS for c in format_string)


@register.filter("date", expects_localtime=True, is_safe=False)
def compiled_date(value, arg=None):
    compiled = compile_format(arg) if isinstance(arg, str) else None
    if compiled is None or not isinstance(value, dt.date):
        return django_date(value, arg)
    parts, shows_time = compiled
    if shows_time and not isinstance(value, dt.datetime):
        return django_date(value, arg)  # Django's error: a date has no time to show
    names = names_in(translation.get_language())
    return "".join(part if isinstance(part, str) else part(value, names) for part in parts)

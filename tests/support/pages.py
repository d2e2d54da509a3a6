"""Reading a page as a person does: one row of it, and the tags that say where things stand."""

import re

TAG = re.compile(r'<strong class="govuk-tag govuk-tag--([\w-]+)">([^<]+)</strong>')


def tags(html: str) -> list[tuple[str, str]]:
    """Each GOV.UK tag in the markup, in order, as (colour, words)."""
    return TAG.findall(html)


def part_from(page: str, start: str, end: str = "</tr>") -> str:
    """The markup from `start` (say, a row's link) to the first `end` after it."""
    return re.search(re.escape(start) + ".*?" + re.escape(end), page, re.S).group()

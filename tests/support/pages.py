"""Reading a page as a person does: one row of it, and the tags that say where things stand."""

import re

TAG = re.compile(r'<strong class="govuk-tag govuk-tag--([\w-]+)">([^<]+)</strong>')


def tags(html: str) -> list[tuple[str, str]]:
    """Each GOV.UK tag in the markup, in order, as (colour, words)."""
    return TAG.findall(html)


def part_from(page: str, start: str, end: str = "</tr>") -> str:
    """The markup from `start` (say, a row's link) to the first `end` after it."""
    return re.search(re.escape(start) + ".*?" + re.escape(end), page, re.S).group()


def folded_groups(html: str) -> dict[str, bool]:
    """Each group folded in a GOV.UK details element: its summary, and whether it is open."""
    return {
        summary: bool(opened)
        for opened, summary in re.findall(
            r'<details class="govuk-details[^"]*"( open)?>\s*<summary[^>]*>'
            r'<span class="govuk-details__summary-text">([^<]+)</span>',
            html,
        )
    }

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


def error_summary_links(html: str) -> list[str]:
    """Where each link in the page's GOV.UK error summaries points (their hrefs, in order)."""
    lists = re.findall(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return [href for items in lists for href in re.findall(r'<a href="([^"]*)"', items)]


def assert_error_summary_links_land(html: str) -> None:
    """The page has an error summary, and each of its links names an element on the page (the
    first input of the field it is about), as a person following it needs."""
    links = error_summary_links(html)
    assert links, "no error summary, or one that links nowhere"
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    assert [href for href in links if href[1:] not in ids or not href.startswith("#")] == []

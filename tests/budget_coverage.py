"""Every list page, dashboard and list endpoint is shown not to query once a row.

A page that starts to query once a row is caught by the `assert_queries_do_not_grow` fixture:
the page lists a few rows, then many more, and must run the same number of queries both
times, within a budget. The fixture records the route it checked. When the whole suite runs
(`--every-list-budgeted`, which `make test` passes), a list route that no passing test checked
so fails the run and is named, so a new list cannot go unchecked. A fixed budget alone is not
enough: with a few rows, a query for each can stay under it.

Lists are the views Django or DRF make for a list (`MultipleObjectMixin`, a viewset's `list`)
and every view named a dashboard.
"""

import re
from collections import Counter

import pytest
from django.urls import resolve
from django.views.generic.list import MultipleObjectMixin

from tests.support.routes import every_route, view_class_of

GROWTH_CHECKED = "growth_checked_route"
NOT_WALKED = ("admin",)
FEW, MANY = 3, 30


def _is_a_list(view) -> bool:
    view_class = view_class_of(view)
    if view_class is None:
        return False
    actions = getattr(view, "actions", None) or {}
    return (
        issubclass(view_class, MultipleObjectMixin)
        or actions.get("get") == "list"
        or "Dashboard" in view_class.__name__
    )


def list_routes() -> set[str]:
    """The URL names of every list and dashboard, pages and API alike."""
    return {
        name
        for route, pattern, name in every_route()
        if pattern.name and not route.startswith(NOT_WALKED) and _is_a_list(pattern.callback)
    }


def unchecked(checked: set[str]) -> list[str]:
    return sorted(list_routes() - checked)


def _shape(sql: str) -> str:
    """The query with its values taken out, so one query per row reads as one repeated shape."""
    return re.sub(r"'[^']*'|\d+", "?", sql)


def _grown(few, many) -> str:
    before = Counter(_shape(q["sql"]) for q in few.captured_queries)
    after = Counter(_shape(q["sql"]) for q in many.captured_queries)
    grown = [f"  {after[s] - before[s]:+d} x {s[:400]}" for s in after if after[s] > before[s]]
    return f"{len(few)} queries for {FEW} rows, {len(many)} for {MANY}:\n" + "\n".join(grown)


@pytest.fixture
def assert_queries_do_not_grow(django_assert_max_num_queries, record_property):
    """check(client, url, add_rows, listed, budget=…): GET `url` listing FEW rows, then MANY;
    the same number of queries both times, within `budget`.

    `add_rows(n)` makes n more rows the signed-in persona may see; `listed(response)` says how
    many the page lists, so a check whose rows are not seen fails rather than passing vacuously
    (`added` says how many more it lists, where it shows only so many). A page whose figures are
    cached is given `afresh`, called before each counted request so both count afresh.
    """

    def get(client, url, data, budget, afresh):
        afresh()
        with django_assert_max_num_queries(budget) as queries:
            response = client.get(url, data)
        assert response.status_code == 200
        return response, queries

    def check(
        client, url, add_rows, listed, *, budget, data=None, added=MANY - FEW, afresh=lambda: None
    ):
        add_rows(FEW)
        assert client.get(url, data).status_code == 200  # warms per-process caches
        few, few_queries = get(client, url, data, budget, afresh)
        add_rows(MANY - FEW)
        many, many_queries = get(client, url, data, budget, afresh)
        assert listed(many) - listed(few) == added, "the persona must see every row added"
        assert len(many_queries) == len(few_queries), _grown(few_queries, many_queries)
        record_property(GROWTH_CHECKED, resolve(url).view_name)

    return check


def pytest_addoption(parser):
    parser.addoption(
        "--every-list-budgeted",
        action="store_true",
        help="fail the run if a list or dashboard was never shown not to query once a row",
    )


# The routes checked by the tests that passed, as their reports reach this process: the only
# one under plain pytest, the controller under xdist.
_checked: set[str] = set()


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        _checked.update(value for key, value in report.user_properties if key == GROWTH_CHECKED)


# Lists no passing test checked, once the whole suite has run.
_unchecked: list[str] = []


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if not config.getoption("every_list_budgeted") or hasattr(config, "workerinput"):
        return
    if exitstatus != pytest.ExitCode.OK:
        return  # the failures come first; a failed test's checks were not counted
    _unchecked.extend(unchecked(_checked))
    if _unchecked:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def report_unchecked(terminalreporter):
    """Part of the run's summary (tests/conftest.py)."""
    if _unchecked:
        terminalreporter.write_line(
            "Lists and dashboards that no test showed do not query once a row "
            "(assert_queries_do_not_grow, tests/budget_coverage.py): " + ", ".join(_unchecked),
            red=True,
        )

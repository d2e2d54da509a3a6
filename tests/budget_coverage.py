"""Every list page, dashboard and list endpoint is requested under a query budget somewhere.

A page that starts to query once a row is caught only if some test requests it under
`django_assert_max_num_queries` (tests/test_query_budgets.py and each app's tests). The fixture
is wrapped here to record which routes each test requested inside a budget. When the whole
suite runs (`--every-list-budgeted`, which `make test` passes), a list route that no passing
test requested under a budget fails the run and is named, so a new list cannot go unbudgeted.

Lists are the views Django or DRF make for a list (`MultipleObjectMixin`, a viewset's `list`)
and every view named a dashboard.
"""

from contextlib import contextmanager, suppress

import pytest
from django.core.signals import request_started
from django.urls import resolve
from django.urls.exceptions import Resolver404
from django.views.generic.list import MultipleObjectMixin

from tests.support.routes import every_route, view_class_of

BUDGETED = "budgeted_route"
NOT_WALKED = ("admin",)


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


def unbudgeted(budgeted: set[str]) -> list[str]:
    return sorted(list_routes() - budgeted)


@pytest.fixture
def django_assert_max_num_queries(django_assert_max_num_queries, record_property):
    """pytest-django's budget, recording the URL name of each request made inside it."""

    @contextmanager
    def budget(num, *args, **kwargs):
        requested = []

        def record(sender, environ, **extra):
            with suppress(Resolver404):
                requested.append(resolve(environ["PATH_INFO"]).view_name)

        request_started.connect(record)
        try:
            with django_assert_max_num_queries(num, *args, **kwargs) as queries:
                yield queries
        finally:
            request_started.disconnect(record)
        for name in requested:
            record_property(BUDGETED, name)

    return budget


def pytest_addoption(parser):
    parser.addoption(
        "--every-list-budgeted",
        action="store_true",
        help="fail the run if a list or dashboard was never requested under a query budget",
    )


# The routes requested under a budget by the tests that passed, as their reports reach this
# process: the only one under plain pytest, the controller under xdist.
_budgeted: set[str] = set()


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        _budgeted.update(value for key, value in report.user_properties if key == BUDGETED)


# Lists no passing test requested under a budget, once the whole suite has run.
_unbudgeted: list[str] = []


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if not config.getoption("every_list_budgeted") or hasattr(config, "workerinput"):
        return
    if exitstatus != pytest.ExitCode.OK:
        return  # the failures come first; a failed test's requests were not counted
    _unbudgeted.extend(unbudgeted(_budgeted))
    if _unbudgeted:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def report_unbudgeted(terminalreporter):
    """Part of the run's summary (tests/conftest.py)."""
    if _unbudgeted:
        terminalreporter.write_line(
            "Lists and dashboards that no test requested inside django_assert_max_num_queries "
            "(tests/budget_coverage.py): " + ", ".join(_unbudgeted),
            red=True,
        )

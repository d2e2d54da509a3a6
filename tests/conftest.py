import io
import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.budget_coverage import (  # noqa: F401 (the budgets' fixture and hooks, registered here)
    assert_queries_do_not_grow,
    pytest_addoption,
    pytest_runtest_logreport,
    pytest_sessionfinish,
    report_unchecked,
)
from tests.personas import Demo


def pytest_sessionstart(session):
    """In CI the real services are required: a missing one fails the run, never skips it."""
    if os.environ.get("CI") != "true":
        return
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set")
    else:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=3).ping()
        except redis.RedisError as error:
            problems.append(f"Redis at REDIS_URL cannot be reached: {error}")
    if problems:
        pytest.exit("CI needs its real services: " + "; ".join(problems), returncode=3)


@pytest.fixture(autouse=True)
def force_login_includes_the_second_factor(monkeypatch):
    """In tests, `force_login` signs a person in fully: password and second factor."""
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if user.is_demo_account:
            return  # DEMO_MODE lets demo accounts skip it, as on a developer's machine
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="Test authenticator", defaults={"confirmed": True}
        )
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the demo partnerships and users."""
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def demo(db):
    return Demo()


@pytest.fixture
def transactional_demo(transactional_db):
    """Demo data for tests that commit (they empty the database when they finish)."""
    call_command("seed_demo", stdout=io.StringIO())
    return Demo()


@pytest.fixture
def needs_services():
    """Skip outside CI when PostgreSQL and Redis are not configured; in CI they must exist."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI always does)")
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (CI always does)")


def pytest_terminal_summary(terminalreporter):
    """Say how much of the site the route walk covered (tests/test_route_walk.py), and which
    lists no test showed do not query once a row (tests/budget_coverage.py)."""
    report_unchecked(terminalreporter)
    walked = [
        dict(report.user_properties)
        for report in terminalreporter.stats.get("passed", [])
        if "test_every_route_as_every_persona" in report.nodeid and report.when == "call"
    ]
    if walked:
        routes = walked[0]["routes_walked"]
        terminalreporter.write_line(
            f"Route walk: {routes} routes x {len(walked)} personas = {routes * len(walked)} "
            f"route-persona checks passed ({walked[0]['routes_unwalkable']} routes listed as "
            "unwalkable, with their reasons, in tests/test_route_walk.py)"
        )

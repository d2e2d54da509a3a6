import io
import os

import pytest
from django.conf import settings
from django.core.management import call_command

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

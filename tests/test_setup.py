"""The set-up promises: settings parse strictly, demo data loads idempotently, admin works."""

import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection

from partnerships.models import Agency, Partnership, RoleAssignment, User
from safeguarding.settings import env_bool
from tests.personas import ADMIN, BUSINESS, DEMO_USERNAMES, check_access


def test_a_bad_boolean_stops_start_up(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG")
    monkeypatch.setenv("DEBUG", "TRUE")
    assert env_bool("DEBUG") is True


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "safeguarding.settings"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.django_db
def test_postgresql_plans_each_request_on_one_core_without_compiling_it(needs_services):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        cursor.execute("SHOW max_parallel_workers_per_gather")
        parallel_workers = cursor.fetchone()[0]
        cursor.execute("SHOW cursor_tuple_fraction")
        planned_for = cursor.fetchone()[0]

    # and plans a server-side cursor for every row it has, as `iterator()` reads them all
    assert (jit, parallel_workers, planned_for) == ("off", "0", "1")


def test_seed_demo_is_idempotent(demo):
    counts = (User.objects.count(), Agency.objects.count(), RoleAssignment.objects.count())

    call_command("seed_demo", stdout=io.StringIO())

    assert (User.objects.count(), Agency.objects.count(), RoleAssignment.objects.count()) == counts
    assert set(DEMO_USERNAMES) <= set(User.objects.values_list("username", flat=True))
    assert all(p.is_constituted for p in Partnership.objects.all())
    assert demo.user(BUSINESS).check_password("demo-pass-2026")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/partnerships/partnership/",
        "/admin/partnerships/agency/?sector__exact=school",
        "/admin/partnerships/user/?q=riverside",
        "/admin/partnerships/roleassignment/",
        "/admin/partnerships/membership/",
        "/admin/partnerships/designatedsafeguardinglead/",
        "/admin/partnerships/publishedarrangement/",
        "/admin/safeguarding/notification/",
    ],
)
def test_the_admin_serves_every_model_to_admins_only(client, demo, url):
    check_access(client, url, {ADMIN: 200, BUSINESS: 302})


def test_the_partnership_admin_has_object_permissions(client, demo):
    check_access(
        client,
        f"/admin/partnerships/partnership/{demo.riverside.pk}/permissions/",
        {ADMIN: 200},
    )

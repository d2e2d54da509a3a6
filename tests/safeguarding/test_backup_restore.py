"""The documented backup and restore (docs/operations.md), rehearsed on the test database."""

import subprocess

import psycopg2
import pytest
from django.db import connection

from safeguarding.access_log import record_access
from safeguarding.models import AccessLogEntry
from tests.personas import BUSINESS


def database_url(name: str) -> str:
    settings = connection.settings_dict
    return f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{name}"


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_with_its_protections(
    transactional_demo, needs_services, tmp_path, rf
):
    request = rf.get("/api/v1/partnerships/")
    request.user = transactional_demo.user(BUSINESS)
    record_access(request, [transactional_demo.riverside.arrangements.get()])
    source = connection.settings_dict["NAME"]
    target = f"{source}_restore"
    dump = tmp_path / "safeguarding.dump"

    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", database_url(source)],
        check=True,
    )
    admin = psycopg2.connect(database_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cursor.execute(f'CREATE DATABASE "{target}"')
    try:
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={database_url(target)}",
                str(dump),
            ],
            check=True,
        )
        restored = psycopg2.connect(database_url(target))
        with restored, restored.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM partnerships_user")
            assert (
                cursor.fetchone()[0] == transactional_demo.user(BUSINESS).__class__.objects.count()
            )
            cursor.execute("SELECT count(*) FROM safeguarding_accesslogentry")
            assert cursor.fetchone()[0] == AccessLogEntry.objects.count() == 1
            with pytest.raises(psycopg2.Error, match="append-only"):
                cursor.execute("DELETE FROM safeguarding_accesslogentry")
        restored.close()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        admin.close()

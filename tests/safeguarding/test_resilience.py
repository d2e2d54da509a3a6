"""Nothing lost: database errors get a clear answer; a worker killed mid-send loses nothing."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import DatabaseError, connection

from partnerships.views import PartnershipListView
from safeguarding.models import Notification
from safeguarding.notifications import Message, notification_create
from safeguarding.tasks import deliver_notifications, deliver_pending_notifications
from tests.personas import BUSINESS, sign_in


def broken_queryset(*args, **kwargs):
    raise DatabaseError("could not connect to server")


def test_a_database_error_gets_a_clear_page_not_a_traceback(client, demo, monkeypatch):
    monkeypatch.setattr(PartnershipListView, "get_queryset", broken_queryset)
    client.raise_request_exception = False
    sign_in(client, BUSINESS)

    response = client.get("/partnerships/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, there is a problem with the service" in page
    assert "Traceback" not in page and "DatabaseError" not in page


def test_a_database_error_in_the_api_gets_a_clear_json_answer(client, demo, monkeypatch):
    from partnerships.api.views import PartnershipViewSet

    monkeypatch.setattr(PartnershipViewSet, "get_queryset", broken_queryset)
    client.raise_request_exception = False
    sign_in(client, BUSINESS)

    response = client.get("/api/v1/partnerships/")

    assert response.status_code == 500
    assert response.json() == {
        "detail": "Sorry, there is a problem with the service. Try again later."
    }


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_leaves_the_reminder_to_be_sent_once(
    transactional_demo, needs_services, tmp_path, mailoutbox
):
    notification = notification_create(
        recipient=transactional_demo.user(BUSINESS),
        kind="test",
        subject=transactional_demo.riverside,
        partnership_id=transactional_demo.riverside.pk,
        stage="kill",
        message=Message("Rapid review due in 2 working days"),
    )
    # The eager delivery above already sent it; make it unsent again for the real worker.
    Notification.objects.filter(pk=notification.pk).update(sent_at=None, attempts=0)
    mailoutbox.clear()
    started = tmp_path / "sending"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "TEST_EMAIL_BACKEND": "tests.support.stalling_email.StallingEmailBackend",
        "STALLING_EMAIL_MARKER": str(started),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "safeguarding",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    try:
        from safeguarding.celery import app

        app.conf.task_always_eager = False
        deliver_notifications.delay(notification.pk)
        deadline = time.monotonic() + 60
        while not started.exists():
            assert worker.poll() is None, "the worker stopped on its own"
            assert time.monotonic() < deadline, "the worker never started sending"
            time.sleep(0.2)
        worker.send_signal(signal.SIGKILL)  # killed mid-send, holding the row lock
        worker.wait(timeout=30)
    finally:
        app.conf.task_always_eager = True
        if worker.poll() is None:
            worker.kill()
    notification.refresh_from_db()
    assert notification.sent_at is None  # its transaction died with it: not marked sent

    Notification.objects.filter(pk=notification.pk).update(
        created_at=notification.created_at.replace(year=notification.created_at.year - 1)
    )
    deliver_pending_notifications()
    deliver_pending_notifications()

    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert [m.subject for m in mailoutbox] == ["Rapid review due in 2 working days"]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"

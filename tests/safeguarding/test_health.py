import time

import pytest


def test_without_a_broker_health_reports_the_database_and_cache(client, db, settings):
    settings.REDIS_URL = ""

    response = client.get("/health/", {"format": "json"})

    assert response.status_code == 200
    body = response.json()
    assert any(name.startswith("Database") and state == "OK" for name, state in body.items())
    assert any(name.startswith("Cache") and state == "OK" for name, state in body.items())
    assert len(body) == 2


def wait_until_a_worker_answers(app, seconds=15):
    """A started worker listens for pings a moment later; on a busy machine, more than the
    health check's one second. The check is what is tested, not the worker's start-up."""
    deadline = time.monotonic() + seconds
    while not app.control.ping(timeout=0.5):
        assert time.monotonic() < deadline, "the test's Celery worker never answered a ping"


@pytest.mark.django_db(transaction=True)
def test_health_reports_redis_and_a_live_celery_worker(client, needs_services):
    from celery.contrib.testing.worker import start_worker

    from safeguarding.celery import app

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="threads", concurrency=1, perform_ping_check=False):
            wait_until_a_worker_answers(app)
            response = client.get("/health/", {"format": "json"})
    finally:
        app.conf.task_always_eager = True

    assert response.status_code == 200, response.content
    body = response.json()
    assert any(name.startswith("Redis") and state == "OK" for name, state in body.items())
    assert any(name.startswith("Ping") and state == "OK" for name, state in body.items())


def test_health_fails_when_no_celery_worker_answers(client, db, needs_services):
    response = client.get("/health/", {"format": "json"})

    assert response.status_code == 503
    body = response.json()
    assert any(name.startswith("Ping") and "unavailable" in state for name, state in body.items())

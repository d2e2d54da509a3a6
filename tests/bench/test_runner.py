"""The benchmark signs its personas in without the sign-in form; their sessions must be the ones
a real sign-in leaves, or every page would be measured with a session save it does not pay."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from bench.runner import session_cookie
from tests.personas import PRACTITIONER_HEALTH

pytestmark = pytest.mark.django_db


def test_a_bench_session_is_signed_in_and_its_first_page_saves_nothing(demo):
    name, _, key = session_cookie(demo.user(PRACTITIONER_HEALTH)).partition("=")
    client = Client()
    client.cookies[name] = key

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/referrals/")

    assert response.status_code == 200
    assert response.context["user"].username == PRACTITIONER_HEALTH
    assert not [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))]


def normalised(queries) -> list[str]:
    """Each statement without the moment it was made (a session's expiry is compared with now),
    written with a T by PostgreSQL and with a space by SQLite."""
    return [re.sub(r"'\d{4}-\d\d-\d\d[T ][^']*'", "'<now>'", q["sql"]) for q in queries]


@pytest.mark.urls("bench.urls")
def test_the_signed_in_frame_costs_only_what_every_page_pays(demo):
    name, _, key = session_cookie(demo.user(PRACTITIONER_HEALTH)).partition("=")
    client = Client()
    client.cookies[name] = key
    client.get("/bench/frame/")

    with CaptureQueriesContext(connection) as frame:
        response = client.get("/bench/frame/")
    with CaptureQueriesContext(connection) as page:
        client.get("/referrals/")

    assert response.status_code == 200
    assert "govuk-header" in response.content.decode()
    assert frame.captured_queries, "the frame reads the session and the person"
    assert set(normalised(frame)) <= set(normalised(page))
    assert len(frame) < len(page)


@pytest.mark.urls("bench.urls")
def test_the_signed_in_frame_is_behind_the_sign_in(client, db):
    response = client.get("/bench/frame/")

    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


@pytest.mark.urls("bench.urls")
def test_the_api_frame_answers_a_token_and_costs_only_what_every_endpoint_pays(demo):
    user = demo.user(PRACTITIONER_HEALTH)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")

    with CaptureQueriesContext(connection) as frame:
        response = api.get("/bench/api-frame/")
    with CaptureQueriesContext(connection) as endpoint:
        api.get("/api/v1/referrals/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert frame.captured_queries, "the frame reads the token and the person"
    assert set(normalised(frame)) <= set(normalised(endpoint))
    assert len(frame) < len(endpoint)


@pytest.mark.urls("bench.urls")
def test_the_api_frame_is_behind_a_token(db):
    response = APIClient().get("/bench/api-frame/")

    assert response.status_code == 401

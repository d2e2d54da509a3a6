"""The benchmark signs its personas in without the sign-in form; their sessions must be the ones
a real sign-in leaves, or every page would be measured with a session save it does not pay."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

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

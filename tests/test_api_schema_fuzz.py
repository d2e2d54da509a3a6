"""Schemathesis against our own OpenAPI document: no 500s, and responses match the schema.

Examples are bounded (and derandomised) so CI takes the same, short time on every run.
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from tests.personas import BUSINESS, SCRUTINEER

MAX_EXAMPLES = 6


@pytest.fixture(autouse=True)
def keep_the_tests_database_connection():
    """Requests go straight to the WSGI app, so do what Django's test client does: stop the
    end of each request from closing the connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def load_schema():
    """Our own OpenAPI document, generated in-process, called through the WSGI app."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(document, cls=DjangoJSONEncoder)))
    loaded.app = WSGIHandler()
    return loaded


schema = load_schema()
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def call_as(case, user):
    _, token = AuthToken.objects.create(user=user)
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
    )


@schema.parametrize()
@FUZZ
def test_the_api_answers_the_business_team_as_documented(case, demo):
    call_as(case, demo.user(BUSINESS))


@schema.parametrize()
@FUZZ
def test_the_api_answers_the_scrutineer_as_documented(case, demo):
    call_as(case, demo.user(SCRUTINEER))

"""Page numbers and positions that no list holds answer 404, never a database error."""

import base64

import pytest
from rest_framework.test import APIClient

from tests.personas import BUSINESS, FRONT_DOOR_HILLFORD, LEAD_LA, PRACTITIONER_HEALTH, sign_in

# Its first row, 25 or 50 rows a page, is past what PostgreSQL's OFFSET and LIMIT can hold.
PAST_EVERY_LIST = "400000000000000000"


@pytest.fixture
def api():
    return APIClient()


def cursor(query: str) -> str:
    """A cursor as DRF writes one: offset, direction and the position the page starts from."""
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        (PRACTITIONER_HEALTH, "/referrals/"),  # counted only so far
        (PRACTITIONER_HEALTH, "/referrals/shared-with-your-agency/"),  # keys first
        (LEAD_LA, "/referrals/escalations/"),
        (BUSINESS, "/partnerships/actions/"),
        (BUSINESS, "/audits/returns/"),
        (BUSINESS, "/reviews/"),
    ],
)
def test_a_page_past_the_end_of_every_list_is_not_found(client, demo, persona, path):
    sign_in(client, persona)

    assert client.get(path, {"page": PAST_EVERY_LIST}).status_code == 404
    assert client.get(path, {"page": 1}).status_code == 200


def test_an_api_page_past_the_end_of_every_list_is_not_found(api, demo):
    sign_in(api, BUSINESS)

    response = api.get("/api/v1/rapid-reviews/", {"page": PAST_EVERY_LIST})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        (FRONT_DOOR_HILLFORD, "/api/v1/referrals/"),  # received at: a time
        (LEAD_LA, "/api/v1/escalations/"),  # raised at: a time
        (BUSINESS, "/api/v1/actions/"),  # due on: a date
        (BUSINESS, "/api/v1/audit-returns/"),  # audit: a key
    ],
)
@pytest.mark.parametrize("position", ["abc", "2026-13-45", "1e400"])
def test_an_api_position_that_is_not_a_value_of_its_order_is_not_found(
    api, demo, persona, path, position
):
    sign_in(api, persona)

    response = api.get(path, {"cursor": cursor(f"o=0&r=0&p={position}")})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


def test_a_position_in_the_access_log_that_is_not_a_time_is_not_found(client, demo):
    sign_in(client, BUSINESS)

    assert client.get("/access-log/", {"cursor": cursor("o=0&r=0&p=abc")}).status_code == 404

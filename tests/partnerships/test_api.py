import pytest
from rest_framework.test import APIClient

from tests.partnerships.factories import AgencyFactory, ConstitutedPartnershipFactory
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    OTHER_PARTNERSHIP,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)


@pytest.fixture
def api():
    return APIClient()


def test_a_token_is_issued_for_a_correct_username_and_password(api, demo):
    response = api.post("/api/v1/auth/token/", {"username": BUSINESS, "password": "demo-pass-2026"})
    assert response.status_code == 200

    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    listed = api.get("/api/v1/partnerships/")

    assert listed.status_code == 200
    assert [p["name"] for p in listed.json()["results"]] == [demo.riverside.name]


def test_a_wrong_password_gets_a_400_with_a_message(api, demo):
    response = api.post("/api/v1/auth/token/", {"username": BUSINESS, "password": "wrong"})

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_partnerships_list_shows_partners_and_constitution(api, demo):
    responses = check_access(
        api,
        "/api/v1/partnerships/",
        {BUSINESS: 200, PRACTITIONER_POLICE: 200, OTHER_PARTNERSHIP: 200, ANONYMOUS: 401},
    )

    body = responses[BUSINESS].json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    riverside = body["results"][0]
    assert riverside["region"] == "Midlands"
    assert riverside["is_constituted"] is True
    assert {la["name"] for la in riverside["local_authorities"]} == {
        "Riverside Council",
        "Hillford Council",
    }
    roles = {m["name"]: m["role"] for m in riverside["members"]}
    assert roles["Midshire Police"] == "police_partner"
    assert roles["St Anne's Primary School"] == "relevant_agency"
    assert responses[PRACTITIONER_POLICE].json()["count"] == 2


def test_another_partnerships_record_is_404(api, demo):
    check_access(
        api,
        f"/api/v1/partnerships/{demo.riverside.pk}/",
        {BUSINESS: 200, SCRUTINEER: 200, OTHER_PARTNERSHIP: 404, ANONYMOUS: 401},
    )


def test_agencies_list_with_memberships_and_filters(api, demo):
    sign_in(api, OTHER_PARTNERSHIP)

    police = api.get("/api/v1/agencies/", {"sector": "police"}).json()
    bad = api.get("/api/v1/agencies/", {"sector": "spaceship"})

    assert [a["name"] for a in police["results"]] == ["Midshire Police"]
    assert {m["role"] for m in police["results"][0]["memberships"]} == {"police_partner"}
    assert len(police["results"][0]["memberships"]) == 2
    assert bad.status_code == 400
    assert "sector" in bad.json()


def test_agency_detail(api, demo):
    school = demo.agency("St Anne's Primary School")

    responses = check_access(
        api,
        f"/api/v1/agencies/{school.pk}/",
        {BUSINESS: 200, OTHER_PARTNERSHIP: 200, ANONYMOUS: 401},
    )

    assert responses[BUSINESS].json()["urn"] == "990101"


def test_lists_run_a_bounded_number_of_queries(api, demo, django_assert_max_num_queries):
    ConstitutedPartnershipFactory.create_batch(5)
    AgencyFactory.create_batch(60)
    sign_in(api, "admin")

    with django_assert_max_num_queries(8):
        partnerships = api.get("/api/v1/partnerships/")
    with django_assert_max_num_queries(8):
        agencies = api.get("/api/v1/agencies/")

    assert partnerships.json()["count"] == 7
    assert agencies.json()["count"] == 13 + 15 + 60


def test_the_openapi_schema_and_docs_are_served(api, demo):
    sign_in(api, BUSINESS)

    schema = api.get("/api/v1/schema/", {"format": "json"})
    docs = api.get("/api/v1/docs/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/partnerships/" in paths and "/api/v1/working-days/" in paths
    assert docs.status_code == 200

from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from partnerships.choices import MembershipRole
from tests.partnerships.factories import (
    AgencyFactory,
    ConstitutedPartnershipFactory,
    MembershipFactory,
)
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
    partners = {m["name"]: m["role"] for m in riverside["partners"]}
    assert partners == {
        "Riverside Council": "local_authority_partner",
        "Hillford Council": "local_authority_partner",
        "Riverside and Hillford ICB": "health_partner",
        "Midshire Police": "police_partner",
    }
    relevant = demo.riverside.memberships.current().filter(role=MembershipRole.RELEVANT_AGENCY)
    assert relevant.exists() and riverside["relevant_agency_count"] == relevant.count()
    assert riverside["agencies"] == (
        f"http://testserver/api/v1/agencies/?partnership={demo.riverside.pk}"
    )
    assert responses[PRACTITIONER_POLICE].json()["count"] == 2


def test_a_partnerships_agencies_are_its_current_members_a_page_at_a_time(api, demo):
    school = demo.agency("St Anne's Primary School")
    left = AgencyFactory(name="Closed Nursery")
    MembershipFactory(
        partnership=demo.riverside, agency=left, left_on=date.today() - timedelta(days=1)
    )
    sign_in(api, BUSINESS)
    link = api.get(f"/api/v1/partnerships/{demo.riverside.pk}/").json()["agencies"]

    listed = api.get(link).json()

    names = {a["name"] for a in listed["results"]}
    current = demo.riverside.memberships.current().values("agency")
    assert listed["count"] == len(names) == current.count()
    assert school.name in names and "Midshire Police" in names
    assert left.name not in names
    assert "Riverside and Hillford ICB" in names


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

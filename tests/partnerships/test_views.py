import pytest

from partnerships.choices import Sector
from tests.partnerships.factories import AgencyFactory, MembershipFactory
from tests.personas import (
    ADMIN,
    ANONYMOUS,
    BUSINESS,
    DEMO_USERNAMES,
    DSL_SCHOOL,
    FRONT_DOOR_HILLFORD,
    LEAD_POLICE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)

RIVERSIDE_MEMBERS = [BUSINESS, FRONT_DOOR_HILLFORD, LEAD_POLICE, PRACTITIONER_HEALTH, DSL_SCHOOL]


def test_every_demo_user_gets_a_home_page_and_anonymous_is_sent_to_sign_in(client, demo):
    responses = check_access(client, "/", {**dict.fromkeys(DEMO_USERNAMES, 200), ANONYMOUS: 302})

    assert responses[ANONYMOUS]["Location"].startswith("/sign-in/")


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        (BUSINESS, ["Business team", "Access log"], ["Independent scrutineer"]),
        (FRONT_DOOR_HILLFORD, ["Front door worker"], ["Access log"]),
        (SCRUTINEER, ["Independent scrutineer"], ["Access log"]),
        (LEAD_POLICE, ["Delegated safeguarding partner", "Lead safeguarding partner"], []),
        (DSL_SCHOOL, ["Agency safeguarding lead", "Practitioner"], ["Access log"]),
        (OTHER_PARTNERSHIP, ["Northgate Safeguarding Children Partnership"], ["Riverside"]),
    ],
)
def test_the_home_page_fits_the_persons_roles(client, demo, persona, shown, hidden):
    sign_in(client, persona)

    page = client.get("/").content.decode()

    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


def test_the_partnership_page_is_for_its_members_only(client, demo):
    url = f"/partnerships/{demo.riverside.pk}/"

    responses = check_access(
        client,
        url,
        {
            **dict.fromkeys(RIVERSIDE_MEMBERS, 200),
            PRACTITIONER_POLICE: 200,  # Midshire Police serves both partnerships
            SCRUTINEER: 200,
            ADMIN: 200,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )

    page = responses[BUSINESS].content.decode()
    assert "Constituted" in page
    assert "Riverside and Hillford ICB" in page
    assert "Riverside Youth Trust" in page
    assert "Hillford Council, Riverside Council" in page


def test_another_partnerships_business_team_sees_only_public_names(client, demo):
    sign_in(client, OTHER_PARTNERSHIP)

    partnerships = client.get("/partnerships/").content.decode()
    agencies = client.get("/partnerships/agencies/").content.decode()
    leads = client.get("/partnerships/safeguarding-leads/").content.decode()

    assert "Riverside and Hillford" not in partnerships
    assert "Riverside College" in agencies  # a public name in the directory
    assert "Mark Wilson" not in leads  # Riverside's school contacts are not shared
    assert "Joanne Price" in leads


def test_the_partnership_list_shows_each_persons_own_partnerships(client, demo):
    responses = check_access(
        client,
        "/partnerships/",
        {PRACTITIONER_POLICE: 200, BUSINESS: 200, OTHER_PARTNERSHIP: 200, ANONYMOUS: 302},
    )

    police = responses[PRACTITIONER_POLICE].content.decode()
    assert "Riverside and Hillford" in police and "Northgate Safeguarding" in police
    assert "Northgate Safeguarding" not in responses[BUSINESS].content.decode()


def test_a_partnership_with_a_missing_partner_is_shown_as_not_constituted(client, demo):
    demo.northgate.memberships.filter(agency__sector=Sector.POLICE).delete()
    sign_in(client, OTHER_PARTNERSHIP)

    page = client.get(f"/partnerships/{demo.northgate.pk}/").content.decode()

    assert "Not constituted" in page


def test_the_agency_directory_filters_by_sector_and_partnership(client, demo):
    sign_in(client, BUSINESS)

    schools = client.get("/partnerships/agencies/", {"sector": "school"}).content.decode()
    northgate = client.get(
        "/partnerships/agencies/", {"partnership": demo.riverside.pk, "name": "Northgate"}
    ).content.decode()

    assert "St Anne&#x27;s Primary School" in schools and "Northgate Academy" in schools
    assert "Riverside College" not in schools
    assert "No agencies match" in northgate


def test_an_agency_page_is_public_to_signed_in_people(client, demo):
    school = demo.agency("St Anne's Primary School")

    responses = check_access(
        client,
        f"/partnerships/agencies/{school.pk}/",
        {BUSINESS: 200, OTHER_PARTNERSHIP: 200, SCRUTINEER: 200, ANONYMOUS: 302},
    )

    assert "Mark Wilson" in responses[BUSINESS].content.decode()
    assert "Mark Wilson" not in responses[OTHER_PARTNERSHIP].content.decode()
    assert "990101" in responses[OTHER_PARTNERSHIP].content.decode()


def test_the_safeguarding_leads_directory(client, demo):
    responses = check_access(
        client,
        "/partnerships/safeguarding-leads/",
        {DSL_SCHOOL: 200, PRACTITIONER_POLICE: 200, ANONYMOUS: 302},
    )

    police = responses[PRACTITIONER_POLICE].content.decode()
    assert "Mark Wilson" in police and "Joanne Price" in police
    assert "Refresh due 1 Sep 2027" in police


def test_the_agency_directory_runs_a_bounded_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    for agency in AgencyFactory.create_batch(120):
        MembershipFactory(agency=agency, partnership=demo.riverside)
    sign_in(client, BUSINESS)

    with django_assert_max_num_queries(14):
        response = client.get("/partnerships/agencies/")

    assert response.status_code == 200
    assert response.context["paginator"].count == 133


def test_the_partnership_page_runs_a_bounded_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    for agency in AgencyFactory.create_batch(80):
        MembershipFactory(agency=agency, partnership=demo.riverside)
    sign_in(client, BUSINESS)

    with django_assert_max_num_queries(16):
        response = client.get(f"/partnerships/{demo.riverside.pk}/")

    assert response.status_code == 200

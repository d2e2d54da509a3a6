from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from partnerships.choices import Sector
from partnerships.selectors import people_named
from tests.partnerships.factories import (
    AgencyFactory,
    ConstitutedPartnershipFactory,
    MembershipFactory,
    PublishedArrangementFactory,
    RoleAssignmentFactory,
    UserFactory,
)
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
    assert "Voluntary, community or faith sector" in page  # Riverside Youth Trust's
    assert "Hillford Council, Riverside Council" in page


def test_the_partnership_page_counts_its_relevant_agencies_by_sector(client, demo):
    partnership = ConstitutedPartnershipFactory()
    for sector in (Sector.SCHOOL, Sector.SCHOOL, Sector.SCHOOL, Sector.HOUSING):
        MembershipFactory(partnership=partnership, agency__sector=sector)
    sign_in(client, ADMIN)

    response = client.get(f"/partnerships/{partnership.pk}/")
    page = response.content.decode()

    assert response.context["relevant_agencies"] == [
        {"sector": Sector.SCHOOL, "label": "School", "agencies": 3},
        {"sector": Sector.HOUSING, "label": "Housing", "agencies": 1},
    ]
    assert "4 relevant agencies work with the partnership" in page
    assert f"/partnerships/agencies/?partnership={partnership.pk}&amp;sector=school" in page
    schools = client.get(
        "/partnerships/agencies/", {"partnership": partnership.pk, "sector": "school"}
    )
    assert schools.context["paginator"].count == 3


def test_the_partnership_page_shows_people_and_roles_a_page_at_a_time(client, demo):
    partnership = ConstitutedPartnershipFactory()
    RoleAssignmentFactory.create_batch(60, partnership=partnership)
    sign_in(client, ADMIN)

    first = client.get(f"/partnerships/{partnership.pk}/")
    second = client.get(f"/partnerships/{partnership.pk}/", {"page": 2})

    first_people = [a.user for a in first.context["people"]]
    second_people = [a.user for a in second.context["people"]]
    assert (len(first_people), len(second_people)) == (50, 10)
    assert not set(first_people) & set(second_people)
    assert "Page 1 of 2" in first.content.decode()


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
    RoleAssignmentFactory.create_batch(80, partnership=demo.riverside)
    sign_in(client, BUSINESS)

    with django_assert_max_num_queries(16):
        response = client.get(f"/partnerships/{demo.riverside.pk}/")

    assert response.status_code == 200
    assert len(response.context["people"]) == 50


def test_the_admins_list_of_people_reads_their_agencies_with_them(
    client, demo, django_assert_max_num_queries
):
    UserFactory.create_batch(60, agency=demo.agency("Midshire Police"))
    sign_in(client, ADMIN)

    with django_assert_max_num_queries(12):
        page = client.get("/admin/partnerships/user/").content.decode()

    assert page.count('<td class="field-agency nowrap">Midshire Police</td>') >= 60


def test_the_admin_finds_people_by_any_part_of_their_name_username_or_email(client, demo):
    found = UserFactory(
        first_name="Zebedee", last_name="Quartermain", username="zq.health", email="zq@nhs.test"
    )
    UserFactory(first_name="Quentin", last_name="Zeller", username="qz.police")
    sign_in(client, ADMIN)

    def people(q):
        response = client.get("/admin/partnerships/user/", {"q": q})
        assert response.status_code == 200
        return [user.username for user in response.context["cl"].result_list]

    for q in ["zebedee", "QUARTERMAIN", "zq.heal", "zq@nhs", "Zebedee Quartermain"]:
        assert people(q) == [found.username], q
    assert people("zebedee zeller") == []


@pytest.mark.django_db
def test_postgresql_finds_people_by_part_of_a_name_through_one_index(needs_services):
    sql, params = people_named("frontdoor.hillford").values("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # With so few people the planner would read them all; without that choice it must
        # show that the index answers this very expression.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "partnerships_user_search_text_trigram" in plan


def test_the_safeguarding_leads_directory_shows_a_training_date_far_in_the_future(client, demo):
    from partnerships.models import DesignatedSafeguardingLead

    # Saved before a date in the future was refused: the refresh date is past the last date.
    DesignatedSafeguardingLead.objects.filter(name="Mark Wilson").update(
        trained_on=date(9998, 2, 28)
    )
    DesignatedSafeguardingLead.objects.filter(name="Joanne Price").update(
        trained_on=date(9999, 12, 31)
    )

    responses = check_access(
        client, "/partnerships/safeguarding-leads/", {PRACTITIONER_POLICE: 200, BUSINESS: 200}
    )

    assert "Mark Wilson" in responses[PRACTITIONER_POLICE].content.decode()


@pytest.mark.parametrize(
    ("trained_on", "due"),
    [
        (date(2025, 9, 1), date(2027, 9, 1)),
        (date(2024, 2, 29), date(2026, 2, 28)),
        (date(9997, 12, 31), date(9999, 12, 31)),
        (date(9998, 1, 1), None),
        (date(9999, 12, 31), None),
        (None, None),
    ],
)
def test_dsl_training_is_refreshed_two_years_on(trained_on, due):
    from partnerships.models import DesignatedSafeguardingLead

    assert DesignatedSafeguardingLead(trained_on=trained_on).training_due_on == due


def test_dsl_training_cannot_be_recorded_in_the_future(demo):
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from partnerships.models import DesignatedSafeguardingLead

    dsl = DesignatedSafeguardingLead.objects.get(name="Mark Wilson")
    dsl.trained_on = timezone.localdate() + timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        dsl.full_clean()

    assert "trained_on" in refused.value.message_dict


def test_a_published_arrangements_document_downloads_for_those_who_see_the_partnership(
    client, demo
):
    arrangement = PublishedArrangementFactory(
        partnership=demo.riverside,
        version=demo.riverside.arrangements.count() + 1,
        document=SimpleUploadedFile("Riverside arrangements 2026.PDF", b"%PDF-1.4 arrangements"),
    )
    url = f"/partnerships/arrangements/{arrangement.pk}/document/"
    check_access(
        client, url, {BUSINESS: 200, DSL_SCHOOL: 200, OTHER_PARTNERSHIP: 404, ANONYMOUS: 302}
    )
    sign_in(client, DSL_SCHOOL)
    page = client.get(f"/partnerships/{demo.riverside.pk}/").content.decode()
    assert f'href="{url}"' in page

    # Read at once: the tests' in-memory storage hands every reader of a file the same stream.
    download = client.get(url)
    assert b"".join(download.streaming_content) == b"%PDF-1.4 arrangements"
    assert download["Content-Disposition"] == (
        f'attachment; filename="safeguarding-arrangements-{demo.riverside.pk}'
        f'-v{arrangement.version}.pdf"'
    )
    assert download["X-Content-Type-Options"] == "nosniff"
    assert client.get(arrangement.document.url).status_code == 404


def test_an_arrangement_without_a_document_has_nothing_to_download(client, demo):
    arrangement = PublishedArrangementFactory(
        partnership=demo.riverside,
        version=demo.riverside.arrangements.count() + 1,
        url="https://example.org/arrangements",
    )

    check_access(client, f"/partnerships/arrangements/{arrangement.pk}/document/", {BUSINESS: 404})

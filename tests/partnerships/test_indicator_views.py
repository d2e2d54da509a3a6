"""The indicator dashboard, targets and regional benchmarking pages."""

import html
import re
from datetime import date
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from partnerships.choices import IndicatorKey, Role
from partnerships.indicators import Period
from partnerships.models import IndicatorTarget, Partnership, RoleAssignment, User
from referrals.models import Referral, ReferralChild
from tests.partnerships.factories import ConstitutedPartnershipFactory, UserFactory
from tests.partnerships.test_indicators import Fixture, at, bulk_referrals
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    LEAD_POLICE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)
from tests.support.dates import box_values, date_input
from tests.support.pages import (
    assert_error_summary_links_land,
    error_summary_links,
    part_from,
    tags,
)

DASHBOARD = reverse("partnerships:indicators")
BENCHMARKING = reverse("partnerships:benchmarking")
# The period as the page's day, month and year boxes send it.
PERIOD = urlencode(
    {**date_input("date_from", date(2026, 1, 1)), **date_input("date_to", date(2026, 6, 30))}
)
# As links from before the boxes (and the API) write it.
PERIOD_AS_TEXT = "date_from=2026-01-01&date_to=2026-06-30"


def test_it_shows_the_dashboard_to_those_who_oversee_the_partnership(client, demo):
    url = f"{DASHBOARD}?partnership={demo.riverside.pk}"

    responses = check_access(
        client,
        url,
        {
            BUSINESS: 200,
            SCRUTINEER: 200,
            LEAD_POLICE: 200,
            PRACTITIONER_POLICE: 403,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )

    page = responses[SCRUTINEER].content.decode()
    assert "Interagency indicators" in page
    assert 'data-chart-source="trends-data"' in page
    assert '<script id="trends-data" type="application/json">' in page
    assert 'id="trends-table"' in page


def test_it_is_the_scrutineers_first_destination(client, demo):
    sign_in(client, SCRUTINEER)

    page = client.get("/").content.decode()

    assert DASHBOARD in page


def test_it_refuses_a_period_that_ends_before_it_starts(client, demo):
    sign_in(client, BUSINESS)

    response = client.get(
        f"{DASHBOARD}?partnership={demo.riverside.pk}&date_from=2026-06-30&date_to=2026-01-01"
    )

    assert response.status_code == 200
    assert "The end of the period must be after its start." in response.content.decode()
    assert "figures" not in response.context or response.context.get("figures") is None


def test_someone_overseeing_two_partnerships_chooses_between_them(client, demo):
    sign_in(client, SCRUTINEER)
    scrutineer = User.objects.get(username=SCRUTINEER)
    second = ConstitutedPartnershipFactory(name="Zedbury Safeguarding Children Partnership")
    RoleAssignment.objects.create(
        user=scrutineer, partnership=second, role=Role.INDEPENDENT_SCRUTINEER
    )
    outsiders = ConstitutedPartnershipFactory(name="Another Safeguarding Children Partnership")

    by_default = client.get(DASHBOARD)
    chosen = client.get(f"{DASHBOARD}?partnership={second.pk}")

    assert by_default.context["partnership"] == demo.riverside  # the first by name
    assert chosen.context["partnership"] == second
    offered = re.search(r'<select name="partnership".*?</select>', chosen.content.decode(), re.S)
    assert [int(pk) for pk in re.findall(r'value="(\d+)"', offered.group())] == [
        demo.riverside.pk,
        second.pk,
    ]
    assert client.get(f"{DASHBOARD}?partnership={outsiders.pk}").status_code == 404
    assert client.get(f"{DASHBOARD}?partnership=first").status_code == 404


@pytest.fixture
def fixture(db):
    return Fixture().build()


def overseer(fixture, role=Role.INDEPENDENT_SCRUTINEER):
    user = UserFactory(agency=fixture.a if role != Role.INDEPENDENT_SCRUTINEER else None)
    RoleAssignment.objects.create(user=user, partnership=fixture.partnership, role=role)
    return user


def test_it_shows_the_hand_counted_figures(client, fixture):
    client.force_login(overseer(fixture))

    response = client.get(f"{DASHBOARD}?partnership={fixture.partnership.pk}&{PERIOD}")

    headlines = {row["key"]: row["percent"] for row in response.context["headlines"]}
    assert headlines["front_door_timeliness"] == 50.0
    assert headlines["repeat_referrals"] == 50.0
    assert headlines["actions_on_time"] == 33.3


def test_a_period_given_as_iso_text_counts_as_the_same_period_in_boxes(client, fixture):
    client.force_login(overseer(fixture))
    url = f"{DASHBOARD}?partnership={fixture.partnership.pk}&"

    boxes, text = client.get(url + PERIOD), client.get(url + PERIOD_AS_TEXT)

    assert (
        boxes.context["period"]
        == text.context["period"]
        == Period(date(2026, 1, 1), date(2026, 6, 30))
    )
    assert boxes.context["headlines"] == text.context["headlines"]
    for page in (boxes.content.decode(), text.content.decode()):
        assert "1 January 2026 to 30 June 2026" in page
        assert box_values(page, "date_from") == ["1", "1", "2026"]
        assert box_values(page, "date_to") == ["30", "6", "2026"]


def test_the_link_to_compare_with_the_region_carries_the_period(client, fixture):
    sharing_neighbour(fixture, 7)
    client.force_login(overseer(fixture))
    page = client.get(f"{DASHBOARD}?partnership={fixture.partnership.pk}&{PERIOD}")

    link = re.search(r'href="([^"]*)">Compare with the region', page.content.decode()).group(1)
    compared = client.get(html.unescape(link))

    assert compared.status_code == 200
    assert compared.context["period"] == Period(date(2026, 1, 1), date(2026, 6, 30))
    assert compared.context["measures"]


@pytest.mark.parametrize(
    "url", [DASHBOARD, BENCHMARKING, reverse("referrals:dashboard")], ids=lambda u: u
)
def test_a_wrong_date_in_the_period_is_explained_on_the_page(client, demo, url):
    sign_in(client, BUSINESS)

    response = client.get(
        url,
        {**date_input("date_from", "2026-02-31"), "date_to_0": "30", "date_to_2": "2026"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert error_summary_links(page) == ["#id_date_from_0", "#id_date_to_1"]
    assert_error_summary_links_land(page)
    assert page.count("The start of the period must be a real date") == 2  # summary and field
    assert page.count("The end of the period must include a month") == 2
    assert box_values(page, "date_from") == ["31", "02", "2026"]
    assert response.context.get("period") is None


def test_it_reads_the_same_number_of_queries_for_50_or_5000_referrals(
    client, fixture, django_assert_max_num_queries
):
    client.force_login(overseer(fixture))
    url = f"{DASHBOARD}?partnership={fixture.partnership.pk}&{PERIOD}"
    counts = []
    for n in (50, 4950):
        bulk_referrals(fixture, n)
        with django_assert_max_num_queries(40), CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_it_shows_targets_as_red_amber_or_green(client, fixture):
    IndicatorTarget.objects.create(
        partnership=fixture.partnership,
        indicator=IndicatorKey.FRONT_DOOR_TIMELINESS,
        green_from=90,
        amber_from=40,
    )
    IndicatorTarget.objects.create(
        partnership=fixture.partnership,
        indicator=IndicatorKey.REPEAT_REFERRALS,
        green_from=20,
        amber_from=30,
    )
    client.force_login(overseer(fixture))

    response = client.get(f"{DASHBOARD}?partnership={fixture.partnership.pk}&{PERIOD}")

    rag = {row["key"]: row["rag"] for row in response.context["headlines"]}
    assert rag["front_door_timeliness"] == "amber"  # 50% is under 90 but at least 40
    assert rag["repeat_referrals"] == "red"  # 50% repeats is above 30: lower is better
    assert rag["audit_good_or_better"] is None

    page = response.content.decode()
    labels = {row["key"]: row["label"] for row in response.context["headlines"]}

    def status_of(key):
        return tags(part_from(page, f">{labels[key]}</th>"))

    assert status_of("front_door_timeliness") == [("orange", "Amber")]
    assert status_of("repeat_referrals") == [("red", "Red")]
    assert status_of("audit_good_or_better") == [("grey", "No target")]


def test_only_the_business_team_sets_targets(client, demo):
    url = reverse("partnerships:indicator-targets", args=[demo.riverside.pk])

    check_access(
        client,
        url,
        {
            BUSINESS: 200,
            SCRUTINEER: 403,
            LEAD_POLICE: 403,
            PRACTITIONER_POLICE: 403,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )


def test_the_business_team_saves_targets_and_is_told_of_mistakes(client, demo):
    url = reverse("partnerships:indicator-targets", args=[demo.riverside.pk])
    sign_in(client, BUSINESS)

    wrong = client.post(
        url, {"front_door_timeliness_green": "50", "front_door_timeliness_amber": "80"}
    )
    half = client.post(url, {"actions_on_time_green": "50"})
    saved = client.post(
        url, {"front_door_timeliness_green": "95", "front_door_timeliness_amber": "85"}
    )

    assert "green must be at or above amber" in wrong.content.decode()
    # What was typed is kept, in boxes that offer a decimal point.
    assert (
        'name="front_door_timeliness_amber" type="text" inputmode="decimal" value="80"'
        in wrong.content.decode()
    )
    assert '<label class="govuk-label" for="id_front_door_timeliness_green">Green (%)</label>' in (
        wrong.content.decode()
    )
    assert "Give both thresholds, or neither." in half.content.decode()
    assert saved.status_code == 302
    target = demo.riverside.indicator_targets.get()
    assert (target.green_from, target.amber_from) == (95, 85)
    cleared = client.post(url, {})
    assert cleared.status_code == 302 and not demo.riverside.indicator_targets.exists()


def test_benchmarking_is_for_those_who_oversee_a_partnership(client, demo):
    check_access(
        client,
        f"{BENCHMARKING}?partnership={demo.riverside.pk}",
        {
            BUSINESS: 200,
            SCRUTINEER: 200,
            LEAD_POLICE: 200,
            PRACTITIONER_POLICE: 403,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )


def test_only_the_business_team_chooses_to_share_figures(client, demo):
    data = {"partnership": demo.riverside.pk, "shares_benchmarks": "on"}

    check_access(
        client,
        BENCHMARKING,
        {SCRUTINEER: 403, LEAD_POLICE: 403, OTHER_PARTNERSHIP: 404, ANONYMOUS: 302},
        method="post",
        data=data,
    )
    sign_in(client, BUSINESS)
    assert client.post(BENCHMARKING, data).status_code == 302
    assert Partnership.objects.get(pk=demo.riverside.pk).shares_benchmarks is True


def sharing_neighbour(fixture, referrals: int, *, repeats: int = 0) -> Partnership:
    """The fixture's partnership and one more of its region sharing figures, the other with
    `referrals` received in the period, the first `repeats` of them repeat referrals."""
    Partnership.objects.filter(pk=fixture.partnership.pk).update(shares_benchmarks=True)
    neighbour = ConstitutedPartnershipFactory(
        shares_benchmarks=True, region=fixture.partnership.region
    )
    council = neighbour.memberships.get(role="local_authority_partner").agency
    Referral.objects.bulk_create(
        Referral(
            partnership=neighbour,
            front_door=council,
            referrer=fixture.user_a,
            referrer_agency=fixture.a,
            status="submitted",
            received_at=at(date(2026, 3, 3)),
            decision_due_on=date(2026, 3, 4),
            is_repeat=n < repeats,
        )
        for n in range(referrals)
    )
    return neighbour


def test_benchmarking_compares_sharing_partnerships_of_the_region_and_hides_small_numbers(
    client, fixture
):
    big = sharing_neighbour(fixture, 7)
    elsewhere = ConstitutedPartnershipFactory(
        shares_benchmarks=True, region__name="North East", name="Far Partnership"
    )
    shy = ConstitutedPartnershipFactory(region=fixture.partnership.region, name="Shy Partnership")
    client.force_login(overseer(fixture))

    response = client.get(f"{BENCHMARKING}?partnership={fixture.partnership.pk}&{PERIOD}")

    page = response.content.decode()
    assert big.name in page and fixture.partnership.name in page
    assert elsewhere.name not in page and shy.name not in page
    received = dict(response.context["measures"])["Referrals received"]
    referrals = {p: m for p, m in zip(response.context["compared"], received, strict=True)}
    assert referrals[fixture.partnership]["suppressed"] is True  # 4 referrals
    assert referrals[big]["count"] == 7
    assert "fewer than 5" in page


@pytest.mark.parametrize(("repeats", "shown"), [(2, None), (5, 50.0), (8, None), (10, 100.0)])
def test_benchmarking_shows_no_percentage_that_gives_away_a_small_number(
    client, fixture, repeats, shown
):
    """Of 10 referrals, 2 repeats (or 2 that are not) would be told by "20% of 10"."""
    big = sharing_neighbour(fixture, 10, repeats=repeats)
    client.force_login(overseer(fixture))

    response = client.get(f"{BENCHMARKING}?partnership={fixture.partnership.pk}&{PERIOD}")

    repeat = dict(response.context["measures"])[IndicatorKey.REPEAT_REFERRALS.label]
    cell = dict(zip(response.context["compared"], repeat, strict=True))[big]
    assert (cell["count"], cell["percent"]) == (10, shown)
    page = response.content.decode()
    withheld = "10: percentage withheld, fewer than 5 either way"
    assert (withheld in page) is (shown is None)


def test_a_partnership_that_does_not_share_sees_no_one_elses_figures(client, fixture):
    ConstitutedPartnershipFactory(shares_benchmarks=True, region=fixture.partnership.region)
    client.force_login(overseer(fixture))

    response = client.get(f"{BENCHMARKING}?partnership={fixture.partnership.pk}")

    assert "measures" not in response.context
    assert "does not share its figures" in response.content.decode()


def test_no_child_is_identifiable_anywhere_a_scrutineer_can_reach(client, demo):
    referrer = demo.user(PRACTITIONER_POLICE)
    referral = Referral.objects.create(
        partnership=demo.riverside,
        front_door=demo.agency("Riverside Council"),
        referrer=referrer,
        referrer_agency=referrer.agency,
        status="submitted",
        received_at=at(date(2026, 3, 3)),
        decision_due_on=date(2026, 3, 4),
    )
    ReferralChild.objects.create(
        referral=referral,
        first_name="Zebedee",
        last_name="Quixote",
        date_of_birth=date(2015, 3, 17),
        postcode="HF1 2AB",
    )
    Partnership.objects.filter(pk=demo.riverside.pk).update(shares_benchmarks=True)
    query = f"partnership={demo.riverside.pk}&{PERIOD}"
    api = APIClient()
    sign_in(api, SCRUTINEER)
    sign_in(client, SCRUTINEER)

    bodies = [
        client.get(f"{DASHBOARD}?{query}").content.decode(),
        client.get(f"{BENCHMARKING}?{query}").content.decode(),
        api.get(
            f"/api/v1/partnerships/{demo.riverside.pk}/indicators/?from=2026-01-01&to=2026-06-30"
        ).content.decode(),
    ]

    for body in bodies:
        for identifying in ("Zebedee", "Quixote", "2015-03-17", "17 March 2015", "17/03/2015"):
            assert identifying not in body
    assert "Midshire Police" in bodies[0]  # the referral was counted, anonymously


def test_a_period_ending_in_the_year_9999_is_explained_not_a_server_error(client, demo):
    far = "date_from=9999-01-01&date_to=9999-12-31"
    sign_in(client, BUSINESS)

    pages = [
        client.get(f"{DASHBOARD}?partnership={demo.riverside.pk}&{far}"),
        client.get(f"{BENCHMARKING}?partnership={demo.riverside.pk}&{far}"),
        client.get(f"/referrals/dashboard/?{far}"),
    ]
    api = APIClient()
    api.force_authenticate(demo.user(BUSINESS))
    answer = api.get(
        f"/api/v1/partnerships/{demo.riverside.pk}/indicators/?from=9999-01-01&to=9999-12-31"
    )

    for page in pages:
        assert page.status_code == 200
        assert "Give a date in the years 2000 to 2100." in page.content.decode()
    assert answer.status_code == 400
    assert answer.json()["to"] == ["Give a date in the years 2000 to 2100."]
    assert answer.json()["from"] == ["Give a date in the years 2000 to 2100."]


def test_benchmarking_sharing_for_a_partnership_that_is_not_a_number_is_not_found(client, demo):
    sign_in(client, BUSINESS)

    for value in ("abc", "١٢", "1" * 19):
        response = client.post(BENCHMARKING, {"partnership": value, "shares_benchmarks": "on"})
        assert response.status_code == 404

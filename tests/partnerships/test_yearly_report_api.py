"""The yearly report through the API: who reads it, what it holds, and the narratives PATCH."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from partnerships import services
from partnerships.api.serializers import NARRATIVE_MAX_LENGTH
from partnerships.choices import ReportSection
from partnerships.models import YearlyReport
from tests.partnerships.factories import FinancialContributionFactory
from tests.partnerships.test_yearly_report import START, add_referral
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    LEAD_HEALTH,
    LEAD_LA,
    LEAD_POLICE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def report(demo):
    return services.yearly_report_start(
        partnership=demo.riverside, period_start=START, by=demo.user(BUSINESS)
    )


def url(report=None):
    return f"/api/v1/yearly-reports/{report.pk}/" if report else "/api/v1/yearly-reports/"


def section(body, key):
    return next(s for s in body["sections"] if s["key"] == key)


def figure(body, key, label):
    return next(f for f in section(body, key)["figures"] if f["label"] == label)


def test_who_reads_a_report_through_the_api(api, demo, report):
    check_access(
        api,
        url(report),
        {
            BUSINESS: 200,
            SCRUTINEER: 200,
            LEAD_POLICE: 200,
            PRACTITIONER_POLICE: 404,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 401,
        },
    )
    listed = check_access(
        api,
        url(),
        {BUSINESS: 200, SCRUTINEER: 200, PRACTITIONER_POLICE: 200, OTHER_PARTNERSHIP: 200},
    )
    assert [r["id"] for r in listed[SCRUTINEER].json()["results"]] == [report.pk]
    assert listed[PRACTITIONER_POLICE].json()["count"] == 0
    assert listed[OTHER_PARTNERSHIP].json()["count"] == 0


def test_the_report_holds_its_sections_figures_sign_offs_and_dates(api, demo, report):
    FinancialContributionFactory(
        partnership=demo.riverside,
        agency=demo.agency("Midshire Police"),
        year_starting=START,
        amount=48250,
        in_kind="A detective sergeant for the audit programme",
    )
    add_referral(demo)
    services.yearly_report_edit(
        report=report,
        narratives={"funding": "Partners kept their shares level."},
        young_people_summary="",
        by=demo.user(BUSINESS),
    )
    services.yearly_report_sign_off(report=report, by=demo.user(LEAD_LA))
    sign_in(api, SCRUTINEER)

    body = api.get(url(report)).json()

    assert body["status"] == "draft"
    assert (body["period_start"], body["period_end"]) == ("2025-04-01", "2026-03-31")
    assert body["published_on"] is None and body["sending_due_on"] is None
    assert body["sent_to_panel_on"] is None and body["sent_to_what_works_on"] is None
    assert [(s["partner_role"], s["agency_name"]) for s in body["sign_offs"]] == [
        ("local_authority_partner", "Riverside Council")
    ]
    assert [s["key"] for s in body["sections"]] == list(ReportSection.values)
    police = figure(body, "funding", "Midshire Police")
    assert police == {
        "label": "Midshire Police",
        "value": 48250.0,
        "kind": "money",
        "display": "£48,250.00",
    }
    funding = section(body, "funding")
    assert funding["narrative"] == "Partners kept their shares level."
    assert funding["items"] == [
        "Midshire Police, in kind: A detective sergeant for the audit programme"
    ]
    assert body["narratives"] == {"funding": "Partners kept their shares level."}
    assert figure(body, "indicators", "Referrals received")["value"] == 1
    timely = figure(body, "indicators", "Front door decisions within 1 working day")
    assert timely["kind"] == "percent"


def test_publication_and_sending_dates_are_in_the_api(api, demo, report):
    for lead in (LEAD_LA, LEAD_HEALTH, LEAD_POLICE):
        services.yearly_report_sign_off(report=report, by=demo.user(lead))
    report.refresh_from_db()
    today = timezone.localdate()
    services.yearly_report_publish(report=report, published_on=today, by=demo.user(BUSINESS))
    services.yearly_report_record_sent(
        report=report,
        sent_to_panel_on=today,
        sent_to_what_works_on=None,
        by=demo.user(BUSINESS),
    )
    sign_in(api, SCRUTINEER)

    body = api.get(url(report)).json()
    listed = api.get(url(), {"status": "published"}).json()

    assert body["status"] == "published"
    assert body["published_on"] == today.isoformat()
    assert body["sending_due_on"] == (today + timedelta(days=7)).isoformat()
    assert body["sent_to_panel_on"] == today.isoformat()
    assert body["sent_to_what_works_on"] is None
    assert len(body["sign_offs"]) == 3
    assert [r["id"] for r in listed["results"]] == [report.pk]
    assert api.get(url(), {"status": "draft"}).json()["count"] == 0


def test_the_business_team_writes_narratives_with_patch(api, demo, report):
    services.yearly_report_edit(
        report=report,
        narratives={"voice": "Young people led our audit."},
        young_people_summary="",
        by=demo.user(BUSINESS),
    )
    sign_in(api, BUSINESS)

    response = api.patch(
        url(report),
        {"narratives": {"priorities": "We focused on neglect."}, "young_people_summary": "Hi"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert section(body, "priorities")["narrative"] == "We focused on neglect."
    assert section(body, "voice")["narrative"] == "Young people led our audit."
    assert body["young_people_summary"] == "Hi"
    report.refresh_from_db()
    assert report.narratives == {
        "voice": "Young people led our audit.",
        "priorities": "We focused on neglect.",
    }
    # Leaving the summary out keeps it.
    api.patch(url(report), {"narratives": {"voice": ""}}, format="json")
    report.refresh_from_db()
    assert report.young_people_summary == "Hi" and report.narratives["voice"] == ""


@pytest.mark.parametrize(
    "data, field",
    [
        ({"narratives": {"prioritiez": "Typo"}}, "narratives"),
        ({"narratives": {"priorities": ["a", "list"]}}, "narratives"),
        ({"narratives": {"priorities": "x" * (NARRATIVE_MAX_LENGTH + 1)}}, "narratives"),
        ({"narratives": "not an object"}, "narratives"),
        ({"young_people_summary": None}, "young_people_summary"),
        ({}, "non_field_errors"),
    ],
)
def test_bad_narratives_are_400_with_field_messages(api, demo, report, data, field):
    sign_in(api, BUSINESS)

    response = api.patch(url(report), data, format="json")

    assert response.status_code == 400
    assert field in response.json()
    if field == "narratives" and isinstance(data["narratives"], dict):
        (key,) = data["narratives"]
        assert key in response.json()["narratives"]
    report.refresh_from_db()
    assert report.narratives == {}


def test_a_signed_report_cannot_be_patched(api, demo, report):
    services.yearly_report_sign_off(report=report, by=demo.user(LEAD_POLICE))
    sign_in(api, BUSINESS)

    response = api.patch(url(report), {"narratives": {"voice": "Late"}}, format="json")

    assert response.status_code == 400
    assert "signed off" in response.json()["non_field_errors"][0]
    report.refresh_from_db()
    assert report.narratives == {}


def test_only_the_business_team_patches(api, demo, report):
    check_access(
        api,
        url(report),
        {
            SCRUTINEER: 403,
            LEAD_POLICE: 403,
            PRACTITIONER_POLICE: 404,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 401,
        },
        method="patch",
        data={"narratives": {"voice": "Not theirs to write"}},
        format="json",
    )
    report.refresh_from_db()
    assert report.narratives == {}
    check_access(
        api,
        url(report),
        {BUSINESS: 405, SCRUTINEER: 405},
        method="put",
        data={"narratives": {}},
        format="json",
    )
    check_access(api, url(report), {BUSINESS: 405}, method="delete")
    check_access(api, url(), {BUSINESS: 405}, method="post", data={}, format="json")
    assert YearlyReport.objects.filter(pk=report.pk).exists()


def test_the_scrutineer_never_receives_a_childs_identity_from_the_report_api(api, demo, report):
    add_referral(demo)
    sign_in(api, SCRUTINEER)

    for address in (url(), url(report)):
        body = api.get(address).content.decode()
        for identifying in ("Zebedee", "Quixote", "2015-03-17", "17 March 2015", "HF1 2AB"):
            assert identifying not in body


def test_the_report_api_reads_a_bounded_number_of_queries(
    api, demo, report, django_assert_max_num_queries
):
    for year in range(2015, 2025):
        services.yearly_report_start(
            partnership=demo.riverside, period_start=date(year, 4, 1), by=demo.user(BUSINESS)
        )
    for _ in range(20):
        add_referral(demo)
    sign_in(api, BUSINESS)

    with django_assert_max_num_queries(8):
        listed = api.get(url())
    assert listed.json()["count"] == 11
    with django_assert_max_num_queries(60):
        assert api.get(url(report)).status_code == 200

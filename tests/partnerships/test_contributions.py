"""Each partner's and agency's financial contribution, recorded against the yearly report."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from partnerships import services
from partnerships.models import FinancialContribution
from tests.partnerships.factories import FinancialContributionFactory
from tests.partnerships.test_yearly_report import START
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    LEAD_LA,
    LEAD_POLICE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)


@pytest.fixture
def report(demo):
    return services.yearly_report_start(
        partnership=demo.riverside, period_start=START, by=demo.user(BUSINESS)
    )


def contributions_url(report):
    return reverse("partnerships:report-contributions", args=[report.pk])


def change_url(report, contribution):
    return reverse("partnerships:report-contribution-change", args=[report.pk, contribution.pk])


def test_the_business_team_records_each_partners_contribution(client, demo, report):
    sign_in(client, BUSINESS)
    url = contributions_url(report)
    assert (
        "Record contributions from partners"
        in client.get(report.get_absolute_url()).content.decode()
    )

    police = client.post(
        url, {"agency": demo.agency("Midshire Police").pk, "amount": "48250", "in_kind": ""}
    )
    health = client.post(
        url,
        {
            "agency": demo.agency("Riverside and Hillford ICB").pk,
            "amount": "0",
            "in_kind": "A designated nurse two days a week",
        },
    )

    assert police.status_code == 302 and health.status_code == 302
    recorded = {
        c.agency.name: (c.year_starting, c.amount, c.in_kind)
        for c in FinancialContribution.objects.filter(partnership=demo.riverside)
    }
    assert recorded == {
        "Midshire Police": (START, Decimal("48250.00"), ""),
        "Riverside and Hillford ICB": (
            START,
            Decimal("0.00"),
            "A designated nurse two days a week",
        ),
    }
    listing = client.get(url).content.decode()
    assert "£48,250.00" in listing and "A designated nurse two days a week" in listing
    page = client.get(report.get_absolute_url()).content.decode()
    assert (
        "£48,250.00" in page and "Riverside and Hillford ICB, in kind: A designated nurse" in page
    )


@pytest.mark.parametrize(
    "data, message",
    [
        ({"amount": "-5"}, "The amount cannot be negative"),
        ({"amount": ""}, "Give the amount, or 0 for a contribution in kind only"),
        ({"amount": "lots"}, "Enter the amount as a number"),
        ({"amount": "1.234"}, "Give the amount in pounds and pence"),
        ({"amount": "0", "in_kind": ""}, "Describe the contribution in kind, or give an amount"),
        ({"amount": "10000000000"}, "must be less than £10,000,000,000"),
        ({"agency": "Northgate Academy"}, "Choose a partner or agency of the partnership"),
        ({"agency": "Midshire Police"}, "already has a contribution for this period"),
    ],
)
def test_a_contribution_with_mistakes_says_what_is_wrong(client, demo, report, data, message):
    FinancialContributionFactory(
        partnership=demo.riverside, agency=demo.agency("Midshire Police"), year_starting=START
    )
    sign_in(client, BUSINESS)
    agency = demo.agency(data.pop("agency", "Riverside Homes"))

    response = client.post(
        contributions_url(report), {"agency": agency.pk, "amount": "100", **data}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert FinancialContribution.objects.filter(partnership=demo.riverside).count() == 1


def test_the_service_refuses_a_negative_amount_and_a_second_contribution(demo, report):
    business = demo.user(BUSINESS)
    with pytest.raises(Exception, match="cannot be negative"):
        services.financial_contribution_record(
            report=report,
            agency=demo.agency("Riverside Homes"),
            amount=Decimal("-0.01"),
            by=business,
        )
    services.financial_contribution_record(
        report=report, agency=demo.agency("Riverside Homes"), amount=Decimal("500"), by=business
    )
    with pytest.raises(Exception, match="already has a contribution"):
        services.financial_contribution_record(
            report=report, agency=demo.agency("Riverside Homes"), amount=Decimal("1"), by=business
        )
    # Another year is another period.
    later = services.yearly_report_start(
        partnership=demo.riverside, period_start=date(2024, 4, 1), by=business
    )
    services.financial_contribution_record(
        report=later, agency=demo.agency("Riverside Homes"), amount=Decimal("400"), by=business
    )
    assert FinancialContribution.objects.filter(agency__name="Riverside Homes").count() == 2


def test_the_business_team_corrects_a_contribution(client, demo, report):
    contribution = FinancialContributionFactory(
        partnership=demo.riverside, agency=demo.agency("Midshire Police"), year_starting=START
    )
    sign_in(client, BUSINESS)

    refused = client.post(change_url(report, contribution), {"amount": "-1", "in_kind": ""})
    changed = client.post(
        change_url(report, contribution), {"amount": "12500.50", "in_kind": "Room hire"}
    )

    assert refused.status_code == 200 and "cannot be negative" in refused.content.decode()
    assert changed.status_code == 302
    contribution.refresh_from_db()
    assert (contribution.amount, contribution.in_kind) == (Decimal("12500.50"), "Room hire")
    assert contribution.history.count() == 2


def test_a_signed_off_report_fixes_its_funding(client, demo, report):
    contribution = FinancialContributionFactory(
        partnership=demo.riverside, agency=demo.agency("Midshire Police"), year_starting=START
    )
    services.yearly_report_sign_off(report=report, by=demo.user(LEAD_LA))
    sign_in(client, BUSINESS)

    page = client.get(contributions_url(report))
    added = client.post(
        contributions_url(report), {"agency": demo.agency("Riverside Homes").pk, "amount": "5"}
    )
    changed = client.post(change_url(report, contribution), {"amount": "1", "in_kind": ""})

    assert "Record a contribution" not in page.content.decode()
    assert "funding figures are fixed" in page.content.decode()
    assert "signed off" in added.content.decode() and "signed off" in changed.content.decode()
    contribution.refresh_from_db()
    assert contribution.amount == Decimal("10000.00")
    assert FinancialContribution.objects.filter(partnership=demo.riverside).count() == 1


def test_who_sees_and_records_contributions(client, demo, report):
    contribution = FinancialContributionFactory(
        partnership=demo.riverside, agency=demo.agency("Midshire Police"), year_starting=START
    )
    readers = check_access(
        client,
        contributions_url(report),
        {
            BUSINESS: 200,
            SCRUTINEER: 200,
            LEAD_POLICE: 200,
            PRACTITIONER_POLICE: 404,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )
    assert "£10,000.00" in readers[SCRUTINEER].content.decode()
    assert "Record a contribution" not in readers[SCRUTINEER].content.decode()
    assert "Record a contribution" in readers[BUSINESS].content.decode()
    outsiders = {
        SCRUTINEER: 403,
        LEAD_POLICE: 403,
        PRACTITIONER_POLICE: 404,
        OTHER_PARTNERSHIP: 404,
        ANONYMOUS: 302,
    }
    check_access(
        client,
        contributions_url(report),
        outsiders,
        method="post",
        data={"agency": demo.agency("Riverside Homes").pk, "amount": "1"},
    )
    check_access(client, change_url(report, contribution), {BUSINESS: 200, **outsiders})
    check_access(
        client,
        change_url(report, contribution),
        outsiders,
        method="post",
        data={"amount": "1", "in_kind": ""},
    )
    assert FinancialContribution.objects.filter(partnership=demo.riverside).count() == 1
    contribution.refresh_from_db()
    assert contribution.amount == Decimal("10000.00")


def test_a_contribution_of_another_period_is_not_found_through_this_report(client, demo, report):
    other_year = FinancialContributionFactory(
        partnership=demo.riverside,
        agency=demo.agency("Midshire Police"),
        year_starting=date(2024, 4, 1),
    )
    northgate = FinancialContributionFactory(
        partnership=demo.northgate, agency=demo.agency("Midshire Police"), year_starting=START
    )

    check_access(client, change_url(report, other_year), {BUSINESS: 404})
    check_access(client, change_url(report, northgate), {BUSINESS: 404})

import pytest
from playwright.sync_api import expect

from partnerships.models import FinancialContribution, TrainingEvent
from partnerships.services import yearly_report_start
from tests.personas import BUSINESS, SCRUTINEER
from tests.support.dates import fill_date

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("path", ["/referrals/dashboard/", "/referrals/escalations/dashboard/"])
def test_the_scrutineer_sees_the_dashboards_charts_beside_their_tables(
    transactional_demo, live_server, sign_in_as, assert_accessible, path
):
    page = sign_in_as(SCRUTINEER)
    page.goto(f"{live_server.url}{path}")

    canvas = page.locator("canvas[data-chart-source]").first
    expect(canvas).to_be_visible()
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart-source]')]"
        ".every((c) => window.Chart && window.Chart.getChart(c) !== undefined)"
    )
    assert drawn, "every chart is drawn by charts.js"
    expect(page.locator("table.govuk-table").first).to_be_visible()
    assert_accessible(page)


def test_the_business_team_records_training_and_a_contribution(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    from datetime import date

    report = yearly_report_start(
        partnership=transactional_demo.riverside,
        period_start=date(2025, 4, 1),
        by=transactional_demo.user(BUSINESS),
    )
    page = sign_in_as(BUSINESS)
    page.goto(f"{live_server.url}/partnerships/training/")
    assert_accessible(page)
    page.get_by_role("link", name="Record training").click()
    page.get_by_label("Title").fill("Working with fathers")
    fill_date(page, "Date the training was held", date(2026, 1, 15))
    page.get_by_label("Learning theme").select_option(label="Hearing the child's voice")
    page.get_by_role("group", name="Who it was for (optional)").get_by_label(
        "Midshire Police"
    ).check()
    page.get_by_role("group", name="Attendees by agency (optional)").get_by_label(
        "Midshire Police"
    ).fill("9")
    assert_accessible(page)
    page.get_by_role("button", name="Record the training").click()
    expect(page.get_by_role("heading", name="Working with fathers")).to_be_visible()
    assert TrainingEvent.objects.get(title="Working with fathers").attendees == 9

    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    page.get_by_role("link", name="Record contributions from partners and agencies").click()
    page.get_by_label("Partner or agency").select_option(label="Midshire Police")
    page.get_by_label("Amount (£)").fill("-10")
    page.get_by_role("button", name="Record the contribution").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Amount (£)").fill("48250")
    page.get_by_role("button", name="Record the contribution").click()
    expect(page.locator("#contributions")).to_contain_text("£48,250.00")
    assert FinancialContribution.objects.get(agency__name="Midshire Police").amount == 48250
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    expect(page.locator("#section-training")).to_be_visible()
    expect(page.get_by_text("Working with fathers (Hearing the child's voice")).to_be_visible()

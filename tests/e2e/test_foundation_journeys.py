from datetime import date

import pytest
from playwright.sync_api import expect

from tests.personas import BUSINESS, OTHER_PARTNERSHIP
from tests.support.dates import fill_date

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_business_team_member_finds_their_partnership_and_agencies(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    page = sign_in_as(BUSINESS)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello, Priya Shah")
    assert_accessible(page)

    page.get_by_role("link", name="Partnerships").first.click()
    page.get_by_role(
        "link", name="Riverside and Hillford Safeguarding Children Partnership"
    ).click()
    expect(page.get_by_text("Constituted", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Midshire Police")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/partnerships/agencies/")
    page.get_by_text("Filter", exact=True).click()
    page.get_by_label("Sector").select_option("school")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("link", name="St Anne's Primary School")).to_be_visible()
    expect(page.get_by_role("link", name="Riverside College")).to_have_count(0)
    assert_accessible(page)


def test_the_working_day_calculator_explains_a_christmas_deadline(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    page = sign_in_as(BUSINESS)
    page.goto(f"{live_server.url}/working-days/")
    fill_date(page, "Start date", date(2026, 12, 10))
    page.get_by_label("Number of working days").fill("15")
    page.get_by_role("button", name="Work it out").click()

    expect(page.get_by_role("heading", name="Due Tuesday 5 January 2027")).to_be_visible()
    page.get_by_text("How 5 January 2027 was worked out").click()
    expect(page.get_by_role("cell", name="Bank holiday: Boxing Day (observed)")).to_be_visible()
    assert_accessible(page)


def test_another_partnership_cannot_open_riverside_in_the_browser(
    transactional_demo, live_server, sign_in_as
):
    page = sign_in_as(OTHER_PARTNERSHIP)

    response = page.goto(f"{live_server.url}/partnerships/{transactional_demo.riverside.pk}/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()

import pytest
from playwright.sync_api import expect

from partnerships.choices import Role
from tests.partnerships.factories import RoleAssignmentFactory
from tests.personas import SCRUTINEER

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_scrutineer_reads_the_indicator_dashboard_and_records_a_challenge(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    page = sign_in_as(SCRUTINEER)
    page.goto(f"{live_server.url}/partnerships/indicators/")

    expect(page.locator("canvas").first).to_be_visible()
    expect(page.locator("table").first).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/partnerships/scrutiny/new/")
    assert_accessible(page)


def test_a_scrutineer_for_two_partnerships_chooses_which_the_challenge_is_for(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    RoleAssignmentFactory(
        user=transactional_demo.user(SCRUTINEER),
        partnership=transactional_demo.northgate,
        role=Role.INDEPENDENT_SCRUTINEER,
    )
    page = sign_in_as(SCRUTINEER)
    page.goto(f"{live_server.url}/partnerships/scrutiny/new/")
    choice = page.get_by_role("group", name="Which partnership is the finding or challenge for?")
    expect(choice).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the partnership")
    assert_accessible(page)

    choice.get_by_label(transactional_demo.northgate.name).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-caption-l")).to_have_text(transactional_demo.northgate.name)
    expect(page.get_by_role("link", name="Choose another partnership")).to_be_visible()
    assert_accessible(page)

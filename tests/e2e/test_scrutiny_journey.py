import pytest
from playwright.sync_api import expect

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

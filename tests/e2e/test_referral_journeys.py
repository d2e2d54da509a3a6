"""The referral journey in a real browser: refer, decide, and who can see it."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.personas import (
    FRONT_DOOR_HILLFORD,
    FRONT_DOOR_RIVERSIDE,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
)
from tests.referrals.factories import DecidedReferralFactory
from tests.support.dates import fill_date

pytestmark = pytest.mark.django_db(transaction=True)


def continue_(page):
    page.get_by_role("button", name="Save and continue").click()


def test_a_health_visitor_refers_a_hillford_child_and_hears_the_outcome(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    page = sign_in_as(PRACTITIONER_HEALTH)
    page.goto(f"{live_server.url}/referrals/")
    expect(page.get_by_role("link", name="Made by you")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Shared with your agency").click()
    expect(page.locator("caption")).to_have_text("Referrals shared with your agency")
    assert_accessible(page)
    page.get_by_role("link", name="Made by you").click()
    page.get_by_role("button", name="Make a referral").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start now").click()

    page.get_by_label("First name").fill("Ellie")
    page.get_by_label("Last name").fill("Marsh")
    fill_date(page, "Date of birth", date(2022, 2, 2))
    page.get_by_label("Address").fill("7 Quarry Lane, Hillford")
    page.get_by_label("Postcode").fill("HF2 4PL")
    page.get_by_label("NHS number").fill("943 476 5918")  # one digit wrong
    continue_(page)
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("NHS number").fill("943 476 5919")
    continue_(page)

    page.get_by_label("Parents and carers").fill("Sam Marsh (father)")
    continue_(page)
    page.get_by_label("Hillford Council").check()
    continue_(page)
    expect(page.get_by_text("call 999 first").first).to_be_visible()
    page.get_by_label("What are you worried about?").fill("Ellie has a burn on her hand.")
    page.get_by_label("Physical abuse").check()
    page.get_by_label("No", exact=True).check()
    continue_(page)
    page.get_by_label("Yes, the family agreed to this referral").check()
    continue_(page)

    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your answers")
    assert_accessible(page)
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_text(re.compile("sent to Hillford Council"))).to_be_visible()
    referral_url = page.url

    page.context.clear_cookies()
    page = sign_in_as(FRONT_DOOR_HILLFORD)
    page.goto(f"{live_server.url}/referrals/queue/")
    assert_accessible(page)
    page.goto(referral_url)
    expect(page.get_by_text("Ellie Marsh")).to_be_visible()
    page.get_by_role("link", name="Record the decision").click()
    page.get_by_label("Early help").check()
    page.get_by_label("Reasons").fill("Family support worker to visit this week.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()

    for outsider in (FRONT_DOOR_RIVERSIDE, PRACTITIONER_POLICE):
        page.context.clear_cookies()
        page = sign_in_as(outsider)
        assert page.goto(referral_url).status == 404

    page.context.clear_cookies()
    page = sign_in_as(PRACTITIONER_HEALTH)
    page.goto(referral_url)
    expect(page.get_by_text("Family support worker to visit this week.")).to_be_visible()
    assert_accessible(page)


def test_the_front_door_records_the_strategy_discussion_and_the_referrer_sees_the_dates(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    referral = DecidedReferralFactory(
        decision="strategy_discussion", decided_by=transactional_demo.user(FRONT_DOOR_HILLFORD)
    )
    referral_url = f"{live_server.url}{referral.get_absolute_url()}"
    page = sign_in_as(FRONT_DOOR_HILLFORD)
    page.goto(referral_url)
    expect(page.get_by_text("Due 15 working days after the strategy discussion")).to_be_visible()

    fill_date(page, "Date of the strategy discussion", date(2999, 1, 1))
    page.get_by_role("button", name="Record strategy discussion").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    fill_date(page, "Date of the strategy discussion", date.today())
    page.get_by_role("button", name="Record strategy discussion").click()
    expect(page.get_by_text("Strategy discussion recorded")).to_be_visible()
    expect(page.get_by_text("Due in 15 working days")).to_be_visible()
    page.get_by_text("No conference needed?", exact=True).click()
    assert_accessible(page)
    page.goto(f"{live_server.url}/referrals/queue/conferences/")
    expect(page.get_by_role("link", name=referral.reference)).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    page = sign_in_as(PRACTITIONER_HEALTH)
    page.goto(referral_url)
    expect(page.get_by_text("Initial child protection conference")).to_be_visible()
    expect(page.get_by_role("button", name="Record strategy discussion")).to_have_count(0)
    assert_accessible(page)

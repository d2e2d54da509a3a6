import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.personas import BUSINESS, LEAD_HEALTH, LEAD_LA, LEAD_POLICE, PRACTITIONER_POLICE
from tests.support.dates import fill_date

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rapid_review_from_incident_to_submission(
    transactional_demo, live_server, sign_in_as, assert_accessible, browser
):
    today = date.today()
    became_aware, meeting = today - timedelta(days=7), today - timedelta(days=1)
    page = sign_in_as(BUSINESS)
    page.goto(f"{live_server.url}/reviews/incidents/new/")
    # The business team works for one partnership: the form is for it, without asking.
    expect(page.locator(".govuk-caption-l")).to_have_text(transactional_demo.riverside.name)
    page.get_by_label("Local authority where it happened").select_option(
        str(transactional_demo.agency("Riverside Council").pk)
    )
    page.get_by_label("Death").check()
    page.get_by_label("Neglect").check()
    fill_date(page, "Date the local authority became aware", became_aware)
    page.get_by_label("Short summary").fill("A baby died; neglect is suspected.")
    page.get_by_label("Midshire Police").check()
    page.get_by_label("Riverside Council").check()
    page.locator("#id_children-0-first_name").fill("Jordan")
    page.locator("#id_children-0-last_name").fill("Example")
    fill_date(page.locator("#div_id_children-0-date_of_birth"), "Date of birth", date(2026, 1, 4))
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Record|Save|Continue")).last.click()

    expect(page.get_by_text("5 working days after the local authority became aware")).to_be_visible(
        timeout=10_000
    )
    assert_accessible(page)
    fill_date(page, "Date the Panel was notified", became_aware)
    page.get_by_role("button", name="Record the notification").click()
    expect(page.get_by_text("On time").first).to_be_visible()
    page.get_by_role("button", name="Start the rapid review").click()
    expect(page.get_by_text(re.compile(r"^How .* was worked out$")).first).to_be_visible()
    expect(page.get_by_role("link", name="Midshire Police", exact=True)).to_be_visible()
    assert_accessible(page)
    review_url = page.url

    police = browser.new_context(bypass_csp=True).new_page()
    police.goto(f"{live_server.url}/sign-in/")
    police.get_by_label("Username").fill(PRACTITIONER_POLICE)
    police.get_by_label("Password").fill("demo-pass-2026")
    police.get_by_role("button", name="Sign in").click()
    police.goto(review_url)
    police.get_by_role("link", name="Midshire Police", exact=True).click()
    police.get_by_label("Chronology").fill("1 Nov: officers called to the address.")
    police.get_by_label("Summary of involvement").fill("One call-out; no further contact.")
    assert_accessible(police)
    police.get_by_role("button", name="Submit the return").click()

    page.goto(review_url)
    page.get_by_role("link", name="Record the meeting").click()
    fill_date(page, "Date of the rapid review meeting", meeting)
    page.get_by_label("Who attended").fill("The three safeguarding partners")
    page.get_by_label("Learning identified").fill("Escalate repeat call-outs involving babies.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Record the decision").click()
    page.get_by_label("Local child safeguarding practice review").check()
    page.get_by_label("Reasons for the decision").fill("Learning for every agency.")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()

    for lead in (LEAD_LA, LEAD_HEALTH, LEAD_POLICE):
        partner = browser.new_context(bypass_csp=True).new_page()
        partner.goto(f"{live_server.url}/sign-in/")
        partner.get_by_label("Username").fill(lead)
        partner.get_by_label("Password").fill("demo-pass-2026")
        partner.get_by_role("button", name="Sign in").click()
        partner.goto(review_url)
        partner.get_by_role("button", name=re.compile("^Sign off for")).click()

    page.goto(review_url)
    page.get_by_role("link", name="Submit to the Panel").click()
    fill_date(page, "Date the rapid review went to the Panel", today)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("On time").first).to_be_visible()
    assert_accessible(page)

import re

import pytest
from playwright.sync_api import expect

from reviews.demo import DEMO_SUMMARY
from reviews.models import RapidReview
from tests.personas import BUSINESS, PRACTITIONER_POLICE

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_business_team_follows_a_rapid_review_and_its_returns(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    review = RapidReview.objects.get(incident__summary=DEMO_SUMMARY)
    page = sign_in_as(BUSINESS)

    page.get_by_role("link", name="Rapid reviews").first.click()
    page.get_by_role("link", name=review.incident.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rapid review of")
    expect(page.get_by_role("cell", name="Agency returns due")).to_be_visible()
    expect(page.get_by_role("heading", name="Agency returns")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/reviews/dashboard/")
    expect(page.get_by_role("heading", name="Agency returns outstanding")).to_be_visible()
    # Chart.js has drawn the chart (it sizes the canvas), loaded without inline script.
    expect(page.locator("#rag-chart")).to_have_attribute("style", re.compile("height"))
    assert_accessible(page)

    page.goto(f"{live_server.url}/reviews/incidents/new/")
    page.get_by_role("button", name="Record the incident").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)


def test_an_agency_saves_a_draft_return_then_submits_it(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    review = RapidReview.objects.get(incident__summary=DEMO_SUMMARY)
    police_return = review.returns.get(agency__name="Midshire Police")
    page = sign_in_as(PRACTITIONER_POLICE)

    page.goto(f"{live_server.url}{police_return.get_absolute_url()}")
    page.get_by_label("Summary of involvement").fill("One domestic abuse call-out.")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Submit the return").click()

    expect(page.get_by_text("Return submitted.")).to_be_visible()
    police_return.refresh_from_db()
    assert police_return.status == "submitted"
